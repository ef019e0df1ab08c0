#!/bin/bash
# t0690-two-vps: the simulated two-VPS migration (tests/scenario/two-vps):
# three hosts in network namespaces, real MariaDB and Redis, a delaying
# relay on the private link, and five injected failures, each of which
# must fail exactly the checks that watch for it.  Skipped, with the
# reason, where `ip netns` does not work.
. "$(dirname "$0")/lib.sh"
scenario_suite "$ROOT/tests/scenario/two-vps/run.sh"
done_testing
