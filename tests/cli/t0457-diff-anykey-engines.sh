#!/bin/bash
# t0457: checksum mode with keys that are not one integer on MariaDB and
# SQLite (t0455 is PostgreSQL's): composite int+text, text with a
# case-insensitive collation ('a' and 'A', 'x' and 'x ' are different
# keys), uuid, and binary keys; per shape a missing, an extra and a
# changed row named, the same answer as stream mode, and identical data
# identical in checksum mode.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"
if [ -z "${MY_PORT:-}" ]; then
	echo "skipped: needs the MariaDB of tests/run-cli.sh"
	exit 0
fi
cleanup() {
	my_sql "DROP DATABASE IF EXISTS t0457_src; DROP DATABASE IF EXISTS t0457_dst" 2>/dev/null
	_cleanup
}
trap cleanup EXIT
my_sql "DROP DATABASE IF EXISTS t0457_src; DROP DATABASE IF EXISTS t0457_dst" 2>/dev/null
norm() { sed -E 's/ \((checksum|stream), key/ (MODE, key/; s/ \([0-9.]+[a-z]+[0-9a-z. ]*\)$/ (D)/'; }
# check DESC SRC DST: checksum mode on every table, and its answer is
# stream mode's
check() {
	local desc=$1; shift
	run "$CUTOVER" diff -q --max-diffs 100 --mode stream "$@"
	local st=$out
	run "$CUTOVER" diff -q --max-diffs 100 "$@"
	expect_rc 1 "$desc: differences"
	for t in tc tt tu tb; do
		expect_out "^$t: .*\(checksum, key " "$desc: $t in checksum mode"
	done
	expect_eq "$(printf '%s\n' "$out" | norm)" "$(printf '%s\n' "$st" | norm)" "$desc: checksum = stream"
}

# --- MariaDB -----------------------------------------------------------------
my_sql "CREATE DATABASE t0457_src; CREATE DATABASE t0457_dst;
  GRANT ALL ON t0457_src.* TO cutover; GRANT ALL ON t0457_dst.* TO cutover"
for db in t0457_src; do
	my_sql "SET SESSION max_recursive_iterations = 100000;
	  CREATE TABLE tc (a int, b varchar(40), v int, PRIMARY KEY (a, b));
	  INSERT INTO tc WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 3000)
	    SELECT i % 50, md5(i), i FROM g;
	  INSERT INTO tc VALUES (-2147483648, '', 0), (2147483647, 'z', 1);
	  CREATE TABLE tt (k varchar(40) COLLATE utf8mb4_general_ci PRIMARY KEY, v int);
	  INSERT INTO tt WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 3000)
	    SELECT md5(i), i FROM g;
	  INSERT INTO tt VALUES ('', 0), ('a', 1), ('x', 2), ('café', 3), ('zz', 4);
	  CREATE TABLE tu (u uuid PRIMARY KEY, v text);
	  INSERT INTO tu WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 3000)
	    SELECT uuid(), concat('v', i) FROM g;
	  INSERT INTO tu VALUES ('00000000-0000-0000-0000-000000000000', 'min'),
	    ('ffffffff-ffff-ffff-ffff-ffffffffffff', 'max');
	  CREATE TABLE tb (k varbinary(16) PRIMARY KEY, v int);
	  INSERT INTO tb WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 3000)
	    SELECT unhex(md5(i)), i FROM g;
	  INSERT INTO tb VALUES (0x00, 0), (0xff, 1), ('a', 2), ('A', 3);" "$db" || fail "my load $db"
done
for t in tc tt tu tb; do
	my_sql "CREATE TABLE t0457_dst.$t LIKE t0457_src.$t;
	  INSERT INTO t0457_dst.$t SELECT * FROM t0457_src.$t" || fail "my copy $t"
done
MS="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0457_src"
MD="mysql://cutover:cutover@127.0.0.1:$MY_PORT/t0457_dst"
run "$CUTOVER" diff -q "$MS" "$MD"
expect_rc 0 "mariadb identical"
for t in tc tt tu tb; do
	expect_out "^$t: .* identical \(checksum, key " "mariadb $t: checksum mode on identical data"
done
# In a case-insensitive collation 'a' = 'A' and 'x' = 'x ': the target
# holds the other spelling, which is another key.
my_sql "DELETE FROM tc WHERE a = -2147483648;
  UPDATE tc SET v = 99 WHERE a = 2147483647;
  INSERT INTO tc VALUES (7, 'extra', 1);
  UPDATE tt SET k = 'A' WHERE k = 'a';
  UPDATE tt SET k = 'x ' WHERE k = 'x';
  UPDATE tt SET v = 98 WHERE k = 'café';
  DELETE FROM tt WHERE k = '';
  DELETE FROM tu WHERE u = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
  UPDATE tu SET v = NULL WHERE u = '00000000-0000-0000-0000-000000000000';
  INSERT INTO tu VALUES ('00000000-0000-0000-0000-000000000001', 'new');
  DELETE FROM tb WHERE k = 0x00;
  UPDATE tb SET v = 97 WHERE k = 'A';
  INSERT INTO tb VALUES (0x0000, 5);" t0457_dst
