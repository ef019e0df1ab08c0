#!/bin/bash
# t0451: t0450's repair round trips on the engine pairs with SQLite on
# one side (split off so that each suite stays under a minute).
PAIRS="lite:pg pg:lite my:lite lite:my"
. "$(dirname "$0")/t0450-diff-repair.sh"
