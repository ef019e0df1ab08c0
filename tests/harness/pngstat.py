#!/usr/bin/env python3
"""pngstat.py PNG [RRGGBB...] - what a screenshot shows, without PIL.

Decodes an 8-bit, non-interlaced RGB/RGBA PNG (what Chromium writes) and
prints: width height, the share of dark pixels (luma < 96: text), the
number of distinct colours, then for each colour asked the number of
pixels of exactly that colour.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or lace:
                raise SystemExit("unsupported PNG layout")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = decode(sys.argv[1])
    want = [bytes.fromhex(c) for c in sys.argv[2:]]
    counts = {c: 0 for c in want}
    colours, dark = set(), 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            px = bytes(line[x:x + 3])
            colours.add(px)
            if 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2] < 96:
                dark += 1
            if px in counts:
                counts[px] += 1
    print(w, h, "%.4f" % (dark / (w * h)), len(colours),
          *[counts[c] for c in want])


main()
