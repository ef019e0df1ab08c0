#!/usr/bin/env python3
"""wsecho.py PORT [CERT KEY] - a real WebSocket server (python3-websockets)
on 127.0.0.1:PORT, with TLS when CERT and KEY are given.  Path /echo
echoes every message; /greet sends "welcome" first, then echoes; /close
closes at once with code 1008 "policy violation".  Prints "ready"."""
import asyncio
import ssl
import sys

import websockets


async def handler(ws, path=None):
    path = path or ws.path
    if path.startswith("/close"):
        await ws.close(1008, "policy violation")
        return
    if path.startswith("/greet"):
        await ws.send("welcome")
    async for m in ws:
        await ws.send("echo: " + m if isinstance(m, str) else m)


async def main():
    ctx = None
    if len(sys.argv) > 3:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), ssl=ctx):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