check "mariadb" "$MS" "$MD"
expect_out '^tc: .*1 missing in target, 1 extra in target, 1 changed' "mariadb tc counts"
expect_out '^  missing  \(a=-2147483648, b=.?.?\)' "mariadb tc: missing named"
expect_out "^  extra    \(a=7, b='extra'\)" "mariadb tc: extra named"
expect_out '^tt: .*3 missing in target, 2 extra in target, 1 changed' "mariadb tt: 'a'/'A' and 'x'/'x ' are different keys"
expect_out "^  extra    k='A'" "mariadb tt: 'A' extra"
expect_out "^  missing  k='a'" "mariadb tt: 'a' missing"
expect_out "^  extra    k='x '" "mariadb tt: 'x ' extra"
expect_out "^  changed  k='café': v" "mariadb tt: changed named"
expect_out '^tu: .*1 missing in target, 1 extra in target, 1 changed' "mariadb tu counts"
expect_out '^tb: .*1 missing in target, 1 extra in target, 1 changed' "mariadb tb counts"

# --- SQLite ------------------------------------------------------------------
python3 - "$T/a.db" "$T/b.db" <<'PY'
import sqlite3, sys, hashlib, uuid
for i, path in enumerate(sys.argv[1:]):
    c = sqlite3.connect(path)
    c.executescript("""
      CREATE TABLE tc (a INTEGER, b TEXT, v INTEGER, PRIMARY KEY (a, b));
      CREATE TABLE tt (k TEXT COLLATE NOCASE PRIMARY KEY, v INTEGER);
      CREATE TABLE tu (u UUID PRIMARY KEY, v TEXT);
      CREATE TABLE tb (k BLOB PRIMARY KEY, v INTEGER);""")
    md5 = lambda g: hashlib.md5(str(g).encode()).hexdigest()
    c.executemany("INSERT INTO tc VALUES (?, ?, ?)", ((g % 50, md5(g), g) for g in range(1, 3001)))
    c.executemany("INSERT INTO tc VALUES (?, ?, ?)", [(-2**63, '', 0), (2**63 - 1, 'z', 1)])
    c.executemany("INSERT INTO tt VALUES (?, ?)", ((md5(g), g) for g in range(1, 3001)))
    c.executemany("INSERT INTO tt VALUES (?, ?)", [('', 0), ('a', 1), ('x', 2), ('café', 3)])
    c.executemany("INSERT INTO tu VALUES (?, ?)", ((str(uuid.UUID(md5(g))), 'v%d' % g) for g in range(1, 3001)))
    c.executemany("INSERT INTO tb VALUES (?, ?)", ((bytes.fromhex(md5(g)), g) for g in range(1, 3001)))
    c.executemany("INSERT INTO tb VALUES (?, ?)", [(b'\x00', 0), (b'\xff', 1), (b'a', 2), (b'A', 3)])
    if i:
        c.executescript("""
          DELETE FROM tc WHERE a = -9223372036854775808;
          UPDATE tc SET v = 99 WHERE a = 9223372036854775807;
          INSERT INTO tc VALUES (7, 'extra', 1);
          UPDATE tt SET k = 'A' WHERE k = 'a';
          UPDATE tt SET v = 98 WHERE k = 'café';
          DELETE FROM tt WHERE k = '';
          DELETE FROM tu WHERE v = 'v17';
          UPDATE tu SET v = NULL WHERE v = 'v18';
          INSERT INTO tu VALUES ('00000000-0000-0000-0000-000000000001', 'new');
          DELETE FROM tb WHERE k = x'00';
          UPDATE tb SET v = 97 WHERE k = x'41';
          INSERT INTO tb VALUES (x'0000', 5);""")
    c.commit()
PY
run "$CUTOVER" diff -q "sqlite:$T/a.db" "sqlite:$T/a.db"
for t in tc tt tu tb; do
	expect_out "^$t: .* identical \(checksum, key " "sqlite $t: checksum mode on identical data"
done
check "sqlite" "sqlite:$T/a.db" "sqlite:$T/b.db"
expect_out '^tc: .*1 missing in target, 1 extra in target, 1 changed' "sqlite tc counts"
expect_out '^tt: .*2 missing in target, 1 extra in target, 1 changed' "sqlite tt: 'a'/'A' different keys under NOCASE"
expect_out "^  extra    k='A'" "sqlite tt: 'A' extra"
expect_out '^tu: .*1 missing in target, 1 extra in target, 1 changed' "sqlite tu counts"
expect_out '^tb: .*1 missing in target, 1 extra in target, 1 changed' "sqlite tb counts"
done_testing
