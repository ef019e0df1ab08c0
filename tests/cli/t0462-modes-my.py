#!/usr/bin/env python3
# t0462-modes-my.py SOCK PORT CUTOVER SEED ROUNDS - checksum mode against
# stream mode on random MariaDB tables (t0462-diff-my-modes.sh), as
# t0461-modes.py does for PostgreSQL.  Each round makes one table in two
# databases: one to five columns of the types below with their awkward
# values (UNSIGNED extremes, -0, 1e308, subnormals, zero dates, negative
# and 838-hour TIME, case, trailing space, 'ß'/'ss' and NFC/NFD under the
# default case-insensitive collation and under _bin, BINARY padding, JSON
# spacing), 200 or 3,000 rows with keys dense or spread out (the chunk walk
# splits), a key of one integer, a VARCHAR (hash buckets, case-insensitive
# or _bin) or two columns; then up to six faults in the target (a value,
# NULL, a deleted row, two rows' values swapped, a new row, a change of
# case or a trailing space in text, the text key's case).  The two modes
# must name the same rows and neither may fail.  Prints what disagreed,
# then "seed S: N rounds, M mismatches".
import random
import subprocess
import sys

from modes import Modes

SOCK = sys.argv[1]
PORT = int(sys.argv[2])
CUT = sys.argv[3]
SEED = int(sys.argv[4])
ROUNDS = int(sys.argv[5])
rnd = random.Random(SEED)
VERBOSE = len(sys.argv) > 6
DBA, DBB = 't0462_a', 't0462_b'
if len(sys.argv) > 7:
    DBA, DBB = sys.argv[7] + '_a', sys.argv[7] + '_b'

def my(db, sql):
    r = subprocess.run(['mariadb', '--no-defaults', '-S', SOCK, '-uroot', '-N', '-B', '--default-character-set=utf8mb4'] + ([db] if db else []),
                       input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr + '\n' + sql[:2000])
    return r.stdout

