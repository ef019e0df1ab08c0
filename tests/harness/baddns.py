#!/usr/bin/env python3
"""baddns.py MODE... - DNS servers on UDP loopback that misbehave, for what
no real server does; one free port per MODE, printed on the "ready" line
as MODE=PORT.  `garbage` answers every query with its id and then bytes
that are no DNS message; `badrr` answers with a well-formed header and an
A record whose data is 3 bytes long; `hang` reads queries and never
answers (a stuck server: the check's timeout must hold).
"""
import select, socket, struct, sys

socks = {}
for mode in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks[s] = mode
print("ready " + " ".join("%s=%d" % (m, s.getsockname()[1])
                          for s, m in socks.items()), flush=True)
while True:
    for s in select.select(list(socks), [], [])[0]:
        q, peer = s.recvfrom(4096)
        mode = socks[s]
        if len(q) < 12 or mode == "hang" or b"\x00" not in q[12:]:
            continue
        qid = q[:2]
        if mode == "garbage":
            s.sendto(qid + b"\x81\x80\x00\x01\x00\x05" + b"\xff" * 9, peer)
            continue
        end = q.index(b"\x00", 12) + 5      # name, type, class
        hdr = qid + b"\x81\x80" + struct.pack(">HHHH", 1, 1, 0, 0)
        rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 3) + b"\x01\x02\x03"
        s.sendto(hdr + q[12:end] + rr, peer)
