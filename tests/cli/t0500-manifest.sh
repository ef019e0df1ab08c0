#!/bin/bash
# t0500-manifest.sh - `cutover manifest create|verify`: round trips,
# interop both ways with sha256sum/md5sum, every kind of damage, and the
# content validation of real dumps (mariadb-dump, pg_dump from the shared
# servers) whole, cut, compressed and corrupted.
. "$(dirname "$0")/lib.sh"
cd "$T"
mkdir bk
head -c 3000000 /dev/urandom > bk/data.bin
printf 'alpha\n' > bk/a.txt
mkdir bk/sub
printf 'bravo\n' > bk/sub/b.txt

# Round trip, and the format other tools read.
run "$CUTOVER" manifest create bk -o bk.sha256
expect_rc 0 "create"
expect_out '^bk/data.bin: OK \(data\)$' "create reports each file"
expect_out '^bk.sha256: 3 files, 3 ok, 0 failed, 0 extra \(sha256' "create summary"
expect_eq "$(grep -c '^[0-9a-f]\{64\}  bk/' bk.sha256)" 3 "one sha256sum line per file"
expect_eq "$(grep -c '^# size ' bk.sha256)" 3 "a size comment per file"
grep -q '^# algo sha256$' bk.sha256 && ok "algorithm comment" || fail "algorithm comment"
grep -q '^# dir bk$' bk.sha256 && ok "listed directory comment" || fail "dir comment"
run sha256sum -c bk.sha256
expect_rc 0 "sha256sum -c reads our manifest"
run "$CUTOVER" manifest verify bk.sha256
expect_rc 0 "verify"
expect_out '^bk.sha256: 3 files, 3 ok, 0 failed, 0 extra' "verify summary"
# From another directory: paths are relative to the manifest.
mkdir elsewhere
(cd elsewhere && "$CUTOVER" manifest verify ../bk.sha256 -q >../v.out 2>&1)
expect_eq "$?" 0 "verify from another directory"
# Sorted walk: the manifest lists files in byte order.
expect_eq "$(grep -v '^#' bk.sha256 | awk '{print $2}' | tr '\n' ' ')" \
    "bk/a.txt bk/data.bin bk/sub/b.txt " "files in sorted order"