TEXTS = ["''", "'a'", "'A'", "'a '", "'a  '", "'ß'", "'ss'", "'é'", "'e\u0301'", "'É'", "'a,b'", "'N'", "'\\\\N'", "'null'", "'x\\ny'"]
TYPES = {
 'int': ('int', lambda: str(rnd.choice([0, 1, -1, 2**31-1, -2**31, rnd.randint(-1000, 1000)]))),
 'intu': ('int unsigned', lambda: str(rnd.choice([0, 1, 2**32-1, 2**31, rnd.randint(0, 1000)]))),
 'bigint': ('bigint', lambda: str(rnd.choice([0, -1, 2**32, -2**63, 2**63-1, rnd.randint(-10**12, 10**12)]))),
 'bigintu': ('bigint unsigned', lambda: str(rnd.choice([0, 2**63, 2**63-1, 2**64-1, 2**64-2, rnd.randint(0, 10**12)]))),
 'small': ('smallint unsigned', lambda: str(rnd.choice([0, 65535, 1]))),
 'tinyint1': ('tinyint(1)', lambda: str(rnd.choice([0, 1, 2, -1, 127]))),
 'dec': ('decimal(30,10)', lambda: rnd.choice(['0', '1', '1.5', '1.50', '-0.0000000001', '0.0000000001', '99999999999999999999.9999999999',
                                                 '-99999999999999999999.9999999999', '-0', str(round(rnd.random(), 6))])),
 'double': ('double', lambda: rnd.choice(['0', '-0e0', '1e308', '-1e308', '1.7976931348623157e308', '2.2250738585072014e-308', '4.9e-324',
                                          '0.1', '0.2', '0.4', '0.30000000000000004', '1', repr(rnd.random())])),
 # Doubles whose 8 bytes are no valid UTF-8 (a text column's charset must
 # never touch them): 0.1 9A99999999 99B93F, 0.2 ..C93F, -1e308 A0C8..E1FF.
 'double8': ('double', lambda: rnd.choice(['0.1', '0.2', '0.4', '0.8', '-1e308', '-1e307'])),
 'float': ('float', lambda: rnd.choice(['0', '-0e0', '3.4e38', '-3.4e38', '1.17549435e-38', '1.4e-45', '0.1', '0.2', '1', repr(rnd.random())])),
 'textci': ('varchar(1200)', lambda: rnd.choice(TEXTS + ["'" + 'x' * rnd.randint(0, 1000) + "'"])),
 'textbin': ('varchar(50) COLLATE utf8mb4_bin', lambda: rnd.choice(TEXTS)),
 'longtext': ('text', lambda: rnd.choice(TEXTS)),
 'latin1': ('varchar(20) CHARACTER SET latin1', lambda: rnd.choice(["'a'", "'A'", "'a '", "'é'", "'e'", "''"])),
 'char': ('char(5)', lambda: rnd.choice(["'a'", "'a  '", "''", "'ab'", "'A'", "'ß'"])),
 'charbin': ('char(5) COLLATE utf8mb4_bin', lambda: rnd.choice(["'a'", "'a  '", "''", "'A'"])),
 'blob': ('blob', lambda: rnd.choice(["X''", "X'00'", "X'0000'", "X'41'", "X'61'", "X'ff00'", "X'2c'"])),
 'varbinary': ('varbinary(10)', lambda: rnd.choice(["X''", "X'00'", "X'0000'", "X'20'", "X'41'", "X'ff'"])),
 'binary': ('binary(4)', lambda: rnd.choice(["X''", "X'00'", "X'01'", "X'0100'", "X'00000001'"])),
 'date': ('date', lambda: rnd.choice(["'2024-01-01'", "'1000-01-01'", "'9999-12-31'", "'0000-00-00'", "'2024-00-00'", "'0001-01-01'"])),
 'datetime': ('datetime(6)', lambda: rnd.choice(["'2024-01-01 00:00:00'", "'2024-01-01 00:00:00.000001'", "'9999-12-31 23:59:59.999999'",
                                                 "'1000-01-01 00:00:00'", "'0000-00-00 00:00:00'", "'2024-01-01 12:00:00.5'"])),
 'datetime0': ('datetime', lambda: rnd.choice(["'2024-01-01 00:00:00'", "'2024-01-01 00:00:01'", "'0000-00-00 00:00:00'"])),
 'ts': ('timestamp(6) NULL', lambda: rnd.choice(["'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999999'", "'2024-01-01 00:00:00'",
                                                 "'2024-01-01 00:00:00.000001'", "'0000-00-00 00:00:00'"])),
 'time': ('time(6)', lambda: rnd.choice(["'-838:59:59'", "'838:59:59'", "'00:00:00'", "'-00:00:00.000001'", "'00:00:00.000001'", "'24:00:00'",
                                         "'-00:00:01'", "'12:00:00.5'", "'-838:59:59.999999'", "'100:00:00'"])),
 'time0': ('time', lambda: rnd.choice(["'-838:59:59'", "'838:59:59'", "'00:00:00'", "'-00:00:01'", "'-01:00:00'"])),
 'year': ('year', lambda: rnd.choice(['1901', '2155', '0', '2024', '2000', '1999'])),
 'enum': ("enum('sad','ok','happy','')", lambda: rnd.choice(["'sad'", "'ok'", "'happy'", "''", "'OK'"])),
 'enumbin': ("enum('a','A','b') COLLATE utf8mb4_bin", lambda: rnd.choice(["'a'", "'A'", "'b'"])),
 'set': ("set('a','b','c')", lambda: rnd.choice(["''", "'a'", "'a,b'", "'b,a'", "'c'", "'a,b,c'"])),
 'bit': ('bit(8)', lambda: rnd.choice(["b'0'", "b'1'", "b'10000000'", "b'11111111'", "b'00101100'"])),
 'bit64': ('bit(64)', lambda: rnd.choice(["b'0'", "b'1'", "0x8000000000000000", "0xffffffffffffffff"])),
 'bit1': ('bit(1)', lambda: rnd.choice(["b'0'", "b'1'"])),
 'json': ('json', lambda: rnd.choice(["'{}'", "'{\"a\":1}'", "'{\"a\": 1}'", "'{\"a\":1.0}'", "'[1,2]'", "'[[1],2]'", "'\"x\"'", "'null'",
                                      "'{\"b\":1,\"a\":2}'", "'{\"a\":2,\"b\":1}'", "'{\"a\":\"\\\\u00e9\"}'", "'{\"a\":\"é\"}'", "'{\"a\":\"A\"}'", "'1e2'", "'100'"])),
 'uuid': ('uuid', lambda: rnd.choice(["'00000000-0000-0000-0000-000000000000'", "'00000000-0000-0000-0000-000000000001'",
                                      "'%s'" % '-'.join([(h := '%032x' % rnd.getrandbits(128))[:8], h[8:12], '4' + h[13:16], '8' + h[17:20], h[20:]])])),
 'inet6': ('inet6', lambda: rnd.choice(["'::'", "'::1'", "'::ffff:10.0.0.1'", "'::ffff:a00:1'", "'fe80::1'", "'::10.0.0.1'"])),
}
TEXTY = {'textci', 'textbin', 'longtext', 'latin1', 'char', 'charbin'}

