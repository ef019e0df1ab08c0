# bench/nginx.sh - sourced by the benchmarks that need a local HTTP
# server: an nginx on a free loopback port serving $W/html (/ok answers
# "ok"), stopped and $W removed on exit (kept with KEEP=1).
#
#   W=$(mktemp -d /tmp/cutover-bench.XXXXXX); . bench/nginx.sh
#   nginx_start ['access_log ...;']   # default: access_log off;
#
# Sets PORT and NGINX (its pid).
nginx_start() {
	chmod 755 "$W"
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$W/logs" "$W/html"
	echo ok > "$W/html/ok"
	cat > "$W/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $W/nginx.pid;
error_log $W/logs/error.log;
events { worker_connections 4096; }
http {
	${1:-access_log off;}
	server {
		listen 127.0.0.1:$PORT backlog=4096;
		root $W/html;
		location / { }
	}
}
CONF
	nginx -c "$W/nginx.conf" -p "$W" &
	NGINX=$!
	trap 'kill $NGINX 2>/dev/null; wait $NGINX 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
	for i in $(seq 50); do
		python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" 2>/dev/null && break
		sleep 0.1
	done
}
