#!/bin/bash
# t0676-iface: kind `iface` (getifaddrs) inside a network namespace of the
# test's own, built as the seed 003's new VPS would look: v0 up with
# 192.168.0.7/24 and fd00:1::7/64 (its "Cute Crossbill" interface), v1
# holding 10.9.0.1/24 but down, v2 up without a carrier (its peer down).
# Found by address or by name; the wrong network, a down interface, no
# carrier, an absent name and an address nobody holds fail naming why.
. "$(dirname "$0")/lib.sh"

NS=cvt0676-$$
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root (a network namespace)"; exit 0; }
ip netns add "$NS" 2>/dev/null || { echo "skipped: cannot create a network namespace"; exit 0; }
{ ip -n "$NS" link set lo up &&
  ip -n "$NS" link add v0 type veth peer name v0p &&
  ip -n "$NS" link add v1 type veth peer name v1p &&
  ip -n "$NS" link add v2 type veth peer name v2p &&
  ip -n "$NS" addr add 192.168.0.7/24 dev v0 &&
  ip -n "$NS" addr add fd00:1::7/64 dev v0 nodad &&
  ip -n "$NS" addr add 10.9.0.1/24 dev v1 &&
  ip -n "$NS" addr add 172.16.0.1/24 dev v2 &&
  ip -n "$NS" link set v0 up && ip -n "$NS" link set v0p up &&
  ip -n "$NS" link set v1p up && ip -n "$NS" link set v2 up
} 2>"$T/ip.err" || { echo "skipped: cannot build veth links: $(cat "$T/ip.err")"; exit 0; }
# veth's carrier comes up when both ends are up: wait for v0.
for _ in $(seq 50); do
	ip -n "$NS" link show v0 | grep -q LOWER_UP && break
	sleep 0.1
done

cat >"$T/plan.yml" <<'YML'
cutover: 1
name: t0676
checks:
  - { id: any, kind: iface, address: 192.168.0.0/24 }
  - { id: named, kind: iface, interface: v0, address: 192.168.0.0/24 }
  - { id: one-address, kind: iface, interface: v0, address: 192.168.0.7 }
  - { id: name-only, kind: iface, interface: v0 }
  - { id: v6, kind: iface, address: "fd00:1::/64" }
  - { id: wrong-net, kind: iface, interface: v0, address: 192.168.1.0/24 }
  - { id: down, kind: iface, interface: v1 }
  - { id: down-by-address, kind: iface, address: 10.9.0.0/24 }
  - { id: no-carrier, kind: iface, interface: v2, address: 172.16.0.0/24 }
  - { id: absent, kind: iface, interface: eth1 }
  - { id: nobody, kind: iface, address: 203.0.113.0/24 }
YML
run ip netns exec "$NS" "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (some are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.observed) | \(.message)"'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want any "pass 192.168.0.7/24 | v0 is up with 192.168.0.7/24" "some interface holds an address in the network"
want named "pass 192.168.0.7/24 | v0 is up with 192.168.0.7/24" "by name and network"
want one-address "pass 192.168.0.7/24 | v0 is up with 192.168.0.7/24" "one address"
want name-only "pass up | v0 is up with 192.168.0.7/24 fd00:1::7/64*" "by name: present and up"
want v6 "pass fd00:1::7/64 | v0 is up with fd00:1::7/64" "IPv6 network"
want wrong-net "fail no address in 192.168.1.0/24 | v0 has no address in 192.168.1.0/24 (it has: 192.168.0.7/24 fd00:1::7/64*)" "the wrong network"
want down "fail down | v1 is down" "a down interface"
want down-by-address "fail down | v1 holds 10.9.0.1/24 but is down" "the address is on a down interface"
want no-carrier "fail up, no carrier | v2 is up, no carrier" "up without a carrier"
want absent "fail absent | no interface 'eth1' (there are: lo, v0p, v0, v1p, v1, v2p, v2)" "an absent interface"
want nobody "fail no address in 203.0.113.0/24 | no interface has an address in 203.0.113.0/24 (addresses: lo 127.0.0.1/8 ::1/128; *v0 192.168.0.7/24*)" "an address nobody holds"
d=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "nobody") | .detail')
printf '%s\n' "$d" | grep -q '^v1 down 10.9.0.1/24$' && printf '%s\n' "$d" | grep -q '^v2 up, no carrier 172.16.0.1/24' &&
	ok "a failure lists every interface, its state and addresses" || fail "detail" "$d"
d=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "any") | .detail')
[ "$d" = null ] && ok "a pass carries no interface list" || fail "pass detail" "$d"
run "$CUTOVER" check --kinds
expect_out "^iface +a network interface up" "--kinds lists iface"
done_testing
