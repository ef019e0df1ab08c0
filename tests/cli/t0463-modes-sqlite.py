#!/usr/bin/env python3
# t0463-modes-sqlite.py CUTOVER DIR SEED ROUNDS - checksum mode against
# stream mode on random SQLite tables (t0463-diff-sqlite-modes.sh).  Each
# round makes one table in two database files: one to five columns
# declared INTEGER, REAL, TEXT, BLOB, NUMERIC or without a type, holding
# values of every storage class whatever the column declares (1, 1.0, '1',
# x'31'; -0.0, the int64 ends, 1e308 and the infinities; '' against x''
# and NULL; text with a NUL byte, case, trailing spaces, NFC against NFD),
# 200 or 3,000 rows keyed by the rowid (INTEGER PRIMARY KEY), a plain
# integer key dense or spread out, a text key or two columns, with or
# without WITHOUT ROWID; then up to six faults in the target (a value, the
# same value in another storage class, NULL, a deleted row, two rows'
# values swapped, a new row).  The two modes must name the same rows and
# neither may fail.  Prints what disagreed, then "seed S: N rounds, M
# mismatches".  A 5th argument "mixed" keys every table by an INT column
# or one without a type holding keys of every class at once: integers,
# fractions, reals past int64, text (digits too, without a type) and
# blobs, in SQLite's order of classes.
import os
import random
import sqlite3
import sys

from modes import Modes

CUT = sys.argv[1]
DIR = sys.argv[2]
SEED = int(sys.argv[3])
ROUNDS = int(sys.argv[4])
MIXED = len(sys.argv) > 5 and sys.argv[5] == 'mixed'
rnd = random.Random(SEED)

DECL = ['INTEGER', 'REAL', 'TEXT', 'BLOB', 'NUMERIC', '']

def value():
    return rnd.choice([
        '1', '1.0', "'1'", "x'31'", "CAST('1' AS BLOB)", '0', '0.0', '-0.0',
        "'0'", "'-0.0'", '9223372036854775807', '-9223372036854775808',
        '9223372036854775807.0', "'9223372036854775807'", '1e308', '-1e308',
        '9e999', '-9e999', "'Inf'", '0.1', "'0.1'", '5e-324', "''", "x''",
        "' '", "'a'", "'A'", "'a '", "'a'||char(0)||'b'", "'a'||char(0)||'c'",
        "char(0)", "x'00'", "x'610062'", "'\u00e9'", "'e\u0301'", "'null'",
        "'2024-01-01'", "'1e2'", "'100'", '100', '100.0', "'abc'", "x'616263'",
        str(rnd.randint(-1000, 1000)), repr(rnd.random()), repr(rnd.uniform(-1e20, 1e20)),
        "'" + 'x' * rnd.randint(0, 3000) + "'"])

for f in ('a.db', 'b.db'):
    if os.path.exists(f'{DIR}/{f}'):
        os.unlink(f'{DIR}/{f}')
