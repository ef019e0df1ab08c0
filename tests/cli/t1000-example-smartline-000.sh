. "$(dirname "$0")/lib.sh"
scenario_suite "$ROOT/examples/smartline-000/scenario.sh"
done_testing
