#!/bin/bash
# t0713-dns: kind `dns` against two real authoritative servers (NSD) on
# loopback: one serving the new address with a short TTL, the other the
# old one with an hour's TTL (a move half propagated); and against
# baddns.py for what no real server does (garbage, a broken record, no
# answer at all).
. "$(dirname "$0")/lib.sh"

command -v nsd >/dev/null || { echo "skipped: nsd is not installed (make deps)"; exit 0; }

# Free ports: one Python start for all (it costs seconds on a busy
# machine).  UDP ones for NSD too: it binds both protocols.
set -- $(python3 -c '
import socket
ss = []
for _ in range(5):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", p))
    ss += [t, u]; print(p)
')
PN=$1 PO=$2 PN2=$3 DEAD=$4
python3 "$ROOT/tests/harness/baddns.py" garbage badrr hang >"$T/bad.log" 2>&1 &
PIDS="$PIDS $!"

# nsd_start NAME ZONEFILE PORT: an NSD of our own.
nsd_start() {
	local d=$T/$1 p=$3
	mkdir -p "$d"
	cp "$2" "$d/zone"
	cat >"$d/nsd.conf" <<CONF
server:
  port: $p
  ip-address: 127.0.0.1
  username: ""
  chroot: ""
  zonesdir: "$d"
  pidfile: "$d/nsd.pid"
  database: ""
  xfrdfile: "$d/xfrd.state"
  zonelistfile: "$d/zone.list"
  logfile: "$d/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: example.test
  zonefile: zone
CONF
	nsd -d -c "$d/nsd.conf" >"$d/out" 2>&1 &
	PIDS="$PIDS $!"
}
dns_ready() {  # cutover itself asks until NSD answers
	printf 'cutover: 1\nname: ready\nchecks:\n  - { id: r, kind: dns, name: example.test, type: MX, resolvers: [127.0.0.1:%s], timeout: 300ms }\n' "$1" >"$T/ready.yml"
	for _ in $(seq 150); do
		"$CUTOVER" check "$T/ready.yml" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

cat >"$T/new.zone" <<'Z'
$ORIGIN example.test.
$TTL 300
@	3600 IN SOA ns1 hostmaster 1 3600 600 86400 60
@	IN NS ns1
ns1	IN A 127.0.0.1
api	IN A 192.0.2.10
api	IN A 192.0.2.11
www	IN CNAME api
v6	IN AAAA 2001:db8::10
@	IN MX 10 mail
mail	IN A 192.0.2.20
@	IN TXT "v=spf1 " "ip4:192.0.2.0/24 -all"
legacy	3600 IN A 192.0.2.99
Z
sed -e 's/192\.0\.2\.1[01]$/198.51.100.5/' -e 's/^api	IN A 198.51.100.5$/api	3600 IN A 198.51.100.5/' \
    "$T/new.zone" | awk '!seen[$0]++' >"$T/old.zone"
nsd_start new "$T/new.zone" "$PN"
nsd_start old "$T/old.zone" "$PO"
nsd_start new2 "$T/new.zone" "$PN2"
dns_ready "$PN" && dns_ready "$PO" && dns_ready "$PN2" || { fail "nsd did not start" "$(cat "$T"/*/nsd.log "$T"/*/out 2>/dev/null)"; done_testing; exit; }
wait_ready "$T/bad.log" || sleep 5
wait_ready "$T/bad.log" || fail "baddns.py did not start"
PG=$(sed -n 's/.* garbage=\([0-9]*\).*/\1/p' "$T/bad.log")
PB=$(sed -n 's/.* badrr=\([0-9]*\).*/\1/p' "$T/bad.log")
PH=$(sed -n 's/.* hang=\([0-9]*\).*/\1/p' "$T/bad.log")

# The plan example of the README (seed 002: the A record switched; TTL
# lowered before the move), then every way it can go wrong.
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0713
checks:
  - id: dns-new-address
    kind: dns
    name: api.example.test
    type: A
    resolvers: [127.0.0.1:$PN, 127.0.0.1:$PN2]
    expect: [192.0.2.10, 192.0.2.11]
    max_ttl: 5m
    same_answer: true
  - { id: cname, kind: dns, name: www.example.test, type: CNAME, resolvers: [127.0.0.1:$PN], expect: API.Example.Test. }
  - { id: a-through-cname, kind: dns, name: www.example.test, resolvers: [127.0.0.1:$PN], expect: [192.0.2.11, 192.0.2.10] }
  - { id: aaaa, kind: dns, name: v6.example.test, type: AAAA, resolvers: [127.0.0.1:$PN], expect: "2001:db8:0:0::10" }
  - { id: mx, kind: dns, name: example.test, type: MX, resolvers: [127.0.0.1:$PN], expect: "10 mail.example.test" }
  - { id: txt, kind: dns, name: example.test, type: TXT, resolvers: [127.0.0.1:$PN], expect: "v=spf1 ip4:192.0.2.0/24 -all" }
  - { id: any-answer, kind: dns, name: api.example.test, resolvers: ["127.0.0.1:$PN"] }
  - { id: not-propagated, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$PN, 127.0.0.1:$PO], same_answer: true }
  - { id: wrong-answer, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$PO], expect: [192.0.2.10, 192.0.2.11] }
  - { id: ttl-too-long, kind: dns, name: legacy.example.test, resolvers: [127.0.0.1:$PN], max_ttl: 5m }
  - { id: nxdomain, kind: dns, name: nope.example.test, resolvers: [127.0.0.1:$PN] }
  - { id: nodata, kind: dns, name: api.example.test, type: AAAA, resolvers: [127.0.0.1:$PN] }
  - { id: refused, kind: dns, name: api.other.test, resolvers: [127.0.0.1:$PN] }
  - { id: absent, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$DEAD], timeout: 1s }
  - { id: hang, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$PH], timeout: 1s }
  - { id: garbage, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$PG] }
  - { id: bad-record, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$PB] }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (most are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
want() {  # want ID GLOB DESC
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r" ;; esac
}
want dns-new-address "pass api.example.test A is 192.0.2.10, 192.0.2.11 on all 2 resolvers (TTL up to 5m00s)" "new address, short TTL, propagated"
want cname "pass *is api.example.test *" "CNAME, compared without case or final dot"
want a-through-cname "pass *A is 192.0.2.10, 192.0.2.11 *" "A through a CNAME"
want aaaa "pass *AAAA is 2001:db8::10 *" "AAAA, compared as addresses"
want mx "pass *MX is 10 mail.example.test *" "MX"
want txt "pass *TXT is v=spf1 ip4:192.0.2.0/24 -all *" "TXT strings joined"
want any-answer "pass *" "no expectation: any answer passes"
want not-propagated "fail resolvers disagree (not propagated yet?): 127.0.0.1:$PN answered 192.0.2.10, 192.0.2.11, 127.0.0.1:$PO answered 198.51.100.5" "two servers, two answers"
want wrong-answer "fail 127.0.0.1:$PO answered A 198.51.100.5: 192.0.2.10, 192.0.2.11 missing; 198.51.100.5 not expected" "wrong answer named"
want ttl-too-long "fail 127.0.0.1:$PN answered with TTL 1h00m00s, longer than max_ttl 5m00s*" "TTL too long"
want nxdomain "fail nope.example.test does not exist (NXDOMAIN from 127.0.0.1:$PN)" "NXDOMAIN"
want nodata "fail api.example.test has no AAAA record (the name exists*" "no record of the type"
want refused "fail 127.0.0.1:$PN answered REFUSED" "a server that does not serve the zone"
want absent "fail no answer from 127.0.0.1:$DEAD within 1.0*s (no DNS server there*" "no server"
want hang "fail no answer from 127.0.0.1:$PH within 1.0*s*" "a server that never answers: the timeout holds"
want garbage "fail malformed answer from 127.0.0.1:$PG: *" "garbage answer"
want bad-record "fail malformed answer from 127.0.0.1:$PB: *" "a record of the wrong length"
# Observed and detail name every resolver.
d=$(printf '%s\n' "$out" | jq -r '.results[] | select(.id == "not-propagated") | .observed')
case $d in *"127.0.0.1:$PO: 198.51.100.5 (TTL 1h00m00s)"*) ok "observed names each resolver: $d" ;; *) fail "observed" "$d" ;; esac

