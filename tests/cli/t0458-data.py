#!/usr/bin/env python3
"""t0458-data.py ENGINE VARIANT: one table j, the same documents and
instants written differently per engine (key order, whitespace, escapes,
1e2 for 100, offsets and session time zones); VARIANT mut changes a nested
value, a number's last digit, an array's order, a 20-digit integer, a
timestamptz and a timestamp by one microsecond."""
import sys

engine, variant = sys.argv[1], sys.argv[2]
mut = variant == "mut"
# id: (PostgreSQL json text, the same document written otherwise, changed)
DOCS = {
    1: ('{"b":1,"a":[1,2,{"y":null,"x":"s"}]}',
        '{ "a" : [1, 2, {"x": "s", "y": null}], "b": 1 }',
        '{"a":[1,2,{"x":"t","y":null}],"b":1}'),
    2: ('{"n":1e2,"s":"\\u00e9\\/"}', '{"s":"\u00e9/","n":100}', None),
    3: ('{"p":0.1}', '{"p": 0.1}', '{"p":0.10000000000000001}'),
    4: ('[1,2,3]', '[ 1,2,3 ]', '[1,3,2]'),
    5: ('{"k":12345678901234567890}', '{"k": 1234567890123456789e1}',
        '{"k":12345678901234567891}'),
    6: ('{"z":[]}', '{ "z" : [ ] }', None),
    7: ('"x"', ' "x" ', None),
}
TS_UTC = "2024-01-01 00:00:00"
LT = "2024-06-01 12:00:00.5"


def q(s):
    return "'" + s.replace("'", "''") + "'"


rows = []
for i, (a, b, m) in DOCS.items():
    doc = a if engine == "postgres" and variant == "a" else b
    if mut and m:
        doc = m
    us = "000001" if mut and i == 6 else "000000"
    lt = "2024-06-01 12:00:00.500001" if mut and i == 7 else LT
    rows.append((i, doc, us, lt))

out = []
if engine == "postgres":
    dtype = "json" if variant == "a" else "jsonb"
    out.append("CREATE TABLE j (id int PRIMARY KEY, doc %s, "
               "ts timestamptz(6), lt timestamp(6));" % dtype)
    if variant != "a":
        out.append("SET TimeZone = 'Asia/Kolkata';")
    for i, doc, us, lt in rows:
        # the same instant in another offset notation per variant
        ts = ("2024-01-01 03:00:00.%s+03" % us if variant == "a"
              else "2024-01-01 00:00:00.%sZ" % us)
        out.append("INSERT INTO j VALUES (%d, %s, %s, %s);"
                   % (i, q(doc), q(ts), q(lt)))
elif engine == "mysql":
    out.append("CREATE TABLE j (id int PRIMARY KEY, doc JSON, "
               "ts TIMESTAMP(6) NULL DEFAULT NULL, lt DATETIME(6));")
    out.append("SET time_zone = '+05:30';")
    for i, doc, us, lt in rows:
        out.append("INSERT INTO j VALUES (%d, %s, '2024-01-01 05:30:00.%s', "
                   "%s);" % (i, q(doc.replace("\\", "\\\\")), us, q(lt)))
else:
    out.append("CREATE TABLE j (id INTEGER PRIMARY KEY, doc TEXT, "
               "ts TIMESTAMP, lt DATETIME);")
    for i, doc, us, lt in rows:
        out.append("INSERT INTO j VALUES (%d, %s, "
                   "'2023-12-31T19:00:00.%s-05:00', %s);"
                   % (i, q(doc), us, q(lt.replace(" ", "T"))))
print("\n".join(out))
