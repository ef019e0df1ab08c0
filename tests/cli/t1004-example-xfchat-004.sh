. "$(dirname "$0")/lib.sh"
scenario_suite "$ROOT/examples/xfchat-004/scenario.sh"
done_testing
