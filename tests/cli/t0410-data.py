#!/usr/bin/env python3
# t0410-data.py ENGINE VARIANT - the data set of t0410-diff-pairs.sh as SQL
# for one engine (postgres, mysql, sqlite).  VARIANT "base" is the source;
# "mut" is the same data with one injected difference per row (see MUT);
# the same rows are written in every dialect so that any pair of engines
# holds identical data in "base".
import sys

ENGINE, VARIANT = sys.argv[1], sys.argv[2]
MIN, MAX = -9223372036854775808, 9223372036854775807
MB = 1048576
NFC, NFD = "caf\u00e9", "cafe\u0301"

def row(i):
    return {
        "id": i, "i": (i % 1000) * 10, "n": "%d.125" % (i % 1000),
        "v": 1.23456789012345 + (i % 1000), "f": 0.5,
        "ts": "2024-01-02 03:04:%02d.123456" % (abs(i) % 60),
        "d": "2024-01-%02d" % (abs(i) % 28 + 1), "b": i % 2 == 0,
        "s": "text%d" % i, "s2": "x", "bl": bytes([0, 1, abs(i) % 256]),
        "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd3800%02d" % (abs(i) % 100),
    }

rows = {i: row(i) for i in [MIN] + list(range(1, 20)) + [MAX]}
rows[11]["s"] = "Alice"
rows[12]["s"] = NFC
rows[13]["s"] = "trail"
rows[14]["s"] = None
rows[15]["bl"] = b"\xab" * MB
rows[16]["s"], rows[17]["s"] = "one", "two"
rows[18]["s"], rows[18]["s2"] = "a|b", "c"

if VARIANT == "mut":
    del rows[1]                                    # missing id=1
    rows[1000] = row(1000)                         # extra id=1000
    rows[3]["i"] += 1
    rows[5]["n"] = "5.126"
    rows[6]["v"] = 1.23456789012346 + 6            # the 15th digit
    rows[7]["f"] = 0.75
    rows[8]["ts"] = "2024-01-02 03:04:08.123457"   # one microsecond
    rows[9]["d"] = "2024-01-11"
    rows[10]["b"] = not rows[10]["b"]
    rows[11]["s"] = "alice"                        # equal under _ci
    rows[12]["s"] = NFD
    rows[13]["s"] = "trail "                       # equal under PAD SPACE
    rows[14]["s"] = ""                             # NULL -> ''
    rows[15]["bl"] = b"\xab" * (MB - 1) + b"\x01"  # the last byte
    rows[16]["s"], rows[17]["s"] = "two", "one"    # swapped
    rows[18]["s"], rows[18]["s2"] = "a", "b|c"
    rows[19]["u"] = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380020"
    rows[MAX]["i"] += 1

TYPES = {
    "postgres": dict(id="bigint", i="integer", n="numeric(12,3)",
        v="double precision", f="real", ts="timestamp(6)", d="date",
        b="boolean", s="text", s2="text", bl="bytea", u="uuid",
        ckey="varchar(20)", text="text"),
    "mysql": dict(id="bigint", i="int", n="decimal(12,3)", v="double",
        f="float", ts="datetime(6)", d="date", b="tinyint(1)",
        s="longtext", s2="longtext", bl="longblob", u="char(36)",
        ckey="varchar(20)", text="longtext"),
    "sqlite": dict(id="INTEGER", i="INTEGER", n="NUMERIC(12,3)", v="REAL",
        f="REAL", ts="TIMESTAMP", d="DATE", b="BOOLEAN", s="TEXT",
        s2="TEXT", bl="BLOB", u="TEXT", ckey="VARCHAR(20)", text="TEXT"),
}[ENGINE]

def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return ("true" if v else "false") if ENGINE == "postgres" else \
            str(int(v))
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, bytes):
        if ENGINE == "postgres":
            return "'\\x%s'::bytea" % v.hex()
        return "X'%s'" % v.hex()
    v = v.replace("'", "''")
    if ENGINE == "mysql":
        v = v.replace("\\", "\\\\")
    return "'%s'" % v

out = []
w = out.append
if ENGINE == "mysql":
    w("SET NAMES utf8mb4;")
w("BEGIN;" if ENGINE != "mysql" else "START TRANSACTION;")
cols = ["id", "i", "n", "v", "f", "ts", "d", "b", "s", "s2", "bl", "u"]
w("CREATE TABLE t (%s, PRIMARY KEY (id));" % ", ".join(
    "%s %s" % (c, TYPES[c]) for c in cols))
for i in sorted(rows):
    w("INSERT INTO t VALUES (%s);" % ", ".join(lit(rows[i][c]) for c in cols))

# A table without any key: compared as a multiset.
w("CREATE TABLE k (a %s, b %s);" % (TYPES["s"], TYPES["i"]))
krows = [("x", 1), ("x", 1), ("y", 2)]
if VARIANT == "mut":
    krows = [("x", 1), ("y", 2)]                   # one duplicate fewer
for a, b in krows:
    w("INSERT INTO k VALUES (%s, %s);" % (lit(a), lit(b)))

# A composite text key whose order differs between default collations.
w("CREATE TABLE ck (a %s NOT NULL, b %s NOT NULL, val %s, "
  "PRIMARY KEY (a, b));" % (TYPES["ckey"], TYPES["i"], TYPES["text"]))
for a, b in [("B", 1), ("a", 1), ("a", 2), ("\u00e9", 1), ("z", 1),
             ("Z1", 1), ("_x", 1)]:
    val = "w" if VARIANT == "mut" and (a, b) == ("a", 2) else "v"
    w("INSERT INTO ck VALUES (%s, %s, %s);" % (lit(a), lit(b), lit(val)))

# 50000 rows: changes on both sides of the first chunk's edge (checksum
# mode cuts the key range in at least 128 chunks: 390 | 391), at bucket
# edges, in the middle and at the last key.
w("CREATE TABLE big (id %s NOT NULL PRIMARY KEY, val %s);" %
  (TYPES["id"], TYPES["i"]))
if ENGINE == "postgres":
    w("INSERT INTO big SELECT g, g FROM generate_series(1, 50000) g;")
elif ENGINE == "mysql":
    w("INSERT INTO big SELECT seq, seq FROM seq_1_to_50000;")
else:
    w("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g "
      "WHERE x < 50000) INSERT INTO big SELECT x, x FROM g;")
if VARIANT == "mut":
    w("UPDATE big SET val = -val WHERE id IN (78, 79, 390, 391, 20000, "
      "20001);")
    w("DELETE FROM big WHERE id = 50000;")
else:
    w("CREATE TABLE only_src (x %s);" % TYPES["i"])
w("COMMIT;")
sys.stdout.write("\n".join(out) + "\n")
