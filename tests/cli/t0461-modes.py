#!/usr/bin/env python3
# t0461-modes.py PORT CUTOVER SEED ROUNDS - checksum mode against stream
# mode on random PostgreSQL tables (t0461-diff-pg-modes.sh).  Each round
# makes one table in two databases: one to five columns of the types below
# with their awkward values (NaN, -0, infinities, 24:00, the last
# timestamp, case under a case-insensitive collation, nested JSON, array
# shapes), 200 or 3,000 rows with keys dense or spread out (a span of
# 262,144 takes the heap-stretch pass), a key of one integer, text, uuid
# or two columns; then up to six faults in the target (a value, NULL, a
# deleted row, two rows' values swapped, a new row) and, half the time,
# rows moved in the heap.  The two modes must name the same rows and
# neither may fail.  Prints what disagreed, then "seed S: N rounds, M
# mismatches".
import random
import subprocess
import sys

from modes import Modes

PORT = int(sys.argv[1])
CUT = sys.argv[2]
SEED = int(sys.argv[3])
ROUNDS = int(sys.argv[4])
rnd = random.Random(SEED)

def psql(db, sql):
    r = subprocess.run(['psql', '-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', str(PORT), '-U', 'postgres', '-d', db],
                       input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr + '\n' + sql[:2000])
    return r.stdout

TYPES = {
 'int': ('int', lambda: str(rnd.choice([0, 1, -1, 2**31-1, -2**31, rnd.randint(-1000, 1000)]))),
 'bigint': ('bigint', lambda: str(rnd.choice([0, 2**32, -2**63, 2**63-1, rnd.randint(-10**12, 10**12)]))),
 'numeric': ('numeric', lambda: rnd.choice(['0', '1.0', '1.00', '-0.0', "'NaN'", '1e-30', '123456789012345678901234567890.5', str(rnd.random())])),
 'float8': ('float8', lambda: rnd.choice(["'NaN'", "'Infinity'", "'-Infinity'", '0', "'-0'", '1e308', '5e-324', repr(rnd.random())])),
 'real': ('real', lambda: rnd.choice(["'NaN'", '0', "'-0'", '3.4e38', repr(rnd.random())])),
 'text': ('text', lambda: rnd.choice(["''", "'a'", "'A'", "'a '", "'a,b'", "'N'", "E'\\\\N'", "'null'", "E'x\\ny'", "'é'", "'e\u0301'", "'" + 'x' * rnd.randint(0, 3000) + "'"])),
 'textci': ('text COLLATE ci', lambda: rnd.choice(["'abc'", "'ABC'", "'Abc'", "''", "'ß'", "'ss'"])),
 'varchar': ('varchar(20)', lambda: rnd.choice(["'a'", "'a '", "''", "'b'"])),
 'char': ('char(5)', lambda: rnd.choice(["'a'", "'a  '", "''", "'ab'"])),
 'bytea': ('bytea', lambda: rnd.choice(["'\\x'", "'\\x00'", "'\\x0000'", "'\\x41'", "'\\xff00'"])),
 'bool': ('bool', lambda: rnd.choice(['true', 'false'])),
 'date': ('date', lambda: rnd.choice(["'2024-01-01'", "'infinity'", "'-infinity'", "'4713-01-01 BC'", "'5874897-12-31'", "'2000-01-01'"])),
 'time': ('time', lambda: rnd.choice(["'00:00'", "'24:00'", "'01:11:34.967296'", "'01:11:34.967297'", "'23:59:59.999999'", "'12:00:00.5'"])),
 'timetz': ('timetz', lambda: rnd.choice(["'00:00+00'", "'00:00+01'", "'01:00+01'", "'23:59:59.999999-12'"])),
 'ts': ('timestamp', lambda: rnd.choice(["'2024-01-01'", "'2024-01-01 00:00:00.000001'", "'infinity'", "'-infinity'", "'4714-11-24 00:00 BC'", "'294276-12-31 23:59:59'"])),
 'tstz': ('timestamptz', lambda: rnd.choice(["'2024-01-01 00:00+00'", "'2024-01-01 01:00+01'", "'2024-01-01 00:00+01'", "'infinity'"])),
 'interval': ('interval', lambda: rnd.choice(["'1 day'", "'24 hours'", "'1 month'", "'30 days'", "'0'", "'-1 us'"])),
 'uuid': ('uuid', lambda: rnd.choice(["'00000000-0000-0000-0000-000000000000'", "'00000000-0000-0000-0000-000000000001'", "'%032x'" % rnd.getrandbits(128)])),
 'inet': ('inet', lambda: rnd.choice(["'10.0.0.1'", "'10.0.0.1/32'", "'10.0.0.1/8'", "'::1'", "'::ffff:10.0.0.1'"])),
 'cidr': ('cidr', lambda: rnd.choice(["'10.0.0.0/8'", "'10.0.0.0/16'", "'::/0'"])),
 'json': ('json', lambda: rnd.choice(["'{}'", "'{\"a\":1}'", "'{\"a\": 1}'", "'{\"a\":1.0}'", "'[1,2]'", "'[[1],2]'", "'[[1,2]]'", "'\"x\"'", "'null'"])),
 'jsonb': ('jsonb', lambda: rnd.choice(["'{}'", "'{\"a\":1}'", "'{\"a\":1.0}'", "'[1,2]'", "'[[1],2]'", "'[[1,2]]'", "'[[[1]]]'", "'[1]'", "'1'", "'\"x\"'", "'null'", "'{\"b\":1,\"a\":2}'"])),
 'intarr': ('int[]', lambda: rnd.choice(["'{}'", "'{1,2}'", "'[0:1]={1,2}'", "'{{1,2}}'", "'{{1},{2}}'", "'{1,NULL}'", "'{NULL,1}'"])),
 'textarr': ('text[]', lambda: rnd.choice(["'{}'", "'{a,b}'", "'{\"a,b\"}'", "'{A,b}'", "'{a,NULL}'", "'{\"\"}'"])),
 'enum': ('mood', lambda: rnd.choice(["'sad'", "'ok'", "'happy'"])),
 'bit': ('bit(8)', lambda: rnd.choice(["B'00000000'", "B'00000001'", "B'10000000'"])),
 'varbit': ('varbit', lambda: rnd.choice(["B''", "B'0'", "B'00'", "B'1'"])),
 'macaddr': ('macaddr', lambda: rnd.choice(["'08:00:2b:01:02:03'", "'08:00:2b:01:02:04'"])),
 'money': ('money', lambda: rnd.choice(["'1.00'", "'0'", "'-1.5'"])),
}

