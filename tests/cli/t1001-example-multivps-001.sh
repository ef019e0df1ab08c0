. "$(dirname "$0")/lib.sh"
scenario_suite "$ROOT/examples/multivps-001/scenario.sh"
done_testing