A = sqlite3.connect(f'{DIR}/a.db', isolation_level=None)
B = sqlite3.connect(f'{DIR}/b.db', isolation_level=None)
bad = 0
for rd in range(ROUNDS):
    decls = [rnd.choice(DECL) for _ in range(rnd.randint(1, 5))]
    nc = len(decls)
    n = rnd.choice([200, 3000])
    step = rnd.choice([1, 1, 100, 7919])
    keyk = rnd.choice(['odd', 'untyped'] if MIXED else
                      ['rowid', 'int', 'odd', 'text', 'comp', 'comp2'])
    worow = keyk != 'rowid' and rnd.random() < 0.5
    t = f't{rd}'
    cols = ', '.join(f'c{i} {d}'.strip() for i, d in enumerate(decls))
    if keyk == 'rowid':
        head, pk = 'id INTEGER PRIMARY KEY, tk TEXT NOT NULL', ''
    elif keyk in ('int', 'odd'):
        head, pk = 'id INT NOT NULL, tk TEXT NOT NULL', ', PRIMARY KEY (id)'
    elif keyk == 'untyped':
        head, pk = 'id NOT NULL, tk TEXT NOT NULL', ', PRIMARY KEY (id)'
    elif keyk == 'text':
        head, pk = 'id INT NOT NULL, tk TEXT NOT NULL', ', PRIMARY KEY (tk)'
    elif keyk == 'comp':
        head, pk = 'id INT NOT NULL, tk TEXT NOT NULL', ', PRIMARY KEY (id, tk)'
    else:
        head, pk = 'id INT NOT NULL, tk TEXT NOT NULL', ', PRIMARY KEY (tk, id)'
    ddl = f"CREATE TABLE {t} ({head}, {cols}{pk}){' WITHOUT ROWID' if worow else ''}"
    cn = ', '.join(f'c{i}' for i in range(nc))
    rows = []
    odd_text = rnd.random() < 0.5
    for r_ in range(n):
        k = (r_ + 1) * step
        vals = [value() if rnd.random() > 0.1 else 'NULL' for _ in decls]
        ke = k
        if MIXED and rnd.random() < 0.05:
            # each distinct from every integer key (an INT column turns
            # digits as text into an integer: not those there)
            odd = [f"'x{k}'", f"CAST('{k}z' AS BLOB)", f"{k}.5", f"{k}e30", f"-{k}.25"]
            if keyk == 'untyped':
                odd += [f"'{k}'", f"CAST('{k}' AS BLOB)", f"CAST({k} AS REAL)"]
            ke = rnd.choice(odd)
        elif keyk == 'odd' and rnd.random() < 0.01:
            # what an INT key keeps as it is: text or a blob, one class a
            # table (text and blobs together, a real past int64 or a
            # fraction make stream mode fail: "out of byte order")
            ke = f"'x{k}'" if odd_text else f"CAST('{k}z' AS BLOB)"
        rows.append(f"({ke}, 'k{k}', {', '.join(vals)})")
    ins = f"INSERT INTO {t} (id, tk, {cn}) VALUES " + ', '.join(rows)
    for db in (A, B):
        db.execute(ddl)
        db.execute(ins)
    muts = []
    for _ in range(rnd.randint(0, 6)):
        i = rnd.randrange(nc)
        rid = (rnd.randrange(n) + 1) * step
        kind = rnd.random()
        if kind < 0.4:
            muts.append(f"UPDATE {t} SET c{i} = {value()} WHERE id = {rid}")
        elif kind < 0.6:
            # the same value in another storage class (affinity may undo it)
            cast = rnd.choice(['INTEGER', 'REAL', 'TEXT', 'BLOB', 'NUMERIC'])
            muts.append(f"UPDATE {t} SET c{i} = CAST(c{i} AS {cast}) WHERE id = {rid}")
        elif kind < 0.7:
            muts.append(f"UPDATE {t} SET c{i} = NULL WHERE id = {rid}")
        elif kind < 0.8:
            muts.append(f"DELETE FROM {t} WHERE id = {rid}")
        elif kind < 0.9:
            rid2 = (rnd.randrange(n) + 1) * step
            muts.append(f"UPDATE {t} SET c{i} = (SELECT y.c{i} FROM {t} y WHERE y.id = "
                        f"CASE {t}.id WHEN {rid} THEN {rid2} ELSE {rid} END) WHERE id IN ({rid}, {rid2})")
        else:
            muts.append(f"INSERT OR IGNORE INTO {t} (id, tk, {cn}) SELECT id + 1, 'k' || (id + 1), {cn} FROM {t} WHERE id = {rid}")
    for m in muts:
        B.execute(m)
    m = Modes(CUT, t, f'sqlite://{DIR}/a.db', f'sqlite://{DIR}/b.db')
    if m.mismatch():
        bad += 1
        print(m.report(f'round {rd} {ddl} step {step} n {n}\n muts {muts}'))
    if os.environ.get('VERBOSE'):
        print(f'round {rd} {keyk} {decls} n {n} step {step}: checksum rc {m.rc["checksum"]} {len(m.lines["checksum"])} rows, '
              f'stream rc {m.rc["stream"]} {len(m.lines["stream"])};',
              [l for l in m.out['checksum'].splitlines() if '(checksum' in l or '(stream' in l][:1])
    for db in (A, B):
        db.execute(f'DROP TABLE {t}')
print(f'seed {SEED}: {ROUNDS} rounds, {bad} mismatches')
