#!/bin/bash
# t0630-tls: `tls` against `openssl s_server`s on loopback serving
# certificates this test makes with its own CA: good, expired, not yet
# valid, about to expire, wrong SAN (CN right), wildcard, CN only, and
# self-signed.
. "$(dirname "$0")/lib.sh"

wait_port() {
	for _ in $(seq 100); do
		python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
when() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

CA=$T/ca
mkdir -p "$CA/new"
: >"$CA/index.txt"
echo 1000 >"$CA/serial"
cat >"$CA/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $CA/index.txt
new_certs_dir = $CA/new
serial = $CA/serial
private_key = $CA/ca.key
certificate = $CA/ca.crt
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
CNF
openssl req -x509 $EC -subj "/CN=cutover t0630 CA" -days 3650 \
	-keyout "$CA/ca.key" -out "$CA/ca.crt" 2>"$T/openssl.log" ||
	{ fail "cannot make the CA" "$(cat "$T/openssl.log")"; done_testing; exit; }

# leaf NAME CN SAN(or "") START END: a certificate signed by the CA.
leaf() {
	openssl req -new $EC -subj "/CN=$2" ${3:+-addext "subjectAltName=$3"} \
		-keyout "$T/$1.key" -out "$T/$1.csr" 2>>"$T/openssl.log" &&
	openssl ca -batch -notext -config "$CA/ca.cnf" -in "$T/$1.csr" \
		-out "$T/$1.crt" -startdate "$(when "$4")" -enddate "$(when "$5")" \
		>>"$T/openssl.log" 2>&1 || fail "cannot make certificate $1" "$(tail -3 "$T/openssl.log")"
}
# serve NAME: an s_server with NAME's certificate; sets P_NAME.
serve() {
	local p; p=$(port)
	openssl s_server -accept "127.0.0.1:$p" -cert "$T/$1.crt" -key "$T/$1.key" \
		-www -quiet </dev/null >"$T/$1.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "P_$1=$p"
	wait_port "$p" || fail "s_server for $1 did not start"
}
leaf good app.example.com "DNS:app.example.com,DNS:ws.example.com,IP:127.0.0.1" "-1 day" "+90 days"
leaf expired app.example.com "DNS:app.example.com" "-60 days" "-1 day"
leaf future app.example.com "DNS:app.example.com" "+10 days" "+100 days"
leaf soon app.example.com "DNS:app.example.com" "-30 days" "+4 days +12 hours"
leaf wrongsan app.example.com "DNS:other.example.net" "-1 day" "+90 days"
leaf wild "*.example.com" "DNS:*.example.com" "-1 day" "+90 days"
leaf cnonly app.example.com "" "-1 day" "+90 days"
openssl req -x509 $EC -subj "/CN=app.example.com" -addext "subjectAltName=DNS:app.example.com" \
	-days 90 -keyout "$T/self.key" -out "$T/self.crt" 2>>"$T/openssl.log"
for n in good expired future soon wrongsan wild cnonly self; do serve $n; done
# One address, two certificates: app.example.com's for that SNI name,
# other.example.net's for any other client (or none).
P_sni=$(port)
openssl s_server -accept "127.0.0.1:$P_sni" -cert "$T/wrongsan.crt" -key "$T/wrongsan.key" \
	-servername app.example.com -cert2 "$T/good.crt" -key2 "$T/good.key" \
	-www -quiet </dev/null >"$T/sni.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$P_sni" || fail "SNI s_server did not start"
BH=$(port)
python3 "$ROOT/tests/harness/blackhole.py" "$BH" >"$T/bh.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do grep -q ready "$T/bh.log" && break; sleep 0.05; done

A="server_name: app.example.com, ca_file: \"$CA/ca.crt\""
cat >"$T/plan.yml" <<YML
cutover: 1
name: t0630
checks:
  - { id: good, kind: tls, address: "127.0.0.1:$P_good", $A,
      hostnames: [app.example.com, ws.example.com], min_days_valid: 14 }
  - { id: good-ip, kind: tls, address: "127.0.0.1:$P_good", ca_file: "$CA/ca.crt" }
  - { id: good-missing, kind: tls, address: "127.0.0.1:$P_good", $A,
      hostnames: [app.example.com, api.example.com] }
  - { id: good-system-store, kind: tls, address: "127.0.0.1:$P_good",
      server_name: app.example.com }
  - { id: expired, kind: tls, address: "127.0.0.1:$P_expired", $A }
  - { id: future, kind: tls, address: "127.0.0.1:$P_future", $A }
  - { id: soon, kind: tls, address: "127.0.0.1:$P_soon", $A, min_days_valid: 14 }
  - { id: wrongsan, kind: tls, address: "127.0.0.1:$P_wrongsan", $A }
  - { id: wild-match, kind: tls, address: "127.0.0.1:$P_wild", $A,
      hostnames: [app.example.com, WS.Example.COM] }
  - { id: wild-nomatch, kind: tls, address: "127.0.0.1:$P_wild", $A,
      hostnames: [example.com, a.b.example.com] }
  - { id: cnonly, kind: tls, address: "127.0.0.1:$P_cnonly", $A }
  - { id: self, kind: tls, address: "127.0.0.1:$P_self", server_name: app.example.com }
  - { id: self-pinned, kind: tls, address: "127.0.0.1:$P_self",
      server_name: app.example.com, ca_file: "$T/self.crt" }
  - { id: sni-from-hostnames, kind: tls, address: "127.0.0.1:$P_sni",
      ca_file: "$CA/ca.crt", hostnames: [app.example.com, ws.example.com] }
  - { id: sni-none, kind: tls, address: "127.0.0.1:$P_sni", ca_file: "$CA/ca.crt" }
  - { id: sni-other, kind: tls, address: "127.0.0.1:$P_sni", ca_file: "$CA/ca.crt",
      server_name: www.example.com, hostnames: [app.example.com] }
  - { id: not-tls, kind: tls, address: "127.0.0.1:$HTTP_PORT", $A }
  - { id: refused, kind: tls, address: "127.0.0.1:1", $A }
  - { id: filtered, kind: tls, address: "127.0.0.1:$BH", $A, timeout: 1s }
YML
run "$CUTOVER" check "$T/plan.yml" --format json
expect_rc 1 "check runs (most are meant to fail)"
st() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | "\(.status) \(.message)"'; }
detail() { printf '%s\n' "$out" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .detail'; }
want() {
	local r; r=$(st "$1")
	case $r in $2) ok "$3: $r" ;; *) fail "$3" "$r
$(detail "$1")" ;; esac
}
want good "pass 127.0.0.1:$P_good: 8[89] days left*DNS:app.example.com, DNS:ws.example.com, IP:127.0.0.1, TLSv1.3" "good certificate, two names, 14 days"
d=$(detail good)
for line in "subject: CN = app.example.com" "issuer: CN = cutover t0630 CA" \
    "SANs: DNS:app.example.com, DNS:ws.example.com, IP:127.0.0.1" "not after: " \
    "days left: " "protocol: TLSv1" "chain: verified (against ca_file" \
    "ws.example.com: covered by ws.example.com"; do
	case $d in *"$line"*) ok "detail has '$line'" ;; *) fail "detail lacks '$line'" "$d" ;; esac
