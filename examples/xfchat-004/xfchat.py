#!/usr/bin/python3
"""xfchat.py --version v1|v2 --port PORT --env FILE --log FILE

A stand-in for the XFChat server of seeds/004, small enough to read:
an HTTP service on a threaded server that reaches PostgreSQL only
through a bounded connection pool, as the seed's config.rs does
(max_connections 25, acquire_timeout 5 s; the scenario gives 1 s).

  v1  the version before the migration: the legacy `messages` table,
      the database optional (a failed query is logged, the request
      still answered from memory).
  v2  the PostgreSQL-only version: the database required at startup
      (SELECT 1 and SELECT COUNT(*) FROM users, else exit 1, as the
      seed's main.rs), messages in `chat_messages` inside a transaction
      that locks the conversation (risk 5).  Its long-poll
      (/api/conversations/N/wait) holds a pool connection while it
      waits for new messages: the seed's "handler holds connection
      while waiting for I/O" (risk 4).  Under enough concurrent
      long-polls the pool is exhausted, /health cannot get a
      connection within the acquire timeout and answers 503.

Endpoints: GET /health (the seed's health_check: SELECT 1 through the
pool; 200 or 503, with the pool's figures), POST /api/login
{"username"}, POST /api/messages {"conversation_id", "sender_id",
"body"}, GET /api/conversations/N/wait.

The env file (KEY=value lines) gives DATABASE_URL (without password),
DB_PASSWORD, DB_MAX_CONNECTIONS, DB_ACQUIRE_TIMEOUT_MS and JWT_SECRET; a missing one fails startup
(risk 9), and the final configuration is logged without secrets.
"""
import argparse
import http.server
import json
import re
import socketserver
import sys
import threading
import time

import psycopg2

ap = argparse.ArgumentParser()
ap.add_argument("--version", required=True, choices=["v1", "v2"])
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--bind", default="127.0.0.1")
ap.add_argument("--env", required=True)
ap.add_argument("--log", required=True)
args = ap.parse_args()
logf = open(args.log, "a", buffering=1)


def log(level, msg):
    logf.write("%s %s xfchat-%s: %s\n" % (
        time.strftime("%Y-%m-%dT%H:%M:%S"), level, args.version, msg))


def fatal(msg):
    log("ERROR", "startup failed: " + msg)
    sys.exit(1)


env = {}
for line in open(args.env):
    line = line.strip()
    if line and not line.startswith("#") and "=" in line:
        k, v = line.split("=", 1)
        env[k.strip()] = v.strip()
for k in ("DATABASE_URL", "DB_PASSWORD", "DB_MAX_CONNECTIONS",
          "DB_ACQUIRE_TIMEOUT_MS", "DB_IDLE_TIMEOUT_S", "DB_MAX_LIFETIME_S",
          "JWT_SECRET"):
    if not env.get(k):
        fatal("required setting %s is missing from %s" % (k, args.env))
POOL_MAX = int(env["DB_MAX_CONNECTIONS"])
ACQUIRE = int(env["DB_ACQUIRE_TIMEOUT_MS"]) / 1000.0
IDLE = int(env["DB_IDLE_TIMEOUT_S"])
LIFETIME = int(env["DB_MAX_LIFETIME_S"])
log("INFO", "configuration: DATABASE_URL=%s DB_MAX_CONNECTIONS=%d "
    "DB_ACQUIRE_TIMEOUT_MS=%s DB_IDLE_TIMEOUT_S=%d DB_MAX_LIFETIME_S=%d "
    "DB_PASSWORD=(set) JWT_SECRET=(set)" % (
        env["DATABASE_URL"], POOL_MAX, env["DB_ACQUIRE_TIMEOUT_MS"], IDLE,
        LIFETIME))


class PoolTimeout(Exception):
    pass


class Pool:
    """At most `size` connections, opened on demand and kept idle; an
    acquire waits at most `timeout` seconds for a free one.  A connection
    idle past IDLE seconds or older than LIFETIME is closed instead of
    reused (sqlx's idle_timeout and max_lifetime)."""

    def __init__(self, dsn, size, timeout):
        self.dsn, self.size, self.timeout = dsn, size, timeout
        self.sem = threading.BoundedSemaphore(size)
        self.lock = threading.Lock()
        self.idle = []		# (connection, opened at, last used at)
        self.born = {}
        self.open = 0
        self.in_use = 0

    def acquire(self):
        if not self.sem.acquire(timeout=self.timeout):
            raise PoolTimeout("pool timed out after %.0f ms: %d of %d "
                              "connections in use" % (self.timeout * 1000,
                                                      self.in_use, self.size))
        now = time.monotonic()
        stale = []
        with self.lock:
            conn = None
            while self.idle:
                c, born, used = self.idle.pop()
                if now - used > IDLE or now - born > LIFETIME:
                    stale.append(c)
                    self.open -= 1
                else:
                    conn = (c, born)
                    break
            self.in_use += 1
        for c in stale:
            c.close()
        if conn is None:
            try:
                conn = psycopg2.connect(self.dsn, connect_timeout=3,
                                        password=pool_password)
            except Exception:
                with self.lock:
                    self.in_use -= 1
                self.sem.release()
                raise
            # Each statement its own transaction: one round trip, no
            # transaction left open by a handler that fails.
            conn.autocommit = True
            with self.lock:
                self.open += 1
            conn = (conn, now)
        with self.lock:
            self.born[id(conn[0])] = conn[1]
        return conn[0]

    def release(self, conn, broken=False):
        with self.lock:
            self.in_use -= 1
            born = self.born.pop(id(conn), 0.0)
            if broken or conn.closed:
                self.open -= 1
            else:
                self.idle.append((conn, born, time.monotonic()))
        if broken and not conn.closed:
            conn.close()
        self.sem.release()

    def stats(self):
        with self.lock:
            return {"size": self.size, "open": self.open,
                    "in_use": self.in_use}


