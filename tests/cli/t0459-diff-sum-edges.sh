#!/bin/bash
# t0459: checksum mode's row hashes, one fault per table, so that only the
# hash can see it (a chunk whose sums agree is never read row by row):
# two values swapped between rows (a linear hash's sum cancels it), a
# separator moved between two text columns, NULL <-> '' <-> 'N', NULL
# moved between two integer, BIT or UUID columns (BIT prints as bytes,
# which may be the separator), a whole row's values swapped with the next
# row's, two columns' values swapped in one row, and a row longer than
# max_allowed_packet (its printed form is NULL: the old MD5 sum skipped
# it and called a changed row identical).  DOUBLE and FLOAT, hashed as
# their bytes: the last bit of a double and of a float, NULL moved
# between two double columns (NULL's 3 bytes against a value's 14), NULL
# <-> 0, a swap between rows, 0.1 -> 0.2 next to a utf8mb4 column (the
# double's bytes were converted to utf8mb4, both became '?'s).  With an integer key (the chunk walk) and a
# text key (hash buckets).  Identical data first: exit 0.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
own=""
cleanup_dbs() {
	[ -n "${MY_SOCK:-}" ] && mariadb --no-defaults -S "$MY_SOCK" -uroot -e \
	    "DROP DATABASE IF EXISTS t0459_src; DROP DATABASE IF EXISTS t0459_dst" 2>/dev/null
}
trap 'cleanup_dbs; [ -n "$own" ] && stop_all; _cleanup' EXIT
# The runner's server when it started one, else our own.
if [ -z "${MY_PORT:-}" ]; then
	own=1
	start_mariadb || { echo "skipped: MariaDB does not start"; exit 0; }
fi
MYSQL="mariadb --no-defaults -S $MY_SOCK -uroot"
cleanup_dbs
$MYSQL -e "CREATE DATABASE t0459_src CHARACTER SET utf8mb4; CREATE DATABASE t0459_dst CHARACTER SET utf8mb4;
GRANT ALL ON t0459_src.* TO 'cutover'@'%'; GRANT ALL ON t0459_dst.* TO 'cutover'@'%'" ||
	{ fail "create the databases"; done_testing; }
$MYSQL t0459_src <<'SQL' || fail "load"
CREATE TABLE t_swap (id bigint PRIMARY KEY, a varchar(64));
INSERT INTO t_swap SELECT seq, MD5(seq) FROM seq_1_to_300;
CREATE TABLE t_sep (id bigint PRIMARY KEY, a text, b text);
INSERT INTO t_sep SELECT seq, CONCAT(seq, ',x'), 'y' FROM seq_1_to_300;
UPDATE t_sep SET a = 'a,b', b = 'c' WHERE id = 7;
CREATE TABLE t_nulltext (id bigint PRIMARY KEY, a text, b text);
INSERT INTO t_nulltext SELECT seq, '', NULL FROM seq_1_to_300;
UPDATE t_nulltext SET a = 'N', b = NULL WHERE id = 9;
CREATE TABLE t_nullint (id bigint PRIMARY KEY, a int, b int);
INSERT INTO t_nullint SELECT seq, seq, seq FROM seq_1_to_300;
UPDATE t_nullint SET a = NULL, b = 1 WHERE id = 11;
CREATE TABLE t_bit (id bigint PRIMARY KEY, a bit(8), b bit(8));
INSERT INTO t_bit SELECT seq, seq % 256, seq % 256 FROM seq_1_to_300;
UPDATE t_bit SET a = NULL, b = 44 WHERE id = 13;
CREATE TABLE t_uuid (id bigint PRIMARY KEY, a uuid, b uuid);
INSERT INTO t_uuid SELECT seq, UUID(), UUID() FROM seq_1_to_300;
UPDATE t_uuid SET a = NULL, b = '00000000-0000-4000-8000-000000000001' WHERE id = 15;
CREATE TABLE t_rowswap (id bigint PRIMARY KEY, a int, b varchar(40), c double);
INSERT INTO t_rowswap SELECT seq, seq * 3, MD5(seq), seq / 7 FROM seq_1_to_300;
CREATE TABLE t_colswap (id bigint PRIMARY KEY, a varchar(20), b varchar(20));
INSERT INTO t_colswap SELECT seq, LEFT(MD5(seq), 8), LEFT(MD5(-seq), 8) FROM seq_1_to_300;
CREATE TABLE t_big (id bigint PRIMARY KEY, a longtext, b longtext);
INSERT INTO t_big VALUES (1, REPEAT('x', 9000000), REPEAT('y', 9000000)), (2, 'a', 'b');
CREATE TABLE t_tkey (k varchar(40) PRIMARY KEY, a varchar(64));
INSERT INTO t_tkey SELECT MD5(seq), MD5(-seq) FROM seq_1_to_300;
CREATE TABLE t_dbit (id bigint PRIMARY KEY, a double, b float);
INSERT INTO t_dbit SELECT seq, seq / 7, seq / 3 FROM seq_1_to_300;
UPDATE t_dbit SET a = 0.1, b = 1 WHERE id IN (23, 24);
CREATE TABLE t_dnull (id bigint PRIMARY KEY, a double, b double, c float);
INSERT INTO t_dnull SELECT seq, seq / 7, seq / 7, seq FROM seq_1_to_300;
UPDATE t_dnull SET a = NULL, b = 0.5 WHERE id = 25;
CREATE TABLE t_dswap (id bigint PRIMARY KEY, a double);
INSERT INTO t_dswap SELECT seq, seq / 7 FROM seq_1_to_300;
CREATE TABLE t_dtext (id bigint PRIMARY KEY, t varchar(20), a double, b float);
INSERT INTO t_dtext SELECT seq, 'x', seq / 7, seq / 3 FROM seq_1_to_300;
UPDATE t_dtext SET a = 0.1, b = 0.1 WHERE id IN (30, 31);
SQL
for t in t_swap t_sep t_nulltext t_nullint t_bit t_uuid t_rowswap t_colswap t_big t_tkey t_dbit t_dnull t_dswap t_dtext; do
	$MYSQL -e "CREATE TABLE t0459_dst.$t LIKE t0459_src.$t; INSERT INTO t0459_dst.$t SELECT * FROM t0459_src.$t" ||
		fail "copy $t"