done
want good-ip "pass *" "an IP address is matched against IP SANs"
want good-missing "fail certificate of 127.0.0.1:$P_good does not cover api.example.com (SANs: *" "a name the certificate does not cover"
want good-system-store "fail *is not trusted: unable to get local issuer certificate*" "a private CA is not in the system store"
want expired "fail certificate of 127.0.0.1:$P_expired EXPIRED on *" "expired"
want future "fail certificate of 127.0.0.1:$P_future is not valid yet (not before *" "not yet valid"
want soon "fail certificate of 127.0.0.1:$P_soon expires in 4 days (*), fewer than 14" "min_days_valid"
want wrongsan "fail *does not cover app.example.com (SANs: DNS:other.example.net)" "CN matches but SANs exist: the CN is ignored"
want wild-match "pass *" "wildcard covers one label, any case"
want wild-nomatch "fail *does not cover example.com, a.b.example.com *" "wildcard covers neither the bare domain nor two labels"
want cnonly "pass *" "no SAN at all: the CN is used"
case $(detail cnonly) in *"app.example.com: covered by app.example.com"*"SANs: (none)"*|*"SANs: (none)"*"covered by app.example.com"*) ok "cnonly detail" ;;
	*) fail "cnonly detail" "$(detail cnonly)" ;; esac
want self "fail *is not trusted: self-signed certificate*" "self-signed without ca_file"
want self-pinned "pass *" "self-signed with itself as ca_file"
want sni-from-hostnames "pass *DNS:app.example.com, DNS:ws.example.com*" "an address with hostnames sends the first as SNI"
want sni-none "fail *does not cover 127.0.0.1 (SANs: DNS:other.example.net)" "no SNI: the default certificate, judged on the IP"
want sni-other "fail *does not cover app.example.com (SANs: DNS:other.example.net)" "server_name wins over hostnames for SNI"
want not-tls "fail TLS handshake with 127.0.0.1:$HTTP_PORT failed: *" "a plain HTTP port"
want refused "fail connect to 127.0.0.1:1 refused" "refused"
want filtered "fail connect to 127.0.0.1:$BH timed out after 1*" "filtered"

cat >"$T/bad.yml" <<'YML'
cutover: 1
name: t0630
checks:
  - { id: noport, kind: tls, address: "app.example.com" }
  - { id: ipsni, kind: tls, address: "127.0.0.1:443", server_name: 127.0.0.1 }
  - { id: days, kind: tls, address: "127.0.0.1:443", min_days_valid: -3 }
  - { id: empty, kind: tls, address: "127.0.0.1:443", hostnames: [] }
  - { id: missing, kind: tls, hostnames: [a.example.com] }
  - { id: typo, kind: tls, address: "127.0.0.1:443", hostname: [a.example.com] }
YML
run "$CUTOVER" lint "$T/bad.yml"
expect_rc 2 "bad tls checks fail lint"
expect_err "bad.yml:4:[0-9]+: 'address': bad address 'app.example.com'" "address without port"
expect_err "bad.yml:5:[0-9]+: 'server_name' must be a DNS name" "SNI with an IP"
expect_err "bad.yml:6:[0-9]+: 'min_days_valid': " "negative days"
expect_err "bad.yml:7:[0-9]+: 'hostnames' is empty" "empty hostnames"
expect_err "bad.yml:8:[0-9]+: missing 'address'" "missing address"
expect_err "bad.yml:9:[0-9]+: unknown key 'hostname' in check \(did you mean 'hostnames'\?\)" "misspelt key"
done_testing
