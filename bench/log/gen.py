#!/usr/bin/env python3
"""gen.py FILE SIZE_MB - an application log of SIZE_MB MiB: timestamped
lines of several levels and shapes; one line in 10007 is an ERROR, one in
50021 a 5xx status, one in 100003 says "connection: open".  Written as an
8 MiB block of distinct lines repeated with a changing prefix, so that
generating 1 GiB takes seconds, not minutes."""
import random, sys

path, size = sys.argv[1], int(sys.argv[2]) << 20
random.seed(7)
levels = ["INFO"] * 6 + ["DEBUG"] * 3 + ["WARN"]
lines = []
i = 0
block = 0
while block < 8 << 20:
    lv = random.choice(levels)
    st = 200
    msg = "request done"
    if i % 10007 == 0:
        lv, msg = "ERROR", "database query failed: timeout"
    if i % 50021 == 0:
        st = 503
    if i % 100003 == 0:
        msg = "connection: open"
    l = (f"T{i % 86400:05d}.{i % 1000:03d} {lv} worker[{i % 97}] {msg} "
         f"id={i:08x} path=/api/v1/items/{random.randrange(5000)} "
         f"status={st} dur={random.randrange(300)}ms\n")
    lines.append(l)
    block += len(l)
    i += 1
chunk = "".join(lines)
with open(path, "w") as f:
    n = 0
    r = 0
    while n < size:
        c = chunk.replace("T", "D%03d" % (r % 1000), 1) if r else chunk
        f.write(c)
        n += len(c)
        r += 1
