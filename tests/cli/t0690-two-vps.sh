#!/bin/bash
# t0690-two-vps: the simulated two-VPS migration (tests/scenario/two-vps):
# three hosts in network namespaces, real MariaDB and Redis, a delaying
# relay on the private link, and five injected failures, each of which
# must fail exactly the checks that watch for it.  Skipped, with the
# reason, where `ip netns` does not work.
. "$(dirname "$0")/lib.sh"

CUTOVER=$CUTOVER bash "$ROOT/tests/scenario/two-vps/run.sh" >"$T/scenario.log" 2>&1
rc=$?
cat "$T/scenario.log"
if grep -q '^skipped:' "$T/scenario.log"; then
	echo "# $_name: $(grep '^skipped:' "$T/scenario.log")"
	exit 0
fi
# Its own lines are the assertions; count them as ours.
_passes=$(grep -c '^ok - ' "$T/scenario.log")
_fails=$(grep -c '^not ok - ' "$T/scenario.log")
if [ "$rc" -ne 0 ] && [ "$_fails" -eq 0 ]; then
	fail "scenario exited $rc without a failing assertion"
fi
if grep -q '^# two-vps: ' "$T/scenario.log"; then ok "scenario ran to the end"
else fail "scenario did not finish"; fi
# The scenario names its namespaces; none may survive it.
names=$(sed -n 's/^# namespaces: //p' "$T/scenario.log")
left=""
for n in $names; do
	[ -e "/run/netns/$n" ] && left="$left $n"
done
if [ -n "$names" ] && [ -z "$left" ]; then ok "namespaces removed ($names)"
else fail "namespaces left behind:${left:- (none named)}"; fi
done_testing
