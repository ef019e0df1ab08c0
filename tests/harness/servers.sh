# servers.sh - start real servers on free 127.0.0.1 ports for the tests.
# Source it, call start_* functions, and `stop_all` (trap'd) at the end.
# Everything lives under $HARNESS_DIR (a temp dir), removed at stop.
#
#   start_pg        -> PG_PORT, PG_URL (postgres://postgres@127.0.0.1:P/postgres),
#                      pg_sql "SQL" [DB]   (psql as superuser)
#   start_mariadb   -> MY_PORT, MY_SOCK, MY_URL (mysql://cutover:cutover@127.0.0.1:P/cutover),
#                      my_sql "SQL" [DB]   (mariadb client as root)
#   start_redis [PW]-> REDIS_PORT, REDIS_URL
#   start_httpd     -> HTTP_PORT, HTTP_URL (tests/harness/httpd.py)
#   start_tls CERT KEY -> TLS_PORT (openssl s_server -www)
#   make_cert NAME SAN [DAYS] [EXTRA openssl args] -> $HARNESS_DIR/NAME.{crt,key}
#   free_port       -> prints a free TCP port on 127.0.0.1

HARNESS_DIR=${HARNESS_DIR:-$(mktemp -d /tmp/cutover-harness.XXXXXX)}
chmod 755 "$HARNESS_DIR"
export HARNESS_DIR
_HARNESS_PIDS=""
# Sourced from sh, $0 is the caller: callers may say where we are.
_HARNESS_HERE=${HARNESS_HERE:-$(cd "$(dirname "${BASH_SOURCE:-$0}")" && pwd)}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
	_p=$1; _n=$(( ${2:-30} * 10 ))
	while [ "$_n" -gt 0 ]; do
		if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$_p)))" 2>/dev/null; then
			return 0
		fi
		sleep 0.1; _n=$((_n - 1))
	done
	echo "harness: nothing listens on 127.0.0.1:$_p" >&2
	return 1
}

_bg() { _HARNESS_PIDS="$_HARNESS_PIDS $1"; }

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
start_pg() {
	PG_PORT=$(free_port)
	PG_DIR=$HARNESS_DIR/pg
	mkdir -p "$PG_DIR"
	chown postgres:postgres "$PG_DIR"
	# initdb refuses to run as root: run it as postgres.
	su postgres -s /bin/sh -c "$PG_BINDIR/initdb -D $PG_DIR/data -A trust -U postgres -E UTF8 --locale=C.UTF-8" >"$HARNESS_DIR/pg-init.log" 2>&1 ||
		{ cat "$HARNESS_DIR/pg-init.log" >&2; return 1; }
	su postgres -s /bin/sh -c "$PG_BINDIR/pg_ctl -D $PG_DIR/data -l $PG_DIR/log -w -o '-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50' start" >/dev/null 2>&1 ||
		{ cat "$PG_DIR/log" >&2; return 1; }
	PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
	export PG_PORT PG_URL PG_DIR
}
pg_sql() {
	psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2:-postgres}" -tA -c "$1"
}
stop_pg() {
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] &&
		su postgres -s /bin/sh -c "$PG_BINDIR/pg_ctl -D $PG_DIR/data -m immediate stop" >/dev/null 2>&1
	PG_DIR=""
}

start_mariadb() {
	MY_PORT=$(free_port)
	MY_DIR=$HARNESS_DIR/my
	mkdir -p "$MY_DIR"
	chown mysql:mysql "$MY_DIR"
	mariadb-install-db --user=mysql --datadir="$MY_DIR/data" --auth-root-authentication-method=socket \
		--skip-test-db >"$HARNESS_DIR/my-init.log" 2>&1 ||
		{ cat "$HARNESS_DIR/my-init.log" >&2; return 1; }
	MY_SOCK=$MY_DIR/sock
	mariadbd --no-defaults --user=mysql --datadir="$MY_DIR/data" --port="$MY_PORT" \
		--bind-address=127.0.0.1 --socket="$MY_SOCK" --skip-log-bin --skip-name-resolve \
		--pid-file="$MY_DIR/pid" --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 \
		--log-error="$MY_DIR/err.log" >/dev/null 2>&1 &
	_bg $!
	MY_PID=$!
	wait_port "$MY_PORT" 60 || { cat "$MY_DIR/err.log" >&2; return 1; }
	my_sql "CREATE USER 'cutover'@'%' IDENTIFIED BY 'cutover';
	        GRANT ALL ON *.* TO 'cutover'@'%'; CREATE DATABASE cutover;"
	MY_URL="mysql://cutover:cutover@127.0.0.1:$MY_PORT/cutover"
	export MY_PORT MY_SOCK MY_URL MY_DIR
}
my_sql() {
	mariadb --no-defaults -S "$MY_SOCK" -uroot -N -B ${2:+"$2"} -e "$1"
}

start_redis() {
	REDIS_PORT=$(free_port)
	if [ -n "${1:-}" ]; then
		redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --requirepass "$1" \
			--dir "$HARNESS_DIR" --logfile "$HARNESS_DIR/redis.log" >/dev/null 2>&1 &
	else
		redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
			--dir "$HARNESS_DIR" --logfile "$HARNESS_DIR/redis.log" >/dev/null 2>&1 &
	fi
	_bg $!
	REDIS_PID=$!
	wait_port "$REDIS_PORT" 20
	REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
	export REDIS_PORT REDIS_URL REDIS_PID
}

start_httpd() {
	HTTP_PORT=$(free_port)
	python3 "$_HARNESS_HERE/httpd.py" "$HTTP_PORT" >"$HARNESS_DIR/httpd.log" 2>&1 &
	_bg $!
	HTTPD_PID=$!
	wait_port "$HTTP_PORT" 20
	HTTP_URL="http://127.0.0.1:$HTTP_PORT"
	export HTTP_PORT HTTP_URL HTTPD_PID
}

# make_cert NAME SAN [DAYS] [extra openssl req args...]
make_cert() {
	_name=$1; _san=$2; _days=${3:-30}; shift 3 2>/dev/null || shift $#
	_cn=${_san#DNS:}; _cn=${_cn%%,*}	# the first name, not the whole list
	openssl req -x509 -newkey rsa:2048 -nodes -days "$_days" -subj "/CN=$_cn" \
		-addext "subjectAltName=$_san" "$@" \
		-keyout "$HARNESS_DIR/$_name.key" -out "$HARNESS_DIR/$_name.crt" >/dev/null 2>&1
}

start_tls() {
	TLS_PORT=$(free_port)
	openssl s_server -accept "127.0.0.1:$TLS_PORT" -cert "$1" -key "$2" -www -quiet \
		>"$HARNESS_DIR/tls-$TLS_PORT.log" 2>&1 </dev/null &
	_bg $!
	TLS_PID=$!
	wait_port "$TLS_PORT" 20
	export TLS_PORT TLS_PID
}

stop_all() {
	stop_pg
	for _p in $_HARNESS_PIDS; do kill "$_p" 2>/dev/null; done
	for _p in $_HARNESS_PIDS; do wait "$_p" 2>/dev/null; done
	_HARNESS_PIDS=""
	case "$HARNESS_DIR" in /tmp/cutover-harness.*) rm -rf "$HARNESS_DIR" ;; esac
}