# Their manifests: sha256sum (text and binary mode), md5sum, tag form.
sha256sum bk/a.txt > theirs.sha256
sha256sum -b bk/data.bin >> theirs.sha256
run "$CUTOVER" manifest verify theirs.sha256
expect_rc 0 "reads sha256sum output (both modes)"
md5sum bk/a.txt bk/sub/b.txt > MD5SUMS
run "$CUTOVER" manifest verify MD5SUMS
expect_rc 0 "reads md5sum output"
expect_out '\(md5,' "md5 detected from the digest length"
sha256sum --tag bk/a.txt > tagged.txt
run "$CUTOVER" manifest verify tagged.txt
expect_rc 0 "reads BSD tag lines"
run "$CUTOVER" manifest create bk -o ours.md5 -a md5 -q
run md5sum -c ours.md5
expect_rc 0 "md5sum -c reads our md5 manifest"
run "$CUTOVER" manifest create bk -o ours.xxh128 -a xxh128 -q
run "$CUTOVER" manifest verify ours.xxh128
expect_rc 0 "xxh128 round trip"
# A name with a newline and a backslash, escaped as sha256sum does.
mkdir odd
printf 'x\n' > "odd/new
line\\x"
run "$CUTOVER" manifest create odd -o odd.sha256
expect_rc 0 "create with an odd name"
run sha256sum -c odd.sha256
expect_rc 0 "sha256sum -c reads our escaped name"
sha256sum odd/* > odd2.sha256
run "$CUTOVER" manifest verify odd2.sha256
expect_rc 0 "we read sha256sum's escaped name"
# BLAKE3 manifests: recognised, refused with a reason.
printf '%064d  bk/a.txt\n' 0 > B3SUMS
run "$CUTOVER" manifest verify B3SUMS
expect_rc 2 "a b3sum manifest is refused"
expect_err "BLAKE3" "says why"

# Damage: a flipped byte, a truncated file, a missing file, an extra file.
cp -r bk pristine
printf 'alphA\n' > bk/a.txt
head -c 1000 pristine/data.bin > bk/data.bin
rm bk/sub/b.txt
printf 'new\n' > bk/sub/c.txt
run "$CUTOVER" manifest verify bk.sha256
expect_rc 1 "damage fails"
expect_out '^bk/a.txt: FAILED: content changed: sha256 ' "flipped byte"
expect_out '^bk/data.bin: FAILED: size changed: size 3000000 -> 1000$' "truncated"
expect_out '^bk/sub/b.txt: FAILED: missing$' "missing"
expect_out '^bk/sub/c.txt: EXTRA: not in the manifest$' "extra"
expect_out '3 files, 0 ok, 3 failed, 1 extra' "summary counts"
run sha256sum -c bk.sha256
expect_rc 1 "sha256sum agrees it is damaged"
run "$CUTOVER" manifest verify bk.sha256 --format json
expect_rc 1 "json: same exit status"
if printf '%s' "$out" | jq -e '.files == 3 and .ok == 0 and .failed == 3 and .extra == 1
    and ([.results[] | select(.path == "bk/a.txt")][0].status == "content changed")
    and ([.results[] | select(.path == "bk/sub/c.txt")][0].status == "extra")' >/dev/null; then
	ok "json report"; else fail "json report" "$out"; fi
rm -rf bk && mv pristine bk

# Content validation with real dumps.
if [ -n "${MY_PORT:-}" ] && command -v mariadb-dump >/dev/null; then
	my_sql() { mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -ucutover -pcutover -N -B -e "$1"; }
	my_sql "CREATE DATABASE IF NOT EXISTS t0500; CREATE TABLE IF NOT EXISTS t0500.t (id int primary key, v text);
	    DELETE FROM t0500.t; INSERT INTO t0500.t SELECT seq, repeat('x', 200) FROM seq_1_to_5000;"
	mariadb-dump --no-defaults -h 127.0.0.1 -P "$MY_PORT" -ucutover -pcutover t0500 > my.sql 2>/dev/null
	MYDUMP=mariadb-dump
else
	{ echo "-- MySQL dump 10.13"; seq 1 50000 | sed 's/.*/INSERT INTO t VALUES (&);/'; echo "-- Dump completed on 2026-11-22"; } > my.sql
	MYDUMP=synthetic
fi
if [ -n "${PG_PORT:-}" ] && command -v pg_dump >/dev/null; then
	psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "DROP TABLE IF EXISTS t0500; CREATE TABLE t0500 AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g;" >/dev/null
	pg_dump -h 127.0.0.1 -p "$PG_PORT" -U postgres -t t0500 postgres > pg.sql
else
	{ echo "--"; echo "-- PostgreSQL database dump"; seq 1 50000; echo "-- PostgreSQL database dump complete"; } > pg.sql
fi
grep -q -- '-- Dump completed' my.sql && ok "$MYDUMP wrote its trailer" || fail "no trailer in my.sql"
mkdir dumps
gzip -c my.sql > dumps/my.sql.gz
zstd -q -c pg.sql > dumps/pg.sql.zst
cp my.sql dumps/my.sql
half=$(($(wc -c < my.sql) / 2))
head -c $half my.sql | gzip -c > dumps/my-half.sql.gz	# valid gzip, cut dump
head -c $(($(wc -c < dumps/my.sql.gz) / 2)) dumps/my.sql.gz > dumps/trunc.sql.gz
cp dumps/pg.sql.zst dumps/badsum.sql.zst
printf '\x00\x00\x00\x00' | dd of=dumps/badsum.sql.zst bs=1 seek=$(($(wc -c < dumps/pg.sql.zst) - 4)) conv=notrunc 2>/dev/null
tar cf dumps/files.tar bk
tar cf one.tar -C bk a.txt				# header + 1 data block
head -c 1024 one.tar > dumps/noend.tar
tar czf dumps/files.tgz bk
run "$CUTOVER" manifest create dumps -o dumps.sha256
expect_rc 1 "create exits 1 when a backup is incomplete"
expect_out '^dumps/my.sql.gz: OK \(gzip ok, mysqldump complete\)$' "a whole gzipped dump"
expect_out '^dumps/pg.sql.zst: OK \(zstd ok, pg_dump complete\)$' "a whole zstd pg_dump"
expect_out '^dumps/my.sql: OK \(mysqldump complete\)$' "a plain dump"
expect_out '^dumps/files.tar: OK \(tar complete, 5 members\)$' "a whole tar"
expect_out '^dumps/files.tgz: OK \(gzip ok, tar complete' "a whole tar.gz"
expect_out "^dumps/my-half.sql.gz: INCOMPLETE: .*no '-- Dump completed' trailer" "a valid gzip of a dump cut in half"
expect_out '^dumps/trunc.sql.gz: INCOMPLETE: .*gzip: stream truncated' "a truncated gzip"
expect_out "^dumps/badsum.sql.zst: INCOMPLETE: .*checksum" "a zstd frame with a bad checksum"
expect_out '^dumps/noend.tar: INCOMPLETE: .*tar: no end-of-archive blocks' "a tar without its end blocks"
grep -q '^# incomplete gzip: stream truncated' dumps.sha256 && ok "the manifest records it" || fail "no incomplete comment"
run "$CUTOVER" manifest verify dumps.sha256
expect_rc 1 "verify fails on incomplete content even when hashes match"
expect_out '^dumps/trunc.sql.gz: FAILED: content incomplete: gzip' "verify names it"
run "$CUTOVER" manifest verify dumps.sha256 --no-content
expect_rc 0 "--no-content checks hashes only"