for db in ('t0461_a', 't0461_b'):
    psql('postgres', f'DROP DATABASE IF EXISTS {db}')
    psql('postgres', f'CREATE DATABASE {db}')
    psql(db, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    try:
        psql(db, "CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)")
    except RuntimeError:
        TYPES.pop('textci', None)    # a server built without ICU
bad = 0
for rd in range(ROUNDS):
    names = rnd.sample(sorted(TYPES), rnd.randint(1, 5))
    n = rnd.choice([200, 3000])
    step = rnd.choice([1, 100])   # 3000 rows x 100: the TID path
    t = f't{rd}'
    cols = ', '.join(f'c{i} {TYPES[k][0]}' for i, k in enumerate(names))
    key = rnd.choice(['id', 'id', 'tk', 'uk', 'id, tk', 'tk, id'])
    rows = []
    for r_ in range(n):
        vals = [TYPES[k][1]() if rnd.random() > 0.1 else 'NULL' for k in names]
        rows.append(f"({(r_ + 1) * step}, {', '.join(vals)})")
    ins = (f"CREATE TABLE {t} (id bigint NOT NULL, tk text NOT NULL GENERATED ALWAYS AS ('k' || id) STORED, "
           f"uk uuid NOT NULL GENERATED ALWAYS AS (md5(id::text)::uuid) STORED, {cols}, PRIMARY KEY ({key})); "
           f"INSERT INTO {t} (id, {', '.join(f'c{i}' for i in range(len(names)))}) VALUES " + ', '.join(rows) + ';')
    psql('t0461_a', ins); psql('t0461_b', ins)
    muts = []
    for _ in range(rnd.randint(0, 6)):
        i = rnd.randrange(len(names)); k = names[i]
        rid = (rnd.randrange(n) + 1) * step
        kind = rnd.random()
        if kind < 0.6:
            muts.append(f"UPDATE {t} SET c{i} = {TYPES[k][1]()} WHERE id = {rid};")
        elif kind < 0.7:
            muts.append(f"UPDATE {t} SET c{i} = NULL WHERE id = {rid};")
        elif kind < 0.8:
            muts.append(f"DELETE FROM {t} WHERE id = {rid};")
        elif kind < 0.9:
            rid2 = (rnd.randrange(n) + 1) * step
            muts.append(f"UPDATE {t} x SET c{i} = y.c{i} FROM {t} y WHERE (x.id, y.id) IN (({rid}, {rid2}), ({rid2}, {rid}));")
        else:
            muts.append(f"INSERT INTO {t} (id, {', '.join(f'c{j}' for j in range(len(names)))}) SELECT id + 1, {', '.join(f'c{j}' for j in range(len(names)))} FROM {t} WHERE id = {rid} ON CONFLICT DO NOTHING;")
    if muts:
        psql('t0461_b', '\n'.join(muts))
    if rnd.random() < 0.5:
        psql('t0461_b', f'UPDATE {t} SET id = id WHERE id % 7 = 0;')   # move rows in the heap
    m = Modes(CUT, t, f'postgres://postgres@127.0.0.1:{PORT}/t0461_a',
              f'postgres://postgres@127.0.0.1:{PORT}/t0461_b')
    if m.mismatch():
        bad += 1
        print(m.report(f'round {rd} key {key} types {names} step {step} n {n}\n muts {muts}'))
    psql('t0461_a', f'DROP TABLE {t}'); psql('t0461_b', f'DROP TABLE {t}')
print(f'seed {SEED}: {ROUNDS} rounds, {bad} mismatches')
