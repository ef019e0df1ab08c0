#!/bin/sh
# deb.sh VERSION - build cutover_VERSION_ARCH.deb from this tree's build:
# `make install` into a staging directory with PREFIX=/usr, a control file
# whose Depends are the Debian packages that hold the shared libraries the
# binary links (so `apt install ./cutover_*.deb` pulls them on a host), and
# dpkg-deb.  Only the project's own files go in the package.
set -eu
version=$1
cd "$(dirname "$0")/.."
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
make -s install DESTDIR="$stage" PREFIX=/usr MANPREFIX=/usr/share/man >/dev/null
gzip -9n "$stage"/usr/share/man/man1/cutover.1 "$stage"/usr/share/man/man5/cutover-plan.5
strip --strip-unneeded "$stage/usr/bin/cutover"

# One Depends entry per package providing a NEEDED library, at least the
# upstream version built against.  The libraries loaded on first use
# (src/lib/lazy.c) are not NEEDED: their SONAMEs are the strings of the
# binary's table, so a build without one (WITH_PG=0) does not ask for it.
deps=""
for so in $(objdump -p build/cutover | awk '$1 == "NEEDED" { print $2 }') \
    $(strings -a build/cutover | grep -E '^lib[A-Za-z0-9_+-]+\.so(\.[0-9]+)+$' |
    sort -u); do
	path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
	[ -n "$path" ] || { echo "deb: $so: not found by ldconfig" >&2; exit 1; }
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1) ||
	    true
	[ -n "$pkg" ] || pkg=$(dpkg -S "$path" | head -n1 | cut -d: -f1)
	ver=$(dpkg-query -W -f='${Version}' "$pkg" | sed 's/-[^-]*$//')
	case " $deps " in *" $pkg "*) continue ;; esac
	deps="$deps $pkg (>= $ver),"
done
deps=$(echo "$deps" | sed 's/^ //; s/,$//')
size=$(du -sk "$stage" | cut -f1)

mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CTL
Package: cutover
Version: $version
Architecture: $arch
Maintainer: cutover developers <cutover@localhost>
Installed-Size: $size
Depends: $deps
Section: admin
Priority: optional
Description: run a production migration as an executable, verifiable plan
 A risk register bound to checks that really run, data verification that
 proves the target database holds exactly the source's rows, a journaled
 runbook with go/no-go gates and rollback, and a report.
CTL
out="cutover_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "deb: $out ($(du -k "$out" | cut -f1) KiB; Depends: $deps)"
