#!/bin/bash
# t0390-journal-files.sh - the journal's files cannot be trusted blindly.
# A journal truncated to 0 bytes, or missing while its -wal, -shm or
# .lock file is there, lost what it recorded: exit 2, never a fresh start
# that runs completed steps again.  A symbolic link at the journal or at
# its companions is never followed; every file is created 0600.
. "$(dirname "$0")/lib.sh"
cd "$T"
cat >plan.yml <<'YML'
cutover: 1
name: jf
phases:
  - id: p
    steps:
      - id: once
        shell: echo once >> log; stat -c '%a %n' .cutover/jf.db .cutover/jf.db-wal .cutover/jf.db-shm .cutover/jf.db.lock > modes
YML
J=.cutover/jf.db
count() { grep -c once log 2>/dev/null || echo 0; }

run "$CUTOVER" run plan.yml --yes
expect_rc 0 "a run completes"
expect_eq "$(sort modes | cut -d' ' -f1 | sort -u)" "600" "journal, -wal, -shm and .lock are 0600"
expect_eq "$(stat -c %a $J)" 600 "the journal stays 0600"

# Truncated to 0 bytes.
: >$J
for cmd in status run resume rollback report; do
	case $cmd in
	run|resume) run "$CUTOVER" $cmd plan.yml --yes ;;
	*) run "$CUTOVER" $cmd plan.yml ;;
	esac
	expect_rc 2 "$cmd of a zero-byte journal"
	expect_err "journal \./\.cutover/jf\.db is empty \(0 bytes\): what it recorded is lost" "$cmd says why"
done
expect_eq "$(count)" 1 "the completed step did not run again"

# Missing, with its companions still there.
for f in .lock -wal -shm; do
	rm -rf .cutover; mkdir .cutover; touch "$J$f"
	run "$CUTOVER" status plan.yml
	expect_rc 2 "status: no journal but $f"
	expect_err "no journal at \./\.cutover/jf\.db, but \./\.cutover/jf\.db$f is there" "names $f"
	run "$CUTOVER" run plan.yml --yes
	expect_rc 2 "run: no journal but $f"
done
expect_eq "$(count)" 1 "still once"
rm -rf .cutover
run "$CUTOVER" status plan.yml
expect_rc 0 "no journal and nothing beside it: a fresh start"
expect_out "no run yet" "status says so"

# A dangling symbolic link at the journal.
mkdir -p .cutover elsewhere
ln -s "$T/elsewhere/stolen.db" $J
run "$CUTOVER" run plan.yml --yes
expect_rc 2 "run refuses a link at the journal"
expect_err "journal \./\.cutover/jf\.db is a symbolic link: refusing to follow it" "says why"
[ -e elsewhere/stolen.db ] && fail "the link's target was created" || ok "the link's target was not created"
run "$CUTOVER" status plan.yml
expect_rc 2 "status refuses it too"
rm -f $J

# A link planted at a companion of an existing journal.
run "$CUTOVER" run plan.yml --new --yes
expect_rc 0 "a fresh run"
mv $J.lock lock.saved
ln -s "$T/elsewhere/lock" $J.lock
run "$CUTOVER" run plan.yml --new --yes
expect_rc 2 "a link at the .lock file is refused"
expect_err "jf\.db\.lock is a symbolic link: refusing to follow it" "says which"
rm -f $J.lock
ln -s "$T/elsewhere/wal" $J-wal
run "$CUTOVER" run plan.yml --new --yes
expect_rc 2 "a link at the -wal file is refused"
[ -e elsewhere/wal ] || [ -e elsewhere/lock ] && fail "a link's target was created" ||
	ok "no link's target was created"

done_testing
