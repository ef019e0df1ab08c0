#!/bin/bash
# t0455: checksum mode with keys that are not one integer (PostgreSQL):
# text, uuid and composite keys, bucketed by a hash of the key.  Keys at
# the edges of byte order ('' and the largest), keys that differ only by
# case, a trailing space or Unicode normalization, a missing, an extra
# and a changed row; the answer must equal stream mode's, and identical
# data must be identical in checksum mode.
. "$(dirname "$0")/lib.sh"
use_pg
PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT -U postgres"
cleanup_dbs() {
	$PSQL -c "DROP DATABASE IF EXISTS t0455_src" -c "DROP DATABASE IF EXISTS t0455_dst" >/dev/null 2>&1
}
cleanup_dbs
$PSQL -c "CREATE DATABASE t0455_src" >/dev/null
$PSQL -d t0455_src >/dev/null <<'SQL' || fail "load"
CREATE TABLE tk (k text PRIMARY KEY, v int);
INSERT INTO tk SELECT md5(g::text), g FROM generate_series(1, 5000) g;
INSERT INTO tk VALUES ('', 0), ('a', 1), ('A', 2), ('a ', 3), ('café', 4),
  (normalize('café', NFD), 5), (E'\U0010FFFF', 6), ('zzzz', 7);
CREATE TABLE tu (u uuid PRIMARY KEY, v text);
INSERT INTO tu SELECT md5(g::text)::uuid, 'v' || g FROM generate_series(1, 5000) g;
INSERT INTO tu VALUES ('00000000-0000-0000-0000-000000000000', 'min'),
  ('ffffffff-ffff-ffff-ffff-ffffffffffff', 'max');
CREATE TABLE tc (a int, b text, v numeric, PRIMARY KEY (a, b));
INSERT INTO tc SELECT g % 100, md5(g::text), g / 3.0 FROM generate_series(1, 5000) g;
INSERT INTO tc VALUES (-2147483648, '', 0), (2147483647, 'z', 1);
SQL
$PSQL -c "CREATE DATABASE t0455_dst TEMPLATE t0455_src" >/dev/null
S="postgres://postgres@127.0.0.1:$PG_PORT/t0455_src"
D="postgres://postgres@127.0.0.1:$PG_PORT/t0455_dst"

run "$CUTOVER" diff -q "$S" "$D"
expect_rc 0 "identical"
for t in tk tu tc; do
	expect_out "^$t: .* identical \(checksum, key " "$t: checksum mode on identical data"
done
$PSQL -d t0455_dst >/dev/null <<'SQL' || fail "mutate"
DELETE FROM tk WHERE k = '';
UPDATE tk SET v = 99 WHERE k = 'a ';
UPDATE tk SET v = 98 WHERE k = normalize('café', NFD);
INSERT INTO tk VALUES ('b', 0);
UPDATE tk SET v = -1 WHERE k = E'\U0010FFFF';
DELETE FROM tu WHERE u = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
UPDATE tu SET v = NULL WHERE u = '00000000-0000-0000-0000-000000000000';
INSERT INTO tu VALUES ('00000000-0000-0000-0000-000000000001', 'new');
UPDATE tc SET v = v + 0.001 WHERE a = 2147483647;
DELETE FROM tc WHERE a = -2147483648;
INSERT INTO tc VALUES (5, 'extra', 1);
SQL
run "$CUTOVER" diff -q --max-diffs 100 "$S" "$D"
expect_rc 1 "differences"
sum=$out
for t in tk tu tc; do
	expect_out "^$t: .*\(checksum, key " "$t: still checksum mode"
done
run "$CUTOVER" diff -q --max-diffs 100 --mode stream "$S" "$D"
strip() { printf '%s\n' "$1" | sed -E 's/ \((checksum|stream), [^)]*\)$//' | grep -v '^3 tables'; }
expect_eq "$(strip "$sum")" "$(strip "$out")" "checksum and stream name the same rows"
expect_eq "$(printf '%s\n' "$sum" | grep -c '^  ')" 11 "11 differences named"
printf '%s\n' "$sum" | grep -q "^  missing  k=''" && ok "the empty key" || fail "the empty key" "$sum"
printf '%s\n' "$sum" | grep -q "^  changed  k='a ': v" && ok "a key with a trailing space" || fail "a key with a trailing space" "$sum"
printf '%s\n' "$sum" | grep -q "^  changed  (a=2147483647, b='z'): v" && ok "a composite key at the end of the range" || fail "composite key" "$sum"

cleanup_dbs
done_testing