# Formats whose headers could pass a damaged file (issue 11 #4, #5; 10 #22).
mkdir fmt
# pg_dump's custom format: walked to the last data block.
if [ -n "${PG_PORT:-}" ] && command -v pg_dump >/dev/null; then
	psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "DROP TABLE IF EXISTS t0500b; CREATE TABLE t0500b AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 30000) g;" >/dev/null
	pg_dump -Fc -h 127.0.0.1 -p "$PG_PORT" -U postgres -t t0500 -t t0500b -f fmt/pg.dump postgres
	pg_dump -Fc -Z0 -h 127.0.0.1 -p "$PG_PORT" -U postgres -t t0500 postgres | cat > fmt/piped.dump
	pg_dump -Fc -s -h 127.0.0.1 -p "$PG_PORT" -U postgres -t t0500 -f fmt/schema.dump postgres
	head -c $(($(wc -c < fmt/pg.dump) / 2)) fmt/pg.dump > fmt/pg-half.dump
	head -c $(($(wc -c < fmt/pg.dump) - 1)) fmt/pg.dump > fmt/pg-1.dump
	head -c 200 fmt/pg.dump > fmt/pg-head.dump
	gzip -c fmt/pg-half.dump > fmt/pg-half.dump.gz
	pg_restore -l fmt/pg.dump >/dev/null && ok "pg_restore reads the whole custom dump" || fail "pg_restore -l"
	run "$CUTOVER" manifest create fmt -o fmt.sha256
	expect_out '^fmt/pg.dump: OK \(pg_dump custom format complete, [0-9]+ TOC entries, 2 data blocks\)$' "a whole pg_dump -Fc"
	expect_out '^fmt/piped.dump: OK \(pg_dump custom format complete, [0-9]+ TOC entries, 1 data blocks\)$' "a pg_dump -Fc written to a pipe"
	expect_out '^fmt/schema.dump: OK \(pg_dump custom format complete, [0-9]+ TOC entries, 0 data blocks\)$' "a schema-only pg_dump -Fc"
	expect_out '^fmt/pg-half.dump: INCOMPLETE: .*pg_dump custom: truncated' "a pg_dump -Fc cut in half"
	expect_out '^fmt/pg-1.dump: INCOMPLETE: .*pg_dump custom: truncated' "a pg_dump -Fc missing its last byte"
	expect_out '^fmt/pg-head.dump: INCOMPLETE: .*pg_dump custom: truncated .*(header|TOC)' "a pg_dump -Fc cut in its TOC"
	expect_out '^fmt/pg-half.dump.gz: INCOMPLETE: .*pg_dump custom: truncated' "a cut pg_dump -Fc, gzipped"
	rm -f fmt/*.dump fmt/*.gz fmt.sha256
else
	echo "skipped: pg_dump -Fc fixtures (no PostgreSQL)"
fi
# A custom-format version this walker does not know is said, never OK.
printf 'PGDMP\001\077\000\004\010\001' > fmt/future.dump
head -c 2000 /dev/zero >> fmt/future.dump
# A dump trailer must be at the end: not followed by a second, cut dump.
{ cat my.sql; head -c $(($(wc -c < my.sql) / 2)) my.sql; } > fmt/two.sql
{ cat pg.sql; head -c $(($(wc -c < pg.sql) / 2)) pg.sql; } > fmt/pgtwo.sql
# sqlite3 .dump ends with COMMIT;
sqlite3 fmt/s.db "CREATE TABLE t(a); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 20000) INSERT INTO t SELECT 'row ' || x FROM c;"
sqlite3 fmt/s.db .dump > fmt/lite.sql
rm fmt/s.db
head -c $(($(wc -c < fmt/lite.sql) / 2)) fmt/lite.sql > fmt/lite-half.sql
# zstd: skippable frames (pzstd writes one first) at the start and between
# frames are valid; a cut skippable frame is not.
seq 1 100000 > fmt/n.txt
pzstd -q -p 2 fmt/n.txt -o fmt/pz.zst 2>/dev/null || { printf '\120\052\115\030\004\000\000\000abcd'; zstd -q -c fmt/n.txt; } > fmt/pz.zst
rm fmt/n.txt
printf '\120\052\115\030\004\000\000\000abcd' > skip.frame
{ zstd -q -c my.sql; cat skip.frame; } > fmt/mid.zst
{ printf 'x\n' | zstd -q -c; cat skip.frame; printf 'y\n' | zstd -q -c; } > fmt/mid2.zst
{ printf 'x\n' | zstd -q -c; head -c 10 skip.frame; } > fmt/cutskip.zst
run "$CUTOVER" manifest create fmt -o fmt.sha256
expect_out '^fmt/future.dump: INCOMPLETE: .*version 1.63.0: not validated' "an unknown pg_dump format version is not OK"
expect_out "^fmt/two.sql: INCOMPLETE: .*mysqldump: .*trailer (is followed by|at the end)" "a mysqldump trailer followed by a second, cut dump"
expect_out "^fmt/pgtwo.sql: INCOMPLETE: .*pg_dump: .*trailer (is followed by|at the end)" "a pg_dump trailer followed by a second, cut dump"
expect_out '^fmt/lite.sql: OK \(sqlite3 dump complete\)$' "a whole sqlite3 .dump"
expect_out "^fmt/lite-half.sql: INCOMPLETE: .*sqlite3 .dump: no 'COMMIT;' trailer" "a sqlite3 .dump cut in half"
expect_out '^fmt/pz.zst: OK \(zstd ok, data\)$' "pzstd output (a skippable frame first)"
expect_out '^fmt/mid.zst: OK \(zstd ok, mysqldump complete\)$' "a skippable frame after the last frame"
expect_out '^fmt/mid2.zst: OK \(zstd ok, data\)$' "a skippable frame between frames"
expect_out '^fmt/cutskip.zst: INCOMPLETE: .*zstd: stream truncated' "a cut skippable frame"
zstd -t fmt/pz.zst fmt/mid2.zst >/dev/null 2>&1 && ok "zstd -t agrees they are valid" || fail "zstd -t"

# A file appended to while verify hashes it: its digest is of no version
# of the file, whatever it matches.  The file is cached first (mapped
# path, which stops at the size seen at open); the append lands mid-hash.
head -c 300000000 /dev/zero > grow.bin
"$CUTOVER" manifest create grow.bin -o grow.sha256 -q -a sha512 >/dev/null
cat grow.bin > /dev/null
start=$(date +%s%N)
"$CUTOVER" manifest verify grow.sha256 -j1 > grow.out 2>&1 &
pid=$!
sleep 0.3
printf 'more' >> grow.bin
wait $pid
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
if [ $rc -eq 1 ] && grep -q 'grow.bin: FAILED: error: changed while it was hashed' grow.out; then
	ok "a file appended to mid-hash is reported changed (${took} ms)"
elif [ $took -lt 400 ]; then
	echo "skipped: hashing finished before the append (${took} ms); the race could not be set up"
else
	fail "appended mid-hash: exit $rc after ${took} ms" "$(cat grow.out)"
fi
rm -f grow.bin

# Paths a walk cannot list are named, never dropped (issue 11 #10, #11).
mkdir -p walk/sub
printf 'a\n' > walk/a.txt
printf 'b\n' > walk/sub/b.txt
mkfifo walk/pipe
run timeout 20 "$CUTOVER" manifest create walk -o walk.sha256
expect_rc 0 "a FIFO in the directory does not block, nor fail"
expect_out '^walk/pipe: SKIPPED: a FIFO: not hashed$' "it is named"
grep -q '^# skipped walk/pipe: a FIFO: not hashed$' walk.sha256 && ok "and noted in the manifest" || fail "no skipped note" "$(cat walk.sha256)"
run timeout 20 "$CUTOVER" manifest verify walk.sha256
expect_rc 0 "verify of that manifest"
run timeout 20 "$CUTOVER" manifest create walk/pipe -o pipe.sha256
expect_rc 2 "a FIFO named as an argument is refused, not opened"
mkdir onlypipe && mkfifo onlypipe/p
run timeout 20 "$CUTOVER" manifest create onlypipe -o onlypipe.sha256
expect_rc 2 "nothing but a FIFO: no manifest verify would refuse"
expect_err "no files to list: every path was skipped" "says why"
run timeout 20 "$CUTOVER" manifest verify walk/pipe
expect_rc 2 "a FIFO as the manifest is refused, not waited on"
expect_err "'walk/pipe' is a FIFO, not a manifest" "says so"
rm walk/pipe
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	mkdir nb && chmod 777 nb && cp -r walk nb/ && chmod -R a+rX nb/walk
	mkdir nb/walk/locked && printf 's\n' > nb/walk/locked/s && chmod 700 nb/walk/locked
	printf 'x\n' > nb/walk/secret.env && chmod 600 nb/walk/secret.env
	run nobody "$CUTOVER" manifest create nb/walk -o nb/walk.sha256
	expect_rc 1 "unreadable files and directories fail create"
	expect_out '^walk/locked: FAILED: error: cannot read the directory: Permission denied$' "the directory is named"
	expect_out '^walk/secret.env: FAILED: error: cannot read: Permission denied$' "the file is named"
	run nobody "$CUTOVER" manifest create nb/walk -o nb/walk.sha256 --skip-unreadable
	expect_rc 0 "--skip-unreadable"
	expect_out '^walk/locked: SKIPPED: cannot read the directory' "still named"
	grep -q '^# skipped walk/locked: ' nb/walk.sha256 && ok "noted in the manifest" || fail "not noted"
	run nobody "$CUTOVER" manifest verify nb/walk.sha256
	expect_rc 1 "verify cannot look for extras in an unreadable directory"
	expect_out '^walk/locked: FAILED: error: cannot read the directory: Permission denied \(extra files there' "says so"
else
	echo "skipped: unreadable paths (needs root and setpriv)"
fi
# Any depth: a file added 70 levels down is EXTRA (walks stopped at 64).
d=walk
for i in $(seq 1 70); do d="$d/d"; done
mkdir -p "$d" && printf 'deep\n' > "$d/deep.txt"
run "$CUTOVER" manifest create walk -o walk.sha256
expect_rc 0 "create 70 levels deep"
grep -q " $d/deep.txt\$" walk.sha256 && ok "the deep file is listed" || fail "deep file not listed"
printf 'new\n' > "$d/new.txt"
run "$CUTOVER" manifest verify walk.sha256
expect_rc 1 "a file added 70 levels down"
expect_out "^$d/new.txt: EXTRA: not in the manifest\$" "is EXTRA"
# --follow: a link back up is walked once, and said.
ln -s .. walk/sub/up
run timeout 20 "$CUTOVER" manifest create walk -o walk2.sha256 --follow
expect_rc 0 "a symlink cycle with --follow ends"
expect_out '^walk/sub/up: SKIPPED: a link back to a directory above it' "and is named"

# -o - writes the manifest to stdout, the report to stderr.
run "$CUTOVER" manifest create bk/a.txt -o -
expect_rc 0 "create to stdout"
expect_out '^[0-9a-f]{64}  bk/a.txt$' "stdout is the manifest"
expect_err '^-: 1 file,' "the summary goes to stderr"

# Bad input: exit 2, one line naming the file (and line).
printf '# algo sha256\nthis is not a line\n' > bad.sha256
run "$CUTOVER" manifest verify bad.sha256
expect_rc 2 "a malformed manifest"
expect_err "^bad.sha256:2: not a checksum line" "names file and line"
printf 'abc  bk/a.txt\n' > short.sha256
run "$CUTOVER" manifest verify short.sha256
expect_rc 2 "a digest of no known length"
printf '# algo sha256\n%032d  bk/a.txt\n' 0 > mixed.sha256
run "$CUTOVER" manifest verify mixed.sha256
expect_err "^mixed.sha256:2: a sha256 digest has 32 hex digits, not 64" "wrong digest length"
run "$CUTOVER" manifest verify nope.sha256
expect_rc 2 "a missing manifest"
run "$CUTOVER" manifest create nope -o x.sha256
expect_rc 2 "a missing path"
expect_err "cannot read 'nope'" "names the path"
run "$CUTOVER" manifest create bk
expect_rc 2 "create needs -o"
# An empty directory: no manifest that verify would refuse (exit 2 both).
mkdir empty
run "$CUTOVER" manifest create empty -o empty.sha256
expect_rc 2 "create refuses an empty directory"
expect_err "no files to list: 'empty' is empty" "says why"
[ -e empty.sha256 ] && fail "an empty manifest was written" || ok "no manifest written"
run "$CUTOVER" manifest create bk -o x --algo blake2
expect_rc 2 "an unknown algorithm"
run "$CUTOVER" manifest verfy x
expect_err "did you mean 'verify'" "a misspelt verb"
run "$CUTOVER" manifest create --help
expect_rc 0 "create --help"
run "$CUTOVER" manifest verify --help
expect_out "usage: cutover manifest verify" "verify --help"
head -c 100 /dev/urandom > binary.sha256
printf '\0' >> binary.sha256
run "$CUTOVER" manifest verify binary.sha256
expect_rc 2 "a binary file is not a manifest"
# The conventional SHA256SUMS inside the directory: not listed in itself,
# checkable by sha256sum -c from there, extras still found.
mkdir sums && printf 'one\n' > sums/one
run "$CUTOVER" manifest create sums -o sums/SHA256SUMS
expect_rc 0 "a manifest inside the listed directory"
grep -q SHA256SUMS sums/SHA256SUMS && fail "lists itself" || ok "does not list itself"
(cd sums && sha256sum -c --quiet SHA256SUMS) && ok "sha256sum -c from there" || fail "sha256sum -c in place"
printf 'two\n' > sums/two
run "$CUTOVER" manifest verify sums/SHA256SUMS
expect_out '^two: EXTRA: not in the manifest$' "an extra file named as the manifest names files"
# A file that shrinks while it is hashed (from a mapping): reported, not
# a crash (SIGBUS is caught).  If hashing wins the race, it is simply OK.
head -c 300000000 /dev/zero > shrink.bin
"$CUTOVER" manifest create shrink.bin -o shrink.sha256 -q >/dev/null
"$CUTOVER" manifest verify shrink.sha256 -j1 > shrink.out 2>&1 &
pid=$!
sleep 0.05
truncate -s 1000 shrink.bin
wait $pid
rc=$?
if [ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -Eq 'shrank while it was read|size changed' shrink.out; }; then
	ok "a file shrinking mid-hash is reported (exit $rc)"
else
	fail "shrinking file: exit $rc" "$(cat shrink.out)"
fi
# Symbolic links are not followed unless --follow.
mkdir -p links/real && printf 'r\n' > links/real/r.txt && printf 'x\n' > target.txt
ln -s ../target.txt links/file-link
ln -s real links/dir-link
run "$CUTOVER" manifest create links -o links1.sha256 -q
expect_eq "$(grep -v '^#' links1.sha256 | awk '{print $2}' | tr '\n' ' ')" \
    "links/real/r.txt " "links are skipped by default"
run "$CUTOVER" manifest create links -o links2.sha256 -q --follow
expect_eq "$(grep -v '^#' links2.sha256 | awk '{print $2}' | tr '\n' ' ')" \
    "links/dir-link/r.txt links/file-link links/real/r.txt " "--follow follows both kinds"
run "$CUTOVER" manifest verify bk
expect_rc 2 "a directory is not a manifest"
expect_err "'bk' is a directory, not a manifest" "says so"
done_testing