done
# The hash reads the row string back from a user variable, set in the
# same expression: MariaDB must evaluate it row by row, left to right,
# also in a prepared, grouped statement (the chunk walk's), or the
# product would not be the one designed.  The same sums as building the
# string twice:
E="CONCAT_WS(',', IFNULL(id, ''), IFNULL(LENGTH(a), 'N'), a)"
viavar=$($MYSQL -N -B t0459_src -e "PREPARE p FROM 'SELECT id DIV 50, COUNT(*), SUM(CRC32C(@cutover_h := $(printf '%s' "$E" | sed "s/'/''/g")) * CRC32(@cutover_h)) FROM t_swap WHERE id BETWEEN ? AND ? GROUP BY 1 ORDER BY 1'; SET @a = 1, @b = 300; EXECUTE p USING @a, @b; EXECUTE p USING @a, @b")
twice=$($MYSQL -N -B t0459_src -e "SELECT id DIV 50, COUNT(*), SUM(CRC32C($E) * CRC32($E)) FROM t_swap GROUP BY 1 ORDER BY 1")
expect_eq "$viavar" "$(printf '%s\n%s' "$twice" "$twice")" "the user variable holds each row's string when it is read"
S="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0459_src"
D="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0459_dst"

run "$CUTOVER" diff --mode checksum "$S" "$D"
expect_rc 0 "identical data"
expect_out "^14 tables: 14 identical" "every table identical"

$MYSQL t0459_dst <<'SQL' || fail "mutate"
UPDATE t_swap x JOIN t_swap y ON x.id = 150 AND y.id = 151 SET x.a = y.a, y.a = x.a;
UPDATE t_sep SET a = 'a', b = 'b,c' WHERE id = 7;
UPDATE t_nulltext SET a = NULL, b = 'N' WHERE id = 9;
UPDATE t_nullint SET a = 1, b = NULL WHERE id = 11;
UPDATE t_bit SET a = 44, b = NULL WHERE id = 13;
UPDATE t_uuid SET a = '00000000-0000-4000-8000-000000000001', b = NULL WHERE id = 15;
UPDATE t_rowswap x JOIN t_rowswap y ON x.id = 20 AND y.id = 21
  SET x.a = y.a, x.b = y.b, x.c = y.c, y.a = x.a, y.b = x.b, y.c = x.c;
SET sql_mode = CONCAT(@@sql_mode, ",SIMULTANEOUS_ASSIGNMENT");
UPDATE t_colswap SET a = b, b = a WHERE id = 17;
UPDATE t_big SET a = CONCAT('z', SUBSTR(a, 2)) WHERE id = 1;
UPDATE t_tkey x JOIN t_tkey y ON x.k = MD5(100) AND y.k = MD5(101) SET x.a = y.a, y.a = x.a;
UPDATE t_dbit SET a = 0.10000000000000002 WHERE id = 23;
UPDATE t_dbit SET b = 1.0000001 WHERE id = 24;
UPDATE t_dnull SET a = 0.5, b = NULL WHERE id = 25;
UPDATE t_dnull SET c = 0 WHERE id = 26;
UPDATE t_dnull SET c = NULL WHERE id = 27;
UPDATE t_dswap x JOIN t_dswap y ON x.id = 28 AND y.id = 29 SET x.a = y.a, y.a = x.a;
UPDATE t_dtext SET a = 0.2 WHERE id = 30;
UPDATE t_dtext SET b = 0.2 WHERE id = 31;
SQL
# The CRC pair is what runs (not MD5, kept for servers without CRC32C):
# the statements as the server's general log saw them.
$MYSQL -e "SET GLOBAL log_output = 'TABLE'; TRUNCATE mysql.general_log; SET GLOBAL general_log = 1"
run "$CUTOVER" diff --mode checksum --max-diffs 100 "$S" "$D"
$MYSQL -e "SET GLOBAL general_log = 0"
crc=$($MYSQL -N -B -e "SELECT COUNT(*) FROM mysql.general_log WHERE argument LIKE '%CRC32C(@cutover_h := CONCAT_WS%'")
raw=$($MYSQL -N -B -e "SELECT COUNT(*) FROM mysql.general_log WHERE argument LIKE '%COLUMN_CREATE(1, %) * CRC32(@cutover_h)%t_dbit%'")
$MYSQL -e "TRUNCATE mysql.general_log; SET GLOBAL log_output = 'FILE'"
[ "${crc:-0}" -gt 0 ] && ok "the CRC pair hashes the rows" || fail "no CRC32C row hash in the general log"
[ "${raw:-0}" -gt 0 ] && ok "doubles and floats hashed as their bytes" || fail "no COLUMN_CREATE of the double columns in the general log"
expect_rc 1 "one fault per table: differences"
# lines TABLE: the difference lines under TABLE's header, sorted
lines() {
	printf '%s\n' "$out" | awk -v t="$1:" '/^[^ ]/ { on = ($1 == t); next }
	    on && /^  / { print }' | sort
}
expect_eq "$(lines t_swap)" "$(printf '  changed  id=150: a\n  changed  id=151: a')" "a swap between rows"
expect_eq "$(lines t_sep)" "  changed  id=7: a, b" "a separator moved between columns"
expect_eq "$(lines t_nulltext)" "  changed  id=9: a, b" "NULL and 'N' moved between text columns"
expect_eq "$(lines t_nullint)" "  changed  id=11: a, b" "NULL moved between integer columns"
expect_eq "$(lines t_bit)" "  changed  id=13: a, b" "NULL moved between BIT columns (a byte that is the separator)"
expect_eq "$(lines t_uuid)" "  changed  id=15: a, b" "NULL moved between UUID columns"
expect_eq "$(lines t_rowswap)" "$(printf '  changed  id=20: a, b, c\n  changed  id=21: a, b, c')" "two rows' values swapped"
expect_eq "$(lines t_colswap)" "  changed  id=17: a, b" "two columns swapped in a row"
expect_eq "$(lines t_big)" "  changed  id=1: a" "a row longer than max_allowed_packet"
expect_eq "$(lines t_tkey)" "$(printf "  changed  k='%s': a\n  changed  k='%s': a" "$(printf 100 | md5sum | cut -c1-32)" "$(printf 101 | md5sum | cut -c1-32)" | sort)" "a swap between rows, text key"
expect_eq "$(lines t_dbit)" "$(printf '  changed  id=23: a\n  changed  id=24: b')" "the last bit of a double, of a float"
expect_eq "$(lines t_dnull)" "$(printf '  changed  id=25: a, b\n  changed  id=26: c\n  changed  id=27: c')" "NULL moved between double columns, NULL <-> 0"
expect_eq "$(lines t_dswap)" "$(printf '  changed  id=28: a\n  changed  id=29: a')" "a swap of doubles between rows"
expect_eq "$(lines t_dtext)" "$(printf '  changed  id=30: a\n  changed  id=31: b')" "0.1 -> 0.2 in a double and a float next to a utf8mb4 column"
done_testing