for db in (DBA, DBB):
    my(None, f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db} CHARACTER SET utf8mb4; GRANT ALL ON {db}.* TO 'cutover'@'%'")
bad = 0
obad = 0
for rd in range(ROUNDS):
    names = rnd.sample(sorted(TYPES), rnd.randint(1, 5))
    n = rnd.choice([200, 3000])
    step = rnd.choice([1, 1, 100, 9973 ** 2])
    # The integer key's type and where its range lies: at 0, at the
    # lowest BIGINT, at the top of BIGINT UNSIGNED, or across the whole
    # range (the walk's spans and the buckets' DIV at their extremes).
    ktype, base = rnd.choice([('bigint', 0), ('bigint', 0), ('int', -2**31), ('bigint', -2**63), ('bigint unsigned', 2**64 - 1 - n * step),
                              ('bigint unsigned', 2**63 - n // 2 * step), ('bigint', -2**63 + 1), ('bigint unsigned', 0)])
    if rnd.random() < 0.15 and ktype.startswith('bigint'):
        lo, hi = (0, 2**64 - 1) if 'unsigned' in ktype else (-2**63, 2**63 - 1)
        step = (hi - lo) // n
        base = lo
    if ktype == 'int':
        step = min(step, 100)
    t = f't{rd}'
    cols = ', '.join(f'c{i} {TYPES[k][0]}' for i, k in enumerate(names))
    tkcoll = rnd.choice(['', ' COLLATE utf8mb4_bin'])
    key = rnd.choice(['id', 'id', 'tk', 'tk', 'id, tk', 'tk, id'])
    clist = ', '.join(f'c{i}' for i in range(len(names)))
    rows = []
    for r_ in range(n):
        vals = [TYPES[k][1]() if rnd.random() > 0.1 else 'NULL' for k in names]
        rid = base + r_ * step
        rows.append(f"({rid}, 'k{rid}', {', '.join(vals)})")
    ins = (f"SET sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'; CREATE TABLE {t} (id {ktype} NOT NULL, tk varchar(40){tkcoll} NOT NULL, {cols}, PRIMARY KEY ({key})); "
           f"INSERT INTO {t} (id, tk, {clist}) VALUES " + ', '.join(rows) + ';')
    my(DBA, ins); my(DBB, ins)
    muts = []
    for _ in range(rnd.randint(0, 6)):
        i = rnd.randrange(len(names)); k = names[i]
        rid = base + rnd.randrange(n) * step
        kind = rnd.random()
        if kind < 0.45:
            muts.append(f"UPDATE {t} SET c{i} = {TYPES[k][1]()} WHERE id = {rid};")
        elif kind < 0.55:
            muts.append(f"UPDATE {t} SET c{i} = NULL WHERE id = {rid};")
        elif kind < 0.63:
            muts.append(f"DELETE FROM {t} WHERE id = {rid};")
        elif kind < 0.73:
            rid2 = base + rnd.randrange(n) * step
            muts.append(f"CREATE TEMPORARY TABLE s AS SELECT id, c{i} FROM {t} WHERE id IN ({rid}, {rid2}); "
                        f"UPDATE {t} JOIN s ON s.id <> {t}.id SET {t}.c{i} = s.c{i} WHERE {t}.id IN ({rid}, {rid2}); DROP TEMPORARY TABLE s;")
        elif kind < 0.8:
            muts.append(f"INSERT IGNORE INTO {t} (id, tk, {clist}) SELECT id + 1, CONCAT('k', id + 1), {clist} FROM {t} WHERE id = {rid};")
        elif kind < 0.83:   # a new row past either end of the key range (when the type holds it)
            nid = rnd.choice([base - 1, base - step, base + n * step, base + n * step + 12345])
            muts.append(f"INSERT IGNORE INTO {t} (id, tk, {clist}) SELECT {nid}, 'k{nid}', {clist} FROM {t} WHERE id = {rid};")
        elif kind < 0.94:
            tx = [j for j, kk in enumerate(names) if kk in TEXTY]
            if tx:
                j = rnd.choice(tx)
                muts.append(f"UPDATE IGNORE {t} SET c{j} = " + rnd.choice([f"UPPER(c{j})", f"LOWER(c{j})", f"CONCAT(c{j}, ' ')", f"TRIM(c{j})"]) + f" WHERE id = {rid};")
        else:
            muts.append(f"UPDATE IGNORE {t} SET tk = " + rnd.choice(["UPPER(tk)", "CONCAT(tk, ' ')"]) + f" WHERE id = {rid};")
    if muts:
        my(DBB, "SET sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION';\n" + '\n'.join(muts))
    m = Modes(CUT, t, f'mysql://cutover:cutover@127.0.0.1:{PORT}/{DBA}',
              f'mysql://cutover:cutover@127.0.0.1:{PORT}/{DBB}')
    if m.mismatch():
        bad += 1
        print(m.report(f'round {rd} key {key} {ktype} base {base} tk{tkcoll} types {names} step {step} n {n}\n muts {muts}'))
    l1, l2 = m.lines['checksum'], m.lines['stream']
    # The oracle: rows whose stored values differ, by key (bytes for the
    # text key), columns compared as stored (bytes), floats by value (-0 =
    # 0); JSON is left out (by meaning).  Stream
    # mode naming fewer rows than this missed a difference.
    keyc = [c.strip() for c in key.split(',')]
    allc = ['id', 'tk'] + [f'c{i}' for i in range(len(names))]
    kinds = {'id': 'int', 'tk': 'textbin', **{f'c{i}': k for i, k in enumerate(names)}}
    def eq(c):
        k = kinds[c]
        if k in ('double', 'float', 'dec'):
            return f'a.{c} <=> b.{c}'
        if k == 'json':
            return '1'
        return f'CAST(a.{c} AS BINARY) <=> CAST(b.{c} AS BINARY)'
    on = ' AND '.join([f'a.{c} = b.{c}' for c in keyc] + [eq(c) for c in keyc])
    same = ' AND '.join(eq(c) for c in allc if c not in keyc)
    oq = (f"SELECT (SELECT COUNT(*) FROM {DBA}.{t} a WHERE NOT EXISTS (SELECT 1 FROM {DBB}.{t} b WHERE {on})) + "
          f"(SELECT COUNT(*) FROM {DBB}.{t} b WHERE NOT EXISTS (SELECT 1 FROM {DBA}.{t} a WHERE {on})) + "
          f"(SELECT COUNT(*) FROM {DBA}.{t} a JOIN {DBB}.{t} b ON {on} WHERE NOT ({same}))")
    want = int(my(DBA, oq).strip())
    hasjson = 'json' in names
    if len(l2) < want or (len(l2) > want and not hasjson):
        print(f'ORACLE round {rd} key {key} {ktype} base {base} tk{tkcoll} types {names}: stored values differ in {want} rows, stream names {len(l2)}, checksum {len(l1)}\n muts {muts}\n stream: {l2[:10]}')
        obad += 1
    if VERBOSE:
        print(f'round {rd}: key {key} {ktype} base {base} step {step} n {n} types {names}: checksum rc {m.rc["checksum"]}, {len(l1)} rows; stream rc {m.rc["stream"]}, {len(l2)} rows')
    my(DBA, f'DROP TABLE {t}'); my(DBB, f'DROP TABLE {t}')
if obad:
    print(f'oracle: {obad} rounds where stream mode and the stored values disagree')
print(f'seed {SEED}: {ROUNDS} rounds, {bad} mismatches')
