#!/bin/sh
# xfchatctl.sh start|stop v1|v2 - what `systemctl start|stop
# xfchat-server-vN` does in the seed's rollback procedure, for the
# simulated app host: the server runs from $XF_HOME (env files, logs,
# pid files), on port ${XF_PORT:-3000}.  start waits until /health
# answers (exit 0) or the server exits (a startup failure, exit 1, its
# log's last lines on stderr); stop is idempotent.
set -u
cmd=${1:?start or stop} v=${2:?v1 or v2}
home=${XF_HOME:?XF_HOME is not set}
port=${XF_PORT:-3000}
pidf=$home/xfchat-$v.pid
here=$(cd "$(dirname "$0")" && pwd)

case $cmd in
start)
	if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
		echo "xfchat-server-$v already running (pid $(cat "$pidf"))"
		exit 0
	fi
	nohup /usr/bin/python3 "$here/xfchat.py" --version "$v" --port "$port" \
		--env "$home/$v.env" --log "$home/$v.log" \
		>>"$home/$v.out" 2>&1 &
	echo $! >"$pidf"
	i=0
	while [ $i -lt 100 ]; do
		if ! kill -0 "$(cat "$pidf")" 2>/dev/null; then
			echo "xfchat-server-$v exited at startup:" >&2
			tail -3 "$home/$v.log" >&2
			rm -f "$pidf"
			exit 1
		fi
		if curl -sf -o /dev/null -m 1 "http://127.0.0.1:$port/health"; then
			echo "xfchat-server-$v started (pid $(cat "$pidf"))"
			exit 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "xfchat-server-$v: /health did not answer within 10s" >&2
	exit 1
	;;
stop)
	if [ -s "$pidf" ]; then
		p=$(cat "$pidf")
		kill "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
		rm -f "$pidf"
	fi
	echo "xfchat-server-$v stopped"
	;;
*)
	echo "usage: xfchatctl.sh start|stop v1|v2" >&2
	exit 2
	;;
esac
