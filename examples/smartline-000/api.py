#!/usr/bin/env python3
"""api.py ENVFILE BIND PORT - the Laravel app of seeds/000, as far as the
migration can see it.

Reads its .env once at start (as `php artisan config:cache` would have
it): DB_* for MySQL, REDIS_* for Redis.  GET /api/health answers 503 in
maintenance mode (storage/framework/down, as `artisan down` writes it),
else 200 {"status":"ok","db_host":..,"users":N} when a query on the
database and a PING on Redis (with AUTH) both succeed, else 500; each
failure is logged as "production.ERROR" in storage/logs/laravel.log.
A scheduler thread pushes a job into each queue (queues:high,
queues:default, queues:notifications) every 0.5 s unless the app is
down; worker.py processes them.

Fault switch (for the scenario): storage/fault holding "PCT HOST SKIP"
makes PCT% of health requests fail with 500 while the app's DB_HOST is
HOST, after the first SKIP of them (those the switch's gate makes); the
failures spread exactly: request i (counted after SKIP) fails when
floor((i+1)p) > floor(ip), so 60% is the 2nd, 4th and 5th of every 5.  The old database host is not affected, so a rollback cures
it, as it would cure a sick new server.
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

envfile, bind, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = os.path.dirname(os.path.abspath(envfile))


from envfile import read_env  # noqa: E402


E = read_env(envfile)
DOWN = os.path.join(app, "storage/framework/down")
FAULT = os.path.join(app, "storage/fault")
LOG = os.path.join(app, "storage/logs/laravel.log")
lock = threading.Lock()
count = [0]


def log_error(msg):
    with lock, open(LOG, "a") as f:
        f.write("[%s] production.ERROR: %s\n" %
                (time.strftime("%Y-%m-%d %H:%M:%S"), msg))


def redis(cmds, timeout=2.0):
    """Run RESP commands after AUTH on a fresh connection; the last reply."""
    s = socket.create_connection((E["REDIS_HOST"], int(E.get("REDIS_PORT", 6379))),
                                 timeout=timeout)
    try:
        f = s.makefile("rb")
        out = None
        for c in [["AUTH", E.get("REDIS_PASSWORD", "")]] + cmds:
            s.sendall(("*%d\r\n" % len(c)).encode() + b"".join(
                b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in c))
            line = f.readline()
            if line[:1] == b"-":
                raise OSError(line[1:].strip().decode())
            if line[:1] == b"$" and int(line[1:]) >= 0:
                out = f.read(int(line[1:]) + 2)[:-2].decode()
            else:
                out = line[1:].strip().decode()
        return out
    finally:
        s.close()


def db_users():
    env = dict(os.environ, MYSQL_PWD=E.get("DB_PASSWORD", ""))
    r = subprocess.run(["mariadb", "--no-defaults", "-h", E["DB_HOST"], "-P",
                        E.get("DB_PORT", "3306"), "-u", E["DB_USERNAME"],
                        "--connect-timeout=2", "-N", "-B", "-e",
                        "SELECT COUNT(*) FROM users", E["DB_DATABASE"]],
                       env=env, capture_output=True, text=True, timeout=3)
    if r.returncode:
        raise OSError((r.stderr.strip().splitlines() or ["mariadb failed"])[-1])
    return int(r.stdout.strip())


def faulty():
    try:
        with open(FAULT) as f:
            pct, host, skip = f.read().split()
    except (OSError, ValueError):
        return False
    if host != E["DB_HOST"]:
        return False
    p = float(pct) / 100
    with lock:
        i = count[0] - int(skip)
        count[0] += 1
    if i < 0:
        return False
    return int((i + 1) * p + 1e-9) > int(i * p + 1e-9)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        if self.path != "/api/health":
            return self.answer(404, {"message": "Not Found"})
        if os.path.exists(DOWN):
            return self.answer(503, {"message": "Service Unavailable"})
        if faulty():
            log_error("SQLSTATE[HY000] [2002] Connection timed out (injected)")
            return self.answer(500, {"status": "error"})
        try:
            users = db_users()
            pong = redis([["PING"]])
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            log_error(str(e))
            return self.answer(500, {"status": "error"})
        self.answer(200, {"status": "ok", "db_host": E["DB_HOST"],
                          "redis_host": E["REDIS_HOST"], "users": users,
                          "redis": pong})


def scheduler():
    while True:
        time.sleep(0.5)
        if os.path.exists(DOWN):
            continue
        try:
            for q in ("high", "default", "notifications"):
                redis([["RPUSH", "queues:" + q, json.dumps({"job": "Ping", "at": time.time()})]])
        except OSError as e:
            log_error("queue push: %s" % e)
            time.sleep(1)


threading.Thread(target=scheduler, daemon=True).start()
srv = http.server.ThreadingHTTPServer((bind, port), H)
srv.daemon_threads = True
srv.serve_forever()