pool = Pool(env["DATABASE_URL"], POOL_MAX, ACQUIRE)
pool_password = env.get("DB_PASSWORD", "")


def query(sql, params=(), fetch=True, hold=0.0):
    """One statement on a pooled connection; hold: seconds the
    connection stays taken afterwards."""
    conn = pool.acquire()
    broken = False
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall() if fetch else None
        if hold:
            time.sleep(hold)
        return rows
    except psycopg2.Error:
        broken = True
        raise
    finally:
        pool.release(conn, broken)


def send_v2(conv, sender, body):
    """The conversation locked (FOR UPDATE) and the message inserted in
    one statement, hence one transaction and one round trip."""
    rows = query("WITH c AS (SELECT id FROM conversations WHERE id = %s "
                 "FOR UPDATE) INSERT INTO chat_messages (conversation_id, "
                 "sender_id, body) SELECT id, %s, %s FROM c RETURNING id",
                 (conv, sender, body))
    return rows[0][0] if rows else None


# The seed's pre-startup verification (v2 only: v1's database is
# optional).
if args.version == "v2":
    try:
        query("SELECT 1")
        n = query("SELECT COUNT(*) FROM users")[0][0]
    except Exception as e:
        fatal("database verification failed: %s" %
              str(e).strip().splitlines()[0])
    log("INFO", "database verified: SELECT 1 ok, %d users" % n)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, code, obj):
        out = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return {}

    def db_error(self, e):
        if isinstance(e, PoolTimeout):
            log("WARN", str(e))
            return self.answer(503, {"error": "database unavailable"})
        log("WARN", "query failed: %s" % str(e).strip().splitlines()[0])
        return self.answer(500, {"error": "internal"})

    def do_GET(self):
        if self.path == "/health":
            try:
                query("SELECT 1")
            except Exception as e:
                return self.answer(503, {"status": "error", "version":
                                         args.version, "pool": pool.stats(),
                                         "error": str(e)[:200]})
            return self.answer(200, {"status": "ok", "version": args.version,
                                     "pool": pool.stats()})
        m = re.fullmatch(r"/api/conversations/(\d+)/messages", self.path)
        if m:
            table = "chat_messages" if args.version == "v2" else "messages"
            try:
                rows = query("SELECT id, sender_id, body FROM " + table +
                             " WHERE conversation_id = %s ORDER BY id DESC "
                             "LIMIT 20", (int(m.group(1)),))
            except Exception as e:
                return self.db_error(e)
            return self.answer(200, {"messages": [list(r) for r in rows]})
        m = re.fullmatch(r"/api/conversations/(\d+)/wait", self.path)
        if m:
            conv = int(m.group(1))
            if args.version == "v1":
                time.sleep(1.0)		# v1 waits without a connection
                return self.answer(200, {"messages": []})
            try:
                # The leak: the connection stays taken while waiting.
                rows = query("SELECT count(*) FROM chat_messages WHERE "
                             "conversation_id = %s", (conv,), hold=3.0)
            except Exception as e:
                return self.db_error(e)
            return self.answer(200, {"count": rows[0][0]})
        return self.answer(404, {"error": "not found"})

    def do_POST(self):
        b = self.body()
        if self.path == "/api/login":
            try:
                rows = query("SELECT id FROM users WHERE username = %s",
                             (str(b.get("username", "")),))
            except Exception as e:
                if args.version == "v1" and not isinstance(e, PoolTimeout):
                    return self.answer(200, {"user": None, "degraded": True})
                return self.db_error(e)
            if not rows:
                return self.answer(401, {"error": "unknown user"})
            return self.answer(200, {"user": rows[0][0]})
        if self.path == "/api/messages":
            try:
                conv = int(b.get("conversation_id"))
                sender = int(b.get("sender_id"))
            except (TypeError, ValueError):
                return self.answer(400, {"error": "conversation_id and "
                                         "sender_id required"})
            text = str(b.get("body", ""))[:1000]
            try:
                if args.version == "v2":
                    mid = send_v2(conv, sender, text)
                    if mid is None:
                        return self.answer(404, {"error": "no such "
                                                 "conversation"})
                else:
                    mid = query("INSERT INTO messages (conversation_id, "
                                "sender_id, body) VALUES (%s, %s, %s) "
                                "RETURNING id", (conv, sender, text))[0][0]
            except Exception as e:
                return self.db_error(e)
            return self.answer(201, {"id": mid})
        return self.answer(404, {"error": "not found"})


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


srv = S((args.bind, args.port), H)
log("INFO", "listening on %s:%d (pool %d, acquire timeout %d ms)" % (
    args.bind, args.port, POOL_MAX, ACQUIRE * 1000))
srv.serve_forever()
