#!/bin/sh
# deps.sh - install the Debian packages cutover builds and tests with, when
# missing.  Nothing else is downloaded.  Needs root (or sudo) only when
# something is missing.
set -eu

build="build-essential pkg-config clang libclang-rt-14-dev
libyaml-dev libpq-dev libmariadb-dev libsqlite3-dev libcurl4-openssl-dev
libssl-dev libhiredis-dev libmicrohttpd-dev libpcre2-dev libzstd-dev
zlib1g-dev libxxhash-dev libjansson-dev libxml2-dev"
# Servers and tools the tests start or read output with.
test="postgresql-15 mariadb-server redis-server nginx-light jq libxml2-utils
sqlite3 openssl iproute2 python3 zstd util-linux procps tmux
perl bsdutils python3-yaml prometheus python3-fuse fuse3 man-db
chromium bc
monitoring-plugins-basic monitoring-plugins-standard
supervisor docker.io busybox-static"

missing=""
for p in $build $test; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# pm2 (the pm2 check's tests) comes from npm (node 20 ships its own npm,
# which conflicts with Debian's): Debian has no pm2 package.
need_pm2() { ! command -v pm2 >/dev/null 2>&1; }
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
