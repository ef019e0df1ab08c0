. "$(dirname "$0")/lib.sh"
scenario_suite "$ROOT/examples/docker-002/scenario.sh"
done_testing
