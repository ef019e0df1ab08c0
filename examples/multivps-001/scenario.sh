#!/bin/bash
# scenario.sh - seeds/001 (multi-VPS production readiness) on one machine:
# the go-live of plan.yml end to end on three simulated hosts, then again
# with the seed's top risk injected: a placeholder secret left in the
# production .env of one host.
#
#   admin 203.0.113.1 ──public bridge── data 203.0.113.10  api .20  node .30
#   data 10.0.0.10 ─────private bridge── api 10.0.0.20  node 10.0.0.31, .32
#
# Each host is a network namespace plus a mount namespace of its own, in
# which /run, /var/www, /var/backups, /home, /etc/ssh/sshd_config (and on
# api /etc/nginx, /etc/supervisor; on node /etc/systemd/system) are that
# host's directories under $W/h/HOST: the plan names the seed's paths and
# each host sees its own files there.  Every host runs OpenSSH (its own
# sshd_config, key login only), fail2ban-server and the seed's ufw rules as
# iptables rules.  data: MariaDB (for MySQL 8) on the private address,
# Redis with requirepass, maxmemory-policy volatile-ttl and RDB saves.
# api: nginx with TLS for api.yourdomain.com (a CA made here), the
# Laravel stand-in (static health file and nginx locations: no PHP here),
# supervisord running the 4 queue workers, and the WebSocket LB vhost.
# node: pm2 running realtime.js as realtime-node1 and realtime-node2.
# cutover runs in admin (the seed's <admin-ip>) and reaches the hosts over
# SSH; the alert webhook goes to tests/harness/alertsink.py there.
#
# Run 1: every phase passes, the LB failover holds, a 4 s watch judges
# success, the report says completed.  Run 2: LARAVEL_API_KEY is left at
# the template's value in the new node release's .env: the node phase's
# gate says no-go naming node and the key, the previous builds come back,
# the webhook gets the no-go, the report shows it, and the value is in no
# output, report, alert or journal file.
# Needs root; prints "skipped: REASON" otherwise.  Everything is removed
# on every exit.
. "$(dirname "$0")/../lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
T0=$(date +%s%N)
lap() { echo "# $1 at $((($(date +%s%N) - T0) / 1000000)) ms"; }
sc_init multivps-001 mariadbd mariadb-install-db mariadb mariadb-dump redis-server \
	nginx node pm2 supervisord supervisorctl fail2ban-server /usr/sbin/sshd ssh \
	ssh-keygen iptables jq openssl nsenter unshare gzip

# MariaDB's system tables, made while the hosts are built.
_sc_myinit &
MYINIT=$!
sc_host admin; sc_host data; sc_host api; sc_host node
ADMIN=$SC_ID-admin
ns() { echo "$SC_ID-$1"; }

