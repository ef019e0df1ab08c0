#!/bin/sh
# t0105-lazy-libs: the libraries loaded on first use (src/lib/lazy.c) are
# not loaded at start, and one that cannot load is one line and exit 2.
# Stand-ins with the real SONAMEs, first on LD_LIBRARY_PATH, take their
# place: an empty library (every symbol missing) or one that is not ELF.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null || { echo "skipped: no C compiler for the stand-in libraries"; exit 0; }
sonames=$(strings -a "$CUTOVER" | grep -E '^lib(xml2|git2|systemd|ldns|hiredis|microhttpd|mariadb|pq|curl)\.so(\.[0-9]+)+$' | sort -u)
mkdir "$T/libs"
echo 'int cutover_stand_in(void) { return 0; }' >"$T/e.c"
for so in $sonames; do
	cc -shared -fPIC -Wl,-soname,"$so" -o "$T/libs/$so" "$T/e.c" || fail "cc $so"
done
expect_eq "$(echo $sonames | wc -w)" 9 "the binary names the nine lazy libraries"
head -c 64 /dev/zero >"$T/libs/libpq.so.5"
cat >"$T/files.yml" <<'YML'
cutover: 1
name: files
checks:
  - { id: f, kind: file, path: /etc/hostname }
YML
cat >"$T/http.yml" <<'YML'
cutover: 1
name: http
checks:
  - { id: h, kind: http, url: 'http://127.0.0.1:1/', timeout: 1s }
YML
L="$T/libs"

run env LD_LIBRARY_PATH="$L" "$CUTOVER" --version
expect_rc 0 "--version starts with no lazy library loadable"
run env LD_LIBRARY_PATH="$L" "$CUTOVER" lint "$T/files.yml"
expect_rc 0 "lint needs none of them"
run env LD_LIBRARY_PATH="$L" "$CUTOVER" check "$T/files.yml"
expect_rc 0 "a file check needs none of them"

run env LD_LIBRARY_PATH="$L" "$CUTOVER" check "$T/http.yml"
expect_rc 2 "an http check without a usable libcurl"
expect_eq "$err" "cutover: cannot load libcurl.so.4 (no symbol curl_easy_cleanup): install the Debian package libcurl4" \
    "names the library, the missing symbol and the package, on one line"
expect_eq "$out" "" "and checks nothing"

sqlite3 "$T/a.db" 'create table t(id integer primary key)'
run env LD_LIBRARY_PATH="$L" "$CUTOVER" diff postgres://u@127.0.0.1:1/x "sqlite://$T/a.db"
expect_rc 2 "a diff whose libpq is not a library"
expect_err '^cutover: cannot load libpq\.so\.5 \(.*\): install the Debian package libpq5$' \
    "says which and why"
expect_eq "$(printf '%s\n' "$err" | wc -l)" 1 "in one line"

# The real libraries: the same commands get past loading.
run "$CUTOVER" check "$T/http.yml"
expect_rc 1 "with libcurl, the http check runs (and fails: nothing listens)"
done_testing
