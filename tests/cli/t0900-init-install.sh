#!/bin/bash
# t0900-init-install.sh - a newcomer's first commands: `cutover init`
# templates lint clean and the sqlite one runs end to end; `lint --list`;
# the bash completion offers commands, options, check ids and phases;
# `make install DESTDIR=...` lays out every file and `make uninstall`
# removes them; `make deb` builds a package holding the same files.
. "$(dirname "$0")/lib.sh"
cd "$T"

# 1. init: every template lints with exit 0.
for t in $("$CUTOVER" init --list); do
	run "$CUTOVER" init --template "$t" -o "$t.yml"
	expect_rc 0 "init --template $t"
	run "$CUTOVER" lint "$t.yml"
	expect_rc 0 "template $t lints clean"
done
run "$CUTOVER" init --list
expect_eq "$(echo $out)" "mysql postgres sqlite two-hosts" "four templates"
run "$CUTOVER" init -o sqlite.yml
expect_rc 2 "init refuses to replace a file"
expect_err "exists.*--force" "and says how"
run "$CUTOVER" init -o sqlite.yml --force
expect_rc 0 "init --force replaces it"
run "$CUTOVER" init --template postgress
expect_rc 2 "an unknown template"
expect_err "did you mean 'postgres'" "names the nearest"
run "$CUTOVER" init -o - --template mysql
expect_out "^name: mysql-move" "-o - writes to stdout"

# The sqlite template runs as written once its database and env file exist.
mkdir app && cd app
"$CUTOVER" init >/dev/null 2>&1
sqlite3 app.db "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
	INSERT INTO users(name) VALUES ('ada'), ('brian'), ('chen');"
echo "DB_PATH=app.db" > app.env
run "$CUTOVER" check plan.yml --phase preflight
expect_rc 0 "the sqlite starter's preflight passes"
run "$CUTOVER" run plan.yml --yes
expect_rc 0 "the sqlite starter runs to go"
expect_eq "$(cat app.env)" "DB_PATH=app-new.db" "and switched the app's database"
expect_eq "$(sqlite3 app-new.db 'SELECT group_concat(name) FROM users')" \
    "ada,brian,chen" "with every row"
cd "$T"

# 2. lint --list
run "$CUTOVER" lint --list phases sqlite.yml
expect_eq "$(echo $out)" "preflight backup move switch" "lint --list phases"
run "$CUTOVER" lint --list checks sqlite.yml
expect_out "^new-identical$" "lint --list checks"
run "$CUTOVER" lint --list chekcs sqlite.yml
expect_rc 2 "lint --list of an unknown word"

# 3. bash completion, loaded as bash-completion loads it.
complete_words() { # LINE: the words offered for the last word of LINE
	PATH="$(dirname "$CUTOVER"):$PATH" bash -c '
		shopt -s extglob progcomp
		. "$1"
		COMP_LINE=$2
		read -ra COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_POINT=${#2}
		_cutover
		printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT/completions/cutover.bash" "$1"
}
cp sqlite.yml plan.yml
expect_eq "$(complete_words 'cutover ru' | tr '\n' ' ')" "run " "completes a command"
complete_words "cutover check plan.yml --only new-" >c.out
expect_eq "$(cat c.out | tr '\n' ' ')" "new-identical new-integrity " \
    "completes check ids from the plan"
complete_words "cutover check plan.yml --only old-present,new-id" >c.out
expect_eq "$(cat c.out)" "old-present,new-identical" "completes the last of a list"
complete_words "cutover check --phase m" >c.out
expect_eq "$(cat c.out)" "move" "completes phases of the plan in the directory"
complete_words "cutover lint --qu" >c.out
expect_eq "$(cat c.out)" "--quiet" "completes a command's options"
complete_words "cutover check --format j" >c.out
expect_eq "$(cat c.out | tr '\n' ' ')" "json junit " "completes format names"
if command -v zsh >/dev/null; then
	zsh -n "$ROOT/completions/_cutover" && ok "the zsh completion parses" ||
		fail "zsh completion syntax"
fi

# 4. make install / uninstall into a staging root.
dest="$T/root"
make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr/local >install.out 2>&1 ||
	fail "make install" "$(cat install.out)"
for f in bin/cutover share/man/man1/cutover.1 share/man/man5/cutover-plan.5 \
    share/bash-completion/completions/cutover \
    share/zsh/vendor-completions/_cutover share/doc/cutover/README.md \
    share/doc/cutover/examples/demo/plan.yml; do
	[ -f "$dest/usr/local/$f" ] && ok "installed $f" || fail "missing $f"
done
[ -e "$dest/usr/local/share/doc/cutover/examples/demo/out" ] &&
	fail "generated demo output was installed" || ok "no generated output installed"
"$dest/usr/local/bin/cutover" --version >/dev/null && ok "the installed binary runs" ||
	fail "installed binary"
MANWIDTH=80 man --warnings -l "$dest/usr/local/share/man/man5/cutover-plan.5" \
    >man.out 2>man.err
[ -s man.out ] && [ ! -s man.err ] && ok "cutover-plan(5) renders without warnings" ||
	fail "cutover-plan(5)" "$(cat man.err)"
make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1
left=$(find "$dest" -type f | sed "s|$dest||")
expect_eq "$left" "" "make uninstall removes every installed file"

# 5. make deb
if command -v dpkg-deb >/dev/null; then
	(cd "$ROOT" && make -s deb) >deb.out 2>&1 || fail "make deb" "$(cat deb.out)"
	deb=$(ls "$ROOT"/cutover_*.deb 2>/dev/null | head -n1)
	if [ -n "$deb" ]; then
		dpkg-deb -c "$deb" >deb.list
		grep -q '\./usr/bin/cutover$' deb.list && ok "the package holds /usr/bin/cutover" ||
			fail "deb contents" "$(cat deb.list)"
		grep -q 'man5/cutover-plan.5.gz' deb.list && ok "and the plan man page" ||
			fail "deb man page"
		dpkg-deb -f "$deb" Depends | grep -q 'libyaml' && ok "Depends names libyaml" ||
			fail "deb Depends" "$(dpkg-deb -f "$deb" Depends)"
		# Loaded on first use (dlopen), so not NEEDED: still a dependency.
		dpkg-deb -f "$deb" Depends | grep -q 'libxml2 .*libcurl4\|libcurl4.*libxml2 ' &&
			ok "Depends names the libraries loaded on first use" ||
			fail "deb Depends (lazy)" "$(dpkg-deb -f "$deb" Depends)"
		mkdir x && dpkg-deb -x "$deb" x && x/usr/bin/cutover --version >/dev/null &&
			ok "the packaged binary runs" || fail "packaged binary"
		rm -f "$deb"
	else
		fail "make deb wrote no package" "$(cat deb.out)"
	fi
else
	echo "# skipped part: dpkg-deb absent (make deb)"
fi
done_testing
