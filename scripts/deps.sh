#!/bin/sh
# deps.sh - install the Debian packages cutover builds and tests with, when
# missing.  Nothing else is downloaded.  Needs root (or sudo) only when
# something is missing.
set -eu

build="build-essential pkg-config clang libclang-rt-14-dev
libyaml-dev libpq-dev libmariadb-dev libsqlite3-dev libcurl4-openssl-dev
libssl-dev libhiredis-dev libmicrohttpd-dev libpcre2-dev libzstd-dev
zlib1g-dev libxxhash-dev"
# Servers and tools the tests start or read output with.
test="postgresql-15 mariadb-server redis-server nginx-light jq libxml2-utils
sqlite3 openssl iproute2 python3 zstd util-linux procps tmux
perl bsdutils python3-yaml prometheus python3-fuse fuse3 man-db
chromium bc
monitoring-plugins-basic monitoring-plugins-standard
python3-websockets libdpkg-perl"

missing=""
for p in $build $test; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
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
