#!/bin/sh
# old-services.sh start|stop DIR - the old deployment's two services (the
# seed's systemd/pm2 units), busybox httpd on 127.0.0.1:8001 (API) and
# :8002 (web), each under start-stop-daemon with a pidfile: started and
# stopped by pid, as systemd would.  `start` is idempotent (a running
# service is left alone), and so is `stop`.
set -u
cmd=$1 d=$2
for s in api:8001 web:8002; do
	name=${s%%:*} port=${s#*:}
	case $cmd in
	start)
		start-stop-daemon --start --quiet --oknodo --background \
			--make-pidfile --pidfile "$d/old/$name.pid" --exec /bin/busybox -- \
			httpd -f -p "127.0.0.1:$port" -h "$d/old/$name" || exit 1 ;;
	stop)
		start-stop-daemon --stop --quiet --oknodo --retry 5 \
			--pidfile "$d/old/$name.pid" --exec /bin/busybox || exit 1 ;;
	esac
done
# Until both answer (start) or neither listens (stop), at most 5 s.
for _ in $(seq 50); do
	n=0
	for port in 8001 8002; do
		busybox wget -q -O /dev/null "http://127.0.0.1:$port/health" 2>/dev/null ||
		busybox wget -q -O /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null && n=$((n + 1))
	done
	[ "$cmd" = start ] && [ $n -eq 2 ] && exit 0
	[ "$cmd" = stop ] && [ $n -eq 0 ] && exit 0
	sleep 0.1
done
echo "old services did not $cmd" >&2
exit 1
