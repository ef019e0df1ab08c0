#!/bin/bash
# t0920-secrets-git.sh - `secrets scan --git` walks a repository's history
# as gitleaks does: a secret deleted later is still found, at the commit
# that added it; one on a branch never merged and one reachable only from
# a tag are found; a secret kept through later edits is reported once;
# excludes, binaries, JSON/SARIF commit fields; no secret value printed;
# not a repository and an empty repository.
. "$(dirname "$0")/lib.sh"
cd "$T"
command -v git >/dev/null || { echo "skipped: git is not installed"; exit 0; }
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
PW=S3cretPassw0rd-Hist-9921
GH=ghp_Zq8Jx2Lw9Vb4Nm7Rt1Ys6Uc3Pk5Hd0Fg2Ae8
STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dcHist9

git init -q -b main repo && cd repo
echo "hello" >README && git add . && git commit -qm init
printf 'DATABASE_URL=postgres://app:%s@db:5432/app\n' "$PW" >.env
git add .env && git commit -qm "add env"
added=$(git rev-parse HEAD)
git rm -q .env && git commit -qm "remove env"
printf 'token: %s\n' "$GH" >ci.yml && git add ci.yml && git commit -qm ci
ci=$(git rev-parse HEAD)
echo "# more" >>ci.yml && git commit -qam "edit ci"   # same secret, new blob
git checkout -q -b feature
printf 'STRIPE_KEY=%s\n' "$STRIPE" >pay.env && git add pay.env && git commit -qm pay
feat=$(git rev-parse HEAD)
git checkout -q main
git checkout -q --detach && printf 'x=postgres://u:%s-tag@h/d\n' "$PW" >tagged.txt &&
	git add tagged.txt && git commit -qm tagonly && git tag only-tag && git checkout -q main
head -c 2048 /dev/urandom >blob.bin && printf 'AKIAIOSFODNN7EXAMPLQ' >>blob.bin &&
	git add blob.bin && git commit -qm binary
mkdir vendor && printf 'k=postgres://u:%s-vendor@h/d\n' "$PW" >vendor/x.txt &&
	git add vendor && git commit -qm vendor
cd "$T"

run "$CUTOVER" secrets scan --git repo
expect_rc 1 "findings in history exit 1"
expect_out "^${added:0:12}:\.env:1:[0-9]+: url-password: " "a deleted .env found at the commit that added it"
expect_out "^${ci:0:12}:ci\.yml:1:[0-9]+: github-token: " "a token in ci.yml at its first commit"
n=$(printf '%s\n' "$out" | grep -c 'ci\.yml')
expect_eq "$n" "1" "the token kept through a later edit is reported once"
expect_out "^${feat:0:12}:pay\.env:" "a secret on an unmerged branch"
expect_out ":tagged\.txt:" "a commit reachable only from a tag"
expect_out ":vendor/x\.txt:" "vendor found without excludes"
expect_no "blob.bin" "binary blobs are not scanned"
expect_err "in [0-9]+ file versions of 9 commits" "the summary counts commits"
for s in "$PW" "$GH" "$STRIPE"; do expect_no "$s" "no secret value printed"; done

run "$CUTOVER" secrets scan --git -x vendor/ repo
expect_no "vendor/x.txt" "--exclude applies to history paths"

run "$CUTOVER" secrets scan --git -f json repo
python3 - "$T/.out" "$added" <<'EOF' && ok "json: each finding has its full commit" || fail "json commits"
import json, sys
d = json.load(open(sys.argv[1]))
env = [f for f in d["findings"] if f["file"] == ".env"]
assert len(env) == 1 and env[0]["commit"] == sys.argv[2], env
assert d["commits"] == 9, d["commits"]
assert all(len(f["commit"]) == 40 for f in d["findings"])
EOF
run "$CUTOVER" secrets scan --git -f sarif repo
python3 - "$T/.out" <<'EOF' && ok "sarif: the commit in each result's properties" || fail "sarif commits"
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["runs"][0]["results"]
assert rs and all(len(r["properties"]["commit"]) == 40 for r in rs)
EOF

(cd repo && git rev-parse HEAD >/dev/null) && cd repo/vendor
run "$CUTOVER" secrets scan --git
expect_rc 1 "without REPO: the repository holding the current directory"
cd "$T"
mkdir nothing-here
run "$CUTOVER" secrets scan --git "$T/nothing-here"
expect_rc 2 "not a repository"
expect_err "could not find repository" "says so"
git init -q empty
run "$CUTOVER" secrets scan --git empty
expect_rc 0 "an empty repository has nothing to find"
run "$CUTOVER" secrets scan --git repo empty
expect_rc 2 "--git takes one repository"
done_testing
