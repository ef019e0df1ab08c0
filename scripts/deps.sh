#!/bin/sh
# deps.sh [build|test] - install the Debian packages cutover needs, when
# missing.  `build`: what compiling and `make demo` need (the compiler, the
# -dev libraries, sqlite3).  `test` (the default): that plus the servers and
# tools `make check` starts or reads output with.  Nothing else is
# downloaded.  Needs root (or sudo) only when something is missing.
set -eu
set_=${1:-test}
case $set_ in
build|test) ;;
*) echo "usage: deps.sh [build|test]" >&2; exit 2 ;;
esac

build="build-essential pkg-config sqlite3
libldns-dev libsystemd-dev
libyaml-dev libpq-dev libmariadb-dev libsqlite3-dev libcurl4-openssl-dev
libssl-dev libhiredis-dev libmicrohttpd-dev libpcre2-dev libzstd-dev
zlib1g-dev libxxhash-dev libgit2-dev libjansson-dev libxml2-dev"
# Servers and tools the tests start or read output with.
test="clang libclang-rt-14-dev postgresql-15 mariadb-server redis-server nginx-light jq libxml2-utils
openssl iproute2 python3 zstd util-linux procps tmux
perl bsdutils python3-yaml prometheus python3-fuse fuse3 man-db
chromium bc wrk prometheus-node-exporter
monitoring-plugins-basic monitoring-plugins-standard
nsd dbus-daemon python3-dbus python3-gi systemd-journal-remote
monit time
python3-websockets libdpkg-perl python3-jsonschema
supervisor docker.io busybox-static openssh-server openssh-client
python3-psycopg2 fail2ban caddy"

want=$build
[ "$set_" = test ] && want="$build $test"
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# pm2 (the pm2 check's tests) comes from npm (node 20 ships its own npm,
# which conflicts with Debian's): Debian has no pm2 package.
need_pm2() { [ "$set_" = test ] && ! command -v pm2 >/dev/null 2>&1; }
[ -z "$missing" ] && ! need_pm2 && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# Services must not start at install time: the tests start their own.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 755 /usr/sbin/policy-rc.d
		trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
fi
if need_pm2 && command -v npm >/dev/null 2>&1; then
	echo "deps: npm install -g pm2"
	$SUDO npm install -g --no-audit --no-fund pm2
fi