_mv_cleanup() {
	[ -n "$ADMIN" ] && rm -rf "/etc/netns/$ADMIN"
	rmdir /etc/netns 2>/dev/null
	# The host mount namespaces are pinned by files in $W/ns: detach
	# them (the namespaces end with their last process).
	[ -n "$W" ] && for f in "$W"/ns/*; do umount -l "$f" 2>/dev/null; done
	[ -n "$W" ] && umount -l "$W/ns" 2>/dev/null
	lap "cleanup begins"
	# MV_PROFILE=1: the CPU seconds of what still runs in the hosts.
	[ -n "${MV_PROFILE:-}" ] && ps -o comm=,cputimes= -p "$(_sc_ns_pids | paste -sd,)" |
		sort -k2 -rn | head -15 | sed 's/^/# cpu: /'
	# Everything in the hosts gets SIGTERM now (pm2's daemon and apps,
	# fail2ban, sshd, the servers), so that _sc_cleanup's wait ends as
	# soon as they are gone.
	kill $(_sc_ns_pids) 2>/dev/null
	_sc_cleanup
	echo "# cleanup done at $((($(date +%s%N) - T0) / 1000000)) ms" >&2
}
trap _mv_cleanup EXIT

export DB_PASSWORD REDIS_PASSWORD INTERNAL_API_KEY JWT_SECRET
DB_PASSWORD=$(openssl rand -hex 20) REDIS_PASSWORD=$(openssl rand -hex 20)
INTERNAL_API_KEY=$(openssl rand -hex 24) JWT_SECRET=$(openssl rand -base64 36)
SENTRY_KEY=$(openssl rand -hex 16)
APP_KEY=base64:$(openssl rand -base64 32)
PLACEHOLDER=REPLACE_ME_STRONG

# wait_tcp NS HOST PORT: until something accepts there (15 s); bash's
# /dev/tcp, not a Python per call (slow to start on a busy machine).
wait_tcp() {
	ip netns exec "$1" bash -c 'for _ in $(seq 150); do
		timeout 0.5 bash -c "exec 3<>/dev/tcp/$0/$1" 2>/dev/null && exit 0
		sleep 0.1; done; exit 1' "$2" "$3"
}

# ---- network: a public bridge in admin, a private one in data ----------
set -e
ip -n "$ADMIN" link add brpub type bridge
ip -n "$ADMIN" addr add 203.0.113.1/24 dev brpub
ip -n "$ADMIN" link set brpub up
ip -n "$(ns data)" link add brpriv type bridge
ip -n "$(ns data)" addr add 10.0.0.10/24 dev brpriv
ip -n "$(ns data)" link set brpriv up
port() { # BRNS BR NS IF ADDR...: a veth from NS into the bridge BR in BRNS
	local brns=$1 br=$2 n=$3 ifc=$4 a; shift 4
	ip link add name "$br-$n" netns "$brns" type veth peer name "$ifc" netns "$(ns "$n")"
	ip -n "$brns" link set "$br-$n" master "$br" up
	for a; do ip -n "$(ns "$n")" addr add "$a" dev "$ifc"; done
	ip -n "$(ns "$n")" link set "$ifc" up
}
port "$ADMIN" brpub data pub 203.0.113.10/24
port "$ADMIN" brpub api pub 203.0.113.20/24
port "$ADMIN" brpub node pub 203.0.113.30/24
port "$(ns data)" brpriv api priv 10.0.0.20/24
port "$(ns data)" brpriv node priv 10.0.0.31/24 10.0.0.32/24
set +e
# The admin machine knows the public names (the seed's DNS records).
mkdir -p "/etc/netns/$ADMIN"
printf '127.0.0.1 localhost\n203.0.113.20 api.yourdomain.com ws.yourdomain.com\n' \
	>"/etc/netns/$ADMIN/hosts"

# ---- ufw, as iptables rules (the seed's "Firewall" blocks) -------------
fw() { # HOST RULES...: one iptables-restore per host
	local n r; n=$(ns "$1"); shift
	{
		echo '*filter'
		echo ':INPUT DROP [0:0]'
		echo '-A INPUT -i lo -j ACCEPT'
		echo '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'
		echo '-A INPUT -p tcp -s 203.0.113.1/32 --dport 22 -j ACCEPT'
		for r; do echo "-A INPUT -p tcp $r -j ACCEPT"; done
		# ufw's "deny" drops; here the rest is refused at once (as
		# "ufw default reject incoming"), so that "closed" probes need
		# not wait for their timeout (README, "Gaps").
		echo '-A INPUT -p tcp -j REJECT --reject-with tcp-reset'
		echo COMMIT
	} | ip netns exec "$n" iptables-restore || { nok "iptables in $n"; exit 1; }
}
fw data "-s 10.0.0.0/8 --dport 3306" "-s 10.0.0.0/8 --dport 6379"
fw api "--dport 80" "--dport 443"
fw node "-s 10.0.0.20/32 --dport 3000"

lap "network up"

# ---- hosts: a mount namespace each -------------------------------------
. "$SC_ROOT/tests/harness/sshd.sh"
export SSH_DIR=$W/ssh CUTOVER_SSH_DIR=$W/ctl CUTOVER_BIN=$CUTOVER
mkdir -p "$CUTOVER_SSH_DIR" && chmod 700 "$CUTOVER_SSH_DIR"
sshd_keys "$SSH_DIR"
mkdir -p "$W/ns" && mount --bind "$W/ns" "$W/ns" && mount --make-private "$W/ns" ||
	{ nok "a private mount for the namespaces"; exit 1; }
hx() { local h=$1; shift; nsenter --mount="$W/ns/$h" --net="/run/netns/$(ns "$h")" "$@"; }
hxbg() {
	local h=$1; shift
	hx "$h" "$@" >>"$W/bg.log" 2>&1 &
	SC_PID=$!; SC_PIDS="$SC_PIDS $SC_PID"
}
mkhost() { # HOST PUBLIC_ADDR BIND...  (BIND: DST, its source is $W/h/HOST/DST)
	local h=$1 addr=$2 d=$W/h/$1 m=""; shift 2
	mkdir -p "$d/run/sshd" "$d/run/fail2ban" "$d/var/www" "$d/var/backups" "$d/home" "$d/etc/ssh"
	for m; do mkdir -p "$d$m"; done
	sshd_hostkey "$SSH_DIR" "$h" "$addr"
	cat >"$d/etc/ssh/sshd_config" <<-EOF
	# /etc/ssh/sshd_config on $h: the seed's hardening after key access
	Port 22
	ListenAddress $addr
	HostKey $SSH_DIR/hostkey$h
	AuthorizedKeysFile $SSH_DIR/authorized_keys
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PermitRootLogin prohibit-password
	StrictModes no
	MaxSessions 100
	MaxStartups 100
	PidFile /run/sshd.pid
	EOF
	cp -a /etc/fail2ban "$d/fail2ban" && rm -f "$d"/fail2ban/jail.d/*
	touch "$W/ns/$h"
	local binds="/run /var/www /var/backups /home /etc/ssh/sshd_config:/etc/ssh/sshd_config"
	binds="$binds /fail2ban:/etc/fail2ban"
	for m; do binds="$binds $m"; done
	# This machine's ~/.bashrc starts pyenv (seconds per ssh session
	# under load): the hosts get a plain one, as servers have.
	unshare --mount="$W/ns/$h" --propagation private sh -ec '
		d=$1 bashrc=$2; shift 2
		for b; do src=${b%%:*} dst=${b#*:}
			mount --bind "$d$src" "$dst"; done
		[ -f "$HOME/.bashrc" ] && mount --bind "$bashrc" "$HOME/.bashrc"; :' \
		sh "$d" "$SSH_DIR/bashrc" $(for b in $binds; do case $b in
			*:*) echo "$b" ;; *) echo "$b:$b" ;; esac; done) ||
		{ nok "mount namespace of $h"; exit 1; }
	hxbg "$h" /usr/sbin/sshd -D -f /etc/ssh/sshd_config -E "$W/sshd-$h.log"
	hxbg "$h" fail2ban-server -f -x -c /etc/fail2ban -s /run/fail2ban/fail2ban.sock \
		-p /run/fail2ban/fail2ban.pid
}
mkhost data 203.0.113.10
mkdir -p "$W/h/api/etc/nginx" "$W/h/api/etc/supervisor" "$W/h/node/etc/systemd/system"
mkhost api 203.0.113.20 /etc/nginx /etc/supervisor
mkhost node 203.0.113.30 /etc/systemd/system
chmod 755 "$W/h" "$W/h"/*

# ---- node: two releases of realtime-service, pm2 ------------------------
N=$W/h/node
node_release() { # VERSION
	local r=$N/var/www/releases/realtime-service-$1
	mkdir -p "$r"
	cp "$HERE/realtime.js" "$r/"
	printf '{"name":"realtime-service","version":"%s","private":true}\n' "$1" >"$r/package.json"
	cat >"$r/ecosystem.config.js" <<-'EOF'
	const app = (n, host) => ({ name: 'realtime-node' + n, script: 'realtime.js',
		cwd: '/var/www/realtime-service', autorestart: true,
		env_production: { NODE_ENV: 'production', HOST: host, PORT: 3000, INSTANCE: 'node' + n } });
	module.exports = { apps: [app(1, '10.0.0.31'), app(2, '10.0.0.32')] };
	EOF
	cat >"$r/.env" <<-EOF
	NODE_ENV=production
	PORT=3000
	HOST=0.0.0.0
	REDIS_HOST=10.0.0.10
	REDIS_PORT=6379
	REDIS_PASSWORD=$REDIS_PASSWORD
	LARAVEL_API_URL=http://10.0.0.20
	LARAVEL_API_KEY=$INTERNAL_API_KEY
	JWT_SECRET=$JWT_SECRET
	WS_CORS_ORIGIN=https://app.yourdomain.com
	CLUSTER_MODE=true
	WORKER_PROCESSES=2
	EOF
	chmod 600 "$r/.env"
}
node_release 2025.12.11
node_release 2025.12.18
ln -s /var/www/releases/realtime-service-2025.12.11 "$N/var/www/realtime-service"
mkdir -p "$N/home/deploy/.pm2" "$N/etc/systemd/system/multi-user.target.wants"
# What `pm2 startup systemd` and its systemctl enable leave on disk.
printf '[Unit]\nDescription=PM2 process manager\n[Service]\nType=forking\nUser=deploy\nEnvironment=PM2_HOME=/home/deploy/.pm2\nExecStart=/usr/bin/pm2 resurrect\n[Install]\nWantedBy=multi-user.target\n' \
	>"$N/etc/systemd/system/pm2-deploy.service"
ln -s /etc/systemd/system/pm2-deploy.service "$N/etc/systemd/system/multi-user.target.wants/pm2-deploy.service"
# pm2 starts its daemon and the apps (seconds of node start-up) while
# the rest is set up; the release step's `pm2 save` writes dump.pm2.
hx node env PM2_HOME=/home/deploy/.pm2 pm2 start /var/www/realtime-service/ecosystem.config.js \
	--env production >"$W/pm2.log" 2>&1 &
PM2START=$!

lap "hosts up, pm2 starting"
# ---- data: MariaDB + Redis ---------------------------------------------
wait $MYINIT || { nok "mariadb-install-db" "$(tail -5 "$W/my-init.log")"; exit 1; }
cp -a "$W/.myinit" "$W/h/data/mysql"
mkdir -p "$W/h/data/run/mysqld" "$W/h/data/redis" && chown mysql:mysql "$W/h/data/run/mysqld"
hxbg data mariadbd --no-defaults --user=mysql --datadir="$W/h/data/mysql/data" \
	--port=3306 --bind-address=10.0.0.10 --socket=/run/mysqld/mysqld.sock \
	--pid-file=/run/mysqld/mysqld.pid --skip-log-bin --skip-name-resolve \
	--max-connections=500 --innodb-buffer-pool-size=32M \
	--innodb-flush-log-at-trx-commit=0 --slow-query-log=1 \
	--slow-query-log-file="$W/h/data/slow.log" --log-error="$W/h/data/mysql.err"
hxbg data redis-server --port 6379 --bind 127.0.0.1 10.0.0.10 --requirepass "$REDIS_PASSWORD" \
	--maxmemory 4gb --maxmemory-policy volatile-ttl --save "3600 1" \
	--dir "$W/h/data/redis" --logfile "$W/h/data/redis.log"
wait_tcp "$(ns data)" 10.0.0.10 3306 || { nok "MariaDB did not start" "$(tail -5 "$W/h/data/mysql.err")"; exit 1; }
wait_tcp "$(ns data)" 127.0.0.1 6379 || { nok "Redis did not start"; exit 1; }
lap "MariaDB and Redis up"
# A few thousand rows; the release's migration adds the P0/P1 indexes.
hx data mariadb <<EOF || { nok "schema and data"; exit 1; }
CREATE DATABASE smartline_production CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'smartline_app'@'10.%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON smartline_production.* TO 'smartline_app'@'10.%';
GRANT SELECT ON smartline_restore_test.* TO 'smartline_app'@'10.%';
USE smartline_production;
CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40), phone VARCHAR(20));
CREATE TABLE trip_requests (id INT PRIMARY KEY, zone_id INT, current_status VARCHAR(16),
  customer_id INT, fare DECIMAL(8,2));
CREATE TABLE trip_accepts (id INT PRIMARY KEY, trip_request_id INT, driver_id INT, accepted_at DATETIME);
CREATE TABLE transactions (id INT PRIMARY KEY, user_id INT, amount DECIMAL(10,2), created_at DATETIME);
CREATE TABLE payment_events (id INT PRIMARY KEY, gateway VARCHAR(16), gateway_event_id VARCHAR(40),
  user_id INT, created_at DATETIME);
CREATE TABLE user_last_locations (user_id INT PRIMARY KEY, zone_id INT, type VARCHAR(8),
  location POINT NOT NULL);
INSERT INTO users SELECT seq, CONCAT('user', seq), CONCAT('+7900', LPAD(seq, 7, '0')) FROM seq_1_to_2000;
INSERT INTO trip_requests SELECT seq, seq % 25, ELT(seq % 4 + 1, 'pending', 'accepted', 'ongoing', 'completed'),
  seq % 2000 + 1, seq / 9 FROM seq_1_to_3000;
INSERT INTO trip_accepts SELECT seq, seq, seq % 300 + 1, '2025-12-01' + INTERVAL seq MINUTE FROM seq_1_to_2500;
INSERT INTO transactions SELECT seq, seq % 2000 + 1, seq * 1.25, '2025-12-01' + INTERVAL seq MINUTE FROM seq_1_to_3000;
INSERT INTO payment_events SELECT seq, 'gateway', CONCAT('evt_', seq), seq % 2000 + 1,
  '2025-12-01' + INTERVAL seq MINUTE FROM seq_1_to_1500;
INSERT INTO user_last_locations SELECT seq, seq % 25, IF(seq % 3 = 0, 'driver', 'customer'),
  POINT(37.5 + seq / 10000, 55.7 + seq / 10000) FROM seq_1_to_2000;
EOF
mkdir -p "$W/h/data/var/www/migrations"
cat >"$W/h/data/var/www/migrations/2025.12.18.sql" <<'EOF'
-- P0 indexes, P0 trip race (unique accept), P0 webhooks (unique gateway
-- event id), P1 spatial index.  IF NOT EXISTS: safe to run again.
CREATE INDEX IF NOT EXISTS trip_requests_zone_status ON trip_requests (zone_id, current_status);
CREATE INDEX IF NOT EXISTS user_last_locations_zone_type ON user_last_locations (zone_id, type);
CREATE INDEX IF NOT EXISTS transactions_user_date ON transactions (user_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS trip_accepts_trip_unique ON trip_accepts (trip_request_id);
CREATE UNIQUE INDEX IF NOT EXISTS payment_events_gateway_event ON payment_events (gateway_event_id);
CREATE SPATIAL INDEX IF NOT EXISTS user_last_locations_location ON user_last_locations (location);
EOF

lap "data loaded"
# ---- TLS: a CA and the two names, 90 days as Let's Encrypt gives -------
(
	cd "$W" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj /CN=SmartLine-test-CA -days 30 -keyout ca.key -out ca.pem &&
	for n in api ws; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=$n.yourdomain.com" -keyout "$n.key" -out "$n.csr" &&
		printf 'subjectAltName=DNS:%s.yourdomain.com\n' "$n" >"$n.ext" &&
		openssl x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 90 -extfile "$n.ext" -out "$n.crt" || exit 1
	done
) >"$W/tls.log" 2>&1 || { nok "certificates" "$(cat "$W/tls.log")"; exit 1; }
export SSL_CERT_FILE=$W/ca.pem

lap "TLS ready"
# ---- api: releases, nginx, supervisor ----------------------------------
A=$W/h/api
api_release() { # VERSION
	local r=$A/var/www/releases/smartline-$1
	mkdir -p "$r/public" "$r/storage/logs" "$r/bootstrap/cache" "$r/config"
	printf '{"status":"ok","release":"%s"}\n' "$1" >"$r/public/health.json"
	echo '<?php require __DIR__."/../bootstrap/app.php";' >"$r/public/index.php"
	printf '<?php return ["name" => "SmartLine", "key" => env("APP_KEY")];\n' >"$r/config/app.php"
	printf '#!/bin/sh\n# stand-in for php artisan queue:work (no PHP here)\nwhile :; do sleep 30; done\n' >"$r/artisan"
	printf '{"message":"Queue worker started","level_name":"INFO","channel":"production","datetime":"2025-12-18T01:%02d:00+00:00"}\n' \
		1 2 3 >"$r/storage/logs/laravel.log"
	cat >"$r/.env" <<-EOF
	APP_ENV=production
	APP_DEBUG=false
	APP_KEY=$APP_KEY
	APP_URL=https://api.yourdomain.com
	DB_CONNECTION=mysql
	DB_HOST=10.0.0.10
	DB_PORT=3306
	DB_DATABASE=smartline_production
	DB_USERNAME=smartline_app
	DB_PASSWORD=$DB_PASSWORD
	REDIS_HOST=10.0.0.10
	REDIS_PORT=6379
	REDIS_PASSWORD=$REDIS_PASSWORD
	CACHE_DRIVER=redis
	SESSION_DRIVER=redis
	QUEUE_CONNECTION=redis
	INTERNAL_API_KEY=$INTERNAL_API_KEY
	NODEJS_REALTIME_URL=http://10.0.0.31:3000
	JWT_SECRET=$JWT_SECRET
	SENTRY_LARAVEL_DSN=https://$SENTRY_KEY@o42.ingest.sentry.io/4242
	EOF
	chmod 600 "$r/.env"
	chown -R www-data:www-data "$r/storage" "$r/bootstrap/cache"
}
api_release 2025.12.11
api_release 2025.12.18
ln -s /var/www/releases/smartline-2025.12.11 "$A/var/www/smartline"
cp /etc/nginx/mime.types "$A/etc/nginx/"
mkdir -p "$A/etc/nginx/ssl" "$A/etc/nginx/sites-available" "$A/etc/nginx/sites-enabled" "$A/run/nginx"
cp "$W/api.crt" "$W/api.key" "$W/ws.crt" "$W/ws.key" "$A/etc/nginx/ssl/"
cat >"$A/etc/nginx/nginx.conf" <<'EOF'
user www-data;
worker_processes 1;
pid /run/nginx.pid;
error_log /run/nginx/error.log;
events { worker_connections 256; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	client_body_temp_path /run/nginx/body;
	proxy_temp_path /run/nginx/proxy;
	fastcgi_temp_path /run/nginx/fastcgi;
	uwsgi_temp_path /run/nginx/uwsgi;
	scgi_temp_path /run/nginx/scgi;
	include /etc/nginx/sites-enabled/*;
}
EOF
# The seed's vhost; the Laravel routes the checks probe are nginx
# locations here (no PHP on this machine), as the app answers them.
cat >"$A/etc/nginx/sites-available/smartline" <<EOF
server {
	listen 80;
	server_name api.yourdomain.com;
	return 301 https://\$host\$request_uri;
}
server {
	listen 443 ssl;
	server_name api.yourdomain.com;
	ssl_certificate /etc/nginx/ssl/api.crt;
	ssl_certificate_key /etc/nginx/ssl/api.key;
	root /var/www/smartline/public;
	index index.php;
	location = /health { default_type application/json; try_files /health.json =503; }
	location = /api/payments/webhook {
		if (\$http_x_signature = "") { return 401; }
		return 200;
	}
	location = /api/auth/otp {
		add_header X-RateLimit-Limit 5 always;
		return 200 '{"sent":true}';
	}
	location = /api/internal/callback {
		if (\$http_x_internal_api_key != "$INTERNAL_API_KEY") { return 401; }
		return 200 '{"ok":true}';
	}
	location / { try_files \$uri \$uri/ =404; }
	location ~ /\.(?!well-known).* { deny all; }
}
EOF
cat >"$A/etc/nginx/sites-available/realtime-lb" <<'EOF'
upstream websocket_backend {
	ip_hash;
	server 10.0.0.31:3000 max_fails=3 fail_timeout=30s;
	server 10.0.0.32:3000 max_fails=3 fail_timeout=30s;
}
server {
	listen 443 ssl;
	server_name ws.yourdomain.com;
	ssl_certificate /etc/nginx/ssl/ws.crt;
	ssl_certificate_key /etc/nginx/ssl/ws.key;
	location / {
		proxy_pass http://websocket_backend;
		proxy_http_version 1.1;
		proxy_set_header Upgrade $http_upgrade;
		proxy_set_header Connection "upgrade";
		proxy_set_header Host $host;
		proxy_set_header X-Forwarded-For $remote_addr;
		proxy_read_timeout 3600;
	}
}
EOF
ln -s ../sites-available/smartline "$A/etc/nginx/sites-enabled/smartline"
hxbg api nginx -g 'daemon off;'
mkdir -p "$A/etc/supervisor/conf.d"
cat >"$A/etc/supervisor/supervisord.conf" <<'EOF'
[unix_http_server]
file=/var/run/supervisor.sock
chmod=0700
[supervisord]
logfile=/run/supervisord.log
pidfile=/run/supervisord.pid
childlogdir=/run
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix:///var/run/supervisor.sock
[include]
files = /etc/supervisor/conf.d/*.conf
EOF
cat >"$A/etc/supervisor/conf.d/smartline-worker.conf" <<'EOF'
[program:smartline-worker]
process_name=%(program_name)s_%(process_num)02d
command=/bin/sh /var/www/smartline/artisan queue:work redis --sleep=3 --tries=3 --max-time=3600
autostart=true
autorestart=true
numprocs=4
user=www-data
redirect_stderr=true
stdout_logfile=/var/www/smartline/storage/logs/worker.log
stopwaitsecs=3600
EOF
hxbg api supervisord -n -c /etc/supervisor/supervisord.conf

lap "api up"
# ---- admin: the alert receiver -----------------------------------------
sc_bg "$ADMIN" /usr/bin/python3 "$SC_ROOT/tests/harness/alertsink.py" 8099 "$W/alerts.log"
export ALERT_URL=http://127.0.0.1:8099/hook
for h in data api node; do
	wait_tcp "$(ns "$h")" "$(sed -n 's/^ListenAddress //p' "$W/h/$h/etc/ssh/sshd_config")" 22 ||
		{ nok "sshd on $h" "$(cat "$W/sshd-$h.log")"; exit 1; }
done
wait_tcp "$(ns api)" 203.0.113.20 443 || { nok "nginx did not start" "$(cat "$A/run/nginx/error.log")"; exit 1; }
wait $PM2START || { nok "pm2 start" "$(tail -20 "$W/pm2.log")"; exit 1; }
wait_tcp "$(ns node)" 10.0.0.32 3000 || { nok "realtime-node2 did not start"; exit 1; }
wait_tcp "$ADMIN" 127.0.0.1 8099 || { nok "alertsink did not start"; exit 1; }
lap "topology up"

# ---- the plan ------------------------------------------------------------
cp "$HERE/plan.yml" "$HERE/env-api.schema.yml" "$W/"
PLAN=$W/plan.yml
GO_LIVE=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M)
VARS=(--var "go_live=$GO_LIVE" --var app_memory=1MB --var app_cpus=1 --var data_memory=1MB
	--var data_cpus=1 --var buffer_pool=33554432 --var root_login=prohibit-password
	--var watch_every=1s --var watch_for=4s --var "env_schema=$W/env-api.schema.yml")
cv() { (cd "$W" && ip netns exec "$ADMIN" "$CUTOVER" "$@"); }

sc_expect_rc 0 "plan.yml lints" cv lint -q "${VARS[@]}" "$PLAN"
sc_expect_rc 0 "T-minus items confirmed" cv confirm "${VARS[@]}" "$PLAN" \
	secrets-rotated staging-load-test webhook-retries snapshot-ready --note "scenario"
sc_expect_rc 0 "go-live sign-off approved by the tech lead" cv approve "${VARS[@]}" "$PLAN" go-live-signoff

# no_value FILES... : none of the secrets, nor the placeholder, in them
no_value() {
	local what=$1; shift
	if grep -a -l -F -e "$DB_PASSWORD" -e "$REDIS_PASSWORD" -e "$INTERNAL_API_KEY" \
	    -e "$JWT_SECRET" -e "${APP_KEY#base64:}" -e "$PLACEHOLDER" "$@" >"$W/leak" 2>/dev/null; then
		nok "$what: a secret or the placeholder value appears" "$(cat "$W/leak")"
	else ok "$what: no secret and no placeholder value in $# files"; fi
}
rq() { jq -r "$1" "$W/$2.json" 2>/dev/null; }

# ---- run 1: the go-live ---------------------------------------------------
t=$(date +%s%N)
cv run "${VARS[@]}" "$PLAN" --yes >"$W/run1.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - t) / 1000000))
lap "run 1 done"
[ $rc -eq 0 ] && ok "run 1: the go-live completes (exit 0, ${ms} ms)" ||
	nok "run 1: exit $rc" "$(tail -40 "$W/run1.out")"
cv report "$PLAN" --format json -o "$W/report1.json" 2>/dev/null
cv report "$PLAN" -o "$W/report1.md" 2>/dev/null
spent() { # REPORT: where the time went
	rq '"# phases: " + ([.phases[] | "\(.id) \(.duration_ms)"] | join(", ")) + " ms"' "$1"
	rq '"# slowest checks: " + ([.checks | sort_by(-.duration_ms) | .[0:6][] | "\(.id) \(.duration_ms)"] | join(", ")) + " ms"' "$1"
}
spent report1
cv status "$PLAN" --format json >"$W/status1.json" 2>/dev/null
[ "$(rq .state status1)" = completed ] && ok "run 1: the journal's state is completed" ||
	nok "run 1: journal state $(rq .state status1)"
[ "$(rq .state report1)" = completed ] && [ "$(rq .verdict report1)" = "GO: completed" ] &&
	ok "run 1: report says completed, go" ||
	nok "run 1: report state $(rq .state report1) verdict $(rq .verdict report1)"
n=$(rq '[.phases[] | select(.state == "done")] | length' report1)
[ "$n" = 7 ] && ok "run 1: all 7 phases done" || nok "run 1: $n phases done" \
	"$(rq '.phases[] | "\(.id) \(.state)"' report1)"
f=$(rq '[.checks[] | select(.status == "fail") | .id] | unique | join(" ")' report1)
[ -z "$f" ] && ok "run 1: no check failed" || nok "run 1: failing checks: $f" \
	"$(rq '.checks[] | select(.status == "fail") | "\(.id): \(.message)"' report1)"
s=$(rq '[.watches[0].success[] | .verdict] | unique | join(",")' report1)
[ "$s" = pass ] && ok "run 1: the watch's success rules all pass ($(rq '.watches[0].success | length' report1) rules)" ||
	nok "run 1: success verdicts: $s" "$(rq '.watches[0]' report1)"
[ "$(rq '[.watches[0].checks[] | .samples] | min' report1)" -ge 3 ] 2>/dev/null &&
	ok "run 1: every watched check sampled at least 3 times" ||
	nok "run 1: watched samples" "$(rq '.watches[0].checks' report1)"
# Node's LARAVEL_API_KEY and JWT_SECRET against api's .env, across hosts.
sc_expect_rc 0 "run 1: env-node's shared keys equal api's" cv check "${VARS[@]}" "$PLAN" \
	--only env-node --format json
d=$(jq -r '.results[] | select(.id == "env-node") | .detail' "$W/.out")
case $d in
*"LARAVEL_API_KEY: equal to /var/www/smartline/.env INTERNAL_API_KEY on api"*"JWT_SECRET: equal to /var/www/smartline/.env JWT_SECRET on api"*)
	ok "run 1: env-node says both keys equal to api's (on api)" ;;
*) nok "run 1: env-node's cross-host comparison" "$d" ;;
esac
m=$(rq '[.risks[] | select(.mitigation_ready != true) | .id] | join(" ")' report1)
[ -z "$m" ] && ok "run 1: every risk's mitigation is ready (10 risks)" || nok "run 1: risks not ready: $m"
[ "$(hx api readlink /var/www/smartline)" = /var/www/releases/smartline-2025.12.18 ] &&
[ "$(hx node readlink /var/www/realtime-service)" = /var/www/releases/realtime-service-2025.12.18 ] &&
	ok "run 1: the new releases are live on api and node" || nok "run 1: releases not switched"
grep -q 'run\.done' "$W/alerts.log" 2>/dev/null &&
	ok "run 1: the webhook received run.done" || nok "run 1: no run.done at the webhook" "$(cat "$W/alerts.log")"

# ---- run 2: a placeholder secret left in node's new .env ------------------
# The previous builds are live again (as before a go-live), and the new
# node release carries the template's LARAVEL_API_KEY.
hx api sh -c 'ln -sfn /var/www/releases/smartline-2025.12.11 /var/www/smartline'
hx node sh -c 'ln -sfn /var/www/releases/realtime-service-2025.12.11 /var/www/realtime-service'
sed -i "s/^LARAVEL_API_KEY=.*/LARAVEL_API_KEY=$PLACEHOLDER     # matches INTERNAL_API_KEY/" \
	"$N/var/www/releases/realtime-service-2025.12.18/.env"
: >"$W/alerts.log"
t=$(date +%s%N)
cv run "${VARS[@]}" "$PLAN" --yes --new >"$W/run2.out" 2>&1
rc=$?
ms=$((($(date +%s%N) - t) / 1000000))
[ $rc -eq 1 ] && ok "run 2: no-go (exit 1, ${ms} ms)" || nok "run 2: exit $rc, expected 1" "$(tail -40 "$W/run2.out")"
cv report "$PLAN" --format json -o "$W/report2.json" 2>/dev/null
cv report "$PLAN" -o "$W/report2.md" 2>/dev/null
cv status "$PLAN" --format json >"$W/status2.json" 2>/dev/null
spent report2
[ "$(rq .state status2)" = rolled-back ] && [ "$(rq .run status2)" = 2 ] &&
	ok "run 2: the journal's state is rolled-back (run 2)" ||
	nok "run 2: journal state $(rq .state status2), run $(rq .run status2)"
[ "$(rq .state report2)" = rolled-back ] && ok "run 2: report says rolled-back" ||
	nok "run 2: report state $(rq .state report2)" "$(rq .reason report2)"
d=$(rq '.decisions[] | select(.decision == "no-go") | .phase' report2)
[ "$d" = node ] && ok "run 2: the no-go is the node phase's gate" ||
	nok "run 2: no-go decisions at '$d'" "$(rq '.decisions' report2)"
f=$(rq '[.checks[] | select(.status == "fail") | .id] | unique | join(" ")' report2)
[ "$f" = env-node ] && ok "run 2: env-node is the one failing check" || nok "run 2: failing checks: $f" \
	"$(rq '.checks[] | select(.status == "fail") | "\(.id): \(.message)"' report2)"
msg=$(rq '.checks[] | select(.id == "env-node") | .message' report2)
if printf '%s' "$msg" | grep -q 'LARAVEL_API_KEY' && printf '%s' "$msg" | grep -q 'on node'; then
	ok "run 2: env-node names the host and the key: $msg"
else nok "run 2: env-node's message does not name node and LARAVEL_API_KEY" "$msg"; fi
printf '%s' "$msg" | grep -q 'LARAVEL_API_KEY differs' &&
	ok "run 2: env-node also says LARAVEL_API_KEY differs from api's INTERNAL_API_KEY" ||
	nok "run 2: env-node's message lacks the cross-host difference" "$msg"
grep -q 'no-go' "$W/run2.out" && grep 'env-node' "$W/run2.out" | grep -q 'LARAVEL_API_KEY.*on node' &&
	ok "run 2: the run's output says no-go and names the key on node" ||
	nok "run 2: the run's output lacks the no-go or the key" "$(grep -i -e nogo -e no-go -e env-node "$W/run2.out")"
grep -q 'LARAVEL_API_KEY' "$W/report2.md" && grep -q 'env-node' "$W/report2.md" &&
	ok "run 2: the markdown report shows env-node and the key" || nok "run 2: report2.md lacks the finding"
r=$(rq '[.risks[] | select(.id == "P0-secrets") | .mitigation_ready] | .[0]' report2)
[ "$r" = false ] && ok "run 2: risk P0-secrets is not mitigated in the report" || nok "run 2: P0-secrets mitigation_ready=$r"
[ "$(hx node readlink /var/www/realtime-service)" = /var/www/releases/realtime-service-2025.12.11 ] &&
[ "$(hx api readlink /var/www/smartline)" = /var/www/releases/smartline-2025.12.11 ] &&
	ok "run 2: the previous app and node builds are live again" ||
	nok "run 2: builds after the rollback: $(hx api readlink /var/www/smartline) $(hx node readlink /var/www/realtime-service)"
u=$(rq '[.rollback[] | select(.state != "ok") | .action] | join(" ")' report2)
[ -z "$u" ] && [ "$(rq '.rollback | length' report2)" -ge 3 ] 2>/dev/null &&
	ok "run 2: rollback: $(rq '[.rollback[] | .step // .action] | join(", ")' report2)" ||
	nok "run 2: rollback actions" "$(rq '.rollback' report2)"
# The alert: a no-go for node, and env-node's failure naming the key.
for _ in $(seq 50); do grep -q 'rollback.done' "$W/alerts.log" 2>/dev/null && break; sleep 0.1; done
jq -r '.body' "$W/alerts.log" >"$W/alerts.bodies" 2>/dev/null
alert() { [ "$(jq -s "map(select($1)) | length" "$W/alerts.bodies" 2>/dev/null)" -gt 0 ] 2>/dev/null; }
if alert '.event == "gate.nogo" and .phase == "node"'; then
	ok "run 2: the webhook received gate.nogo for phase node"
else nok "run 2: no gate.nogo for node at the webhook" "$(cat "$W/alerts.bodies")"; fi
if alert '.event == "check.fail" and .check == "env-node" and (.message | test("LARAVEL_API_KEY.*on node"))'; then
	ok "run 2: the webhook's check.fail names env-node, the key and the host"
else nok "run 2: no check.fail for env-node naming the key" "$(cat "$W/alerts.bodies")"; fi
alert '.event == "rollback.done"' &&
	ok "run 2: the webhook received rollback.done" || nok "run 2: no rollback.done at the webhook"

# ---- nothing secret anywhere ---------------------------------------------
no_value "outputs, reports, alerts" "$W/run1.out" "$W/run2.out" "$W/report1.json" "$W/report1.md" \
	"$W/report2.json" "$W/report2.md" "$W/status1.json" "$W/status2.json" "$W/alerts.log"
no_value "journal" "$W"/.cutover/*

echo "# scenario time: $((($(date +%s%N) - T0) / 1000000)) ms"
sc_finish