# The old server's TTL fails max_ttl too: both reasons, first one named.
cat >"$T/ttl.yml" <<YML
cutover: 1
name: t0713b
checks:
  - { id: before-move, kind: dns, name: api.example.test, resolvers: [127.0.0.1:$PO], expect: 198.51.100.5, max_ttl: 5m }
YML
run "$CUTOVER" check "$T/ttl.yml" --format tap
expect_rc 1 "TTL of the old server not lowered yet"
expect_out "TTL 1h00m00s, longer than max_ttl 5m00s" "TTL failure in tap"

run "$CUTOVER" check --kinds
expect_out "^dns +a name's A/AAAA" "--kinds lists dns"

# The system's resolver: /etc/resolv.conf in a mount namespace of our own
# names an NSD on port 53 of a network namespace of our own.
if unshare -mn true 2>/dev/null; then
	cat >"$T/sys.yml" <<YML
cutover: 1
name: t0713c
checks:
  - { id: system, kind: dns, name: api.example.test, expect: [192.0.2.10, 192.0.2.11], timeout: 3s }
YML
	sed -e "s/port: $PN/port: 53/" -e "s|pidfile: .*|pidfile: \"$T/sys.pid\"|" \
	    -e "s|logfile: .*|logfile: \"$T/sys.log\"|" "$T/new/nsd.conf" >"$T/sys.conf"
	printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
	unshare -mn sh -c '
		ip link set lo up
		mount --bind "$1/resolv.conf" /etc/resolv.conf
		nsd -d -c "$1/sys.conf" >/dev/null 2>&1 & n=$!
		for i in $(seq 100); do [ -s "$1/sys.pid" ] && break; sleep 0.05; done
		"$2" check "$1/sys.yml" > "$1/sys.out" 2>&1; echo $? > "$1/sys.rc"
		kill $n; wait $n' sh "$T" "$CUTOVER"
	out=$(cat "$T/sys.out"); rc=$(cat "$T/sys.rc")
	expect_rc 0 "the system's resolver (resolv.conf) is used"
	expect_out "from the system's resolver" "message names the system's resolver"
else
	echo "skipped: unshare -mn is not permitted here (system resolver case)"
fi
done_testing
