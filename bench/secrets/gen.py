#!/usr/bin/env python3
"""gen.py DIR SIZE_MB - a tree of source-like text for bench/secrets.

Files of 16 KiB to 1 MiB in nested directories, lines drawn from a pool
of code, config and prose lines (many with near-miss words: password,
token, secret, AKIA-like, URLs without passwords), and every ~2000th
line a credential of one of the rules' kinds, random and made up here.
Deterministic for a given size (seed 5).
"""
import os, random, string, sys

out, size_mb = sys.argv[1], int(sys.argv[2])
r = random.Random(5)
AL = string.ascii_letters + string.digits

def rs(n, al=AL):
    return ''.join(r.choice(al) for _ in range(n))

POOL = [
    "def handler(event, context):", "    return {'statusCode': 200}",
    "import os, sys, json", "const express = require('express');",
    "app.get('/health', (req, res) => res.send('ok'));",
    "    password = os.environ['DB_PASSWORD']",
    "    token = request.headers.get('Authorization')",
    "DATABASE_URL=postgres://app@db:5432/app",
    "REDIS_URL=redis://cache:6379/0", "# TODO: rotate the secret yearly",
    "SECRET_KEY = env('SECRET_KEY')", "api_key: ${API_KEY}",
    "password: <password>", "for (int i = 0; i < n; i++) {",
    "    if (err != nil) { return err }", "}", "",
    "The password reset token expires after 24 hours.",
    "SELECT id, email FROM users WHERE token_hash = $1;",
    "    logger.info('connected to %s', host)",
    "<div class=\"container\"><p>Welcome</p></div>",
    "AKIA is the prefix of an AWS access key id.",
    "ghp_ tokens are GitHub personal access tokens.",
    "-----BEGIN PUBLIC KEY-----", "mysql://user@localhost/app",
    "  - name: Deploy\n    run: ./deploy.sh --env prod",
]
for _ in range(400):
    w = ' '.join(rs(r.randint(2, 10), string.ascii_lowercase) for _ in range(r.randint(3, 12)))
    POOL.append(r.choice(["    ", "", "  // ", "# "]) + w)

def secret():
    k = r.randrange(11)
    if k == 0: return "AWS_ACCESS_KEY_ID=AKIA" + rs(16, string.ascii_uppercase + "234567")
    if k == 1: return "aws_secret_access_key = " + rs(40, AL + "/+")
    if k == 2: return "maps_key = 'AIza" + rs(35, AL + "_-") + "'"
    if k == 3: return "SLACK_BOT=xoxb-" + rs(11, string.digits) + "-" + rs(24)
    if k == 4: return "bot = Bot('" + rs(10, string.digits) + ":AA" + rs(33) + "')"
    if k == 5: return "GITHUB_TOKEN=ghp_" + rs(36)
    if k == 6: return "Authorization: Bearer eyJ" + rs(20) + ".eyJ" + rs(40) + "." + rs(43)
    if k == 7: return "stripe.api_key = 'sk_live_" + rs(32) + "'"
    if k == 8: return "DATABASE_URL=postgres://app:" + rs(20) + "@10.0.0.5:5432/app"
    if k == 9: return "REDIS_URL=redis://:" + rs(24) + "@10.0.0.6:6379/0"
    return "db_password = \"" + rs(28) + "\""

total = size_mb * 1024 * 1024
written = 0
n = 0
planted = 0
while written < total:
    d = os.path.join(out, "pkg%02d" % (n % 37), "mod%03d" % (n % 211))
    os.makedirs(d, exist_ok=True)
    ext = r.choice([".py", ".js", ".go", ".yml", ".md", ".env", ".sql", ".html"])
    target = r.randint(16 * 1024, 1024 * 1024)
    lines = []
    sz = 0
    while sz < target:
        if r.randrange(2000) == 0:
            line = secret()
            planted += 1
        else:
            line = r.choice(POOL)
        lines.append(line)
        sz += len(line) + 1
    data = "\n".join(lines) + "\n"
    with open(os.path.join(d, "f%06d%s" % (n, ext)), "w") as f:
        f.write(data)
    written += len(data)
    n += 1
print("%d files, %d MiB, %d credentials planted" % (n, written >> 20, planted))
