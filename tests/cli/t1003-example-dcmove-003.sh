. "$(dirname "$0")/lib.sh"
scenario_suite "$ROOT/examples/dcmove-003/scenario.sh"
done_testing
