#!/bin/sh
# build-image.sh TAG RELEASE - the app's image, as `docker build` would
# make it from a minimal base: busybox-static (images cannot be pulled
# here), the API and web documents, a non-root user.  Imported with
# `docker import`; DOCKER_HOST names the daemon.
set -eu
tag=$1 release=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/www/api/api" "$root/www/web/uploads"
cp /bin/busybox "$root/bin/busybox"
for x in sh httpd wget sleep test echo rm touch cat; do ln -s busybox "$root/bin/$x"; done
chmod 1777 "$root/tmp"
printf 'ok api release=%s\n' "$release" >"$root/www/api/api/health"
printf '{"items": [1, 2, 3], "release": "%s"}\n' "$release" >"$root/www/api/api/items"
printf 'ok web release=%s\n' "$release" >"$root/www/web/health"
printf '<html><body>shop release=%s</body></html>\n' "$release" >"$root/www/web/index.html"
tar -C "$root" --owner=0 --group=0 -c . |
	docker import -c 'USER 65534:65534' -c 'WORKDIR /www' - "$tag" >/dev/null
