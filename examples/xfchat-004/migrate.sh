#!/bin/sh
# migrate.sh run URL [UPTO] | revert URL VERSION - what `sqlx migrate run` and
# an inverse migration do, for the scenario (sqlx itself is not in
# Debian).  Migrations are migrations/NNNN_name.sql, recorded in
# _sqlx_migrations with their sha256 as sqlx does: each one not yet
# recorded is applied in one transaction with its record; one recorded
# with another checksum stops everything ("was previously applied but
# has been modified", risk 6: never edit an applied migration).  revert
# runs migrations/down/NNNN_name.sql in one transaction.  The password
# comes from DB_PASSWORD, never the command line.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?run or revert} url=${2:?database URL}
export PGPASSWORD="${DB_PASSWORD:-}" PGCONNECT_TIMEOUT=5 \
	PGOPTIONS="-c client_min_messages=warning"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$url" "$@"; }

table="CREATE TABLE IF NOT EXISTS _sqlx_migrations (
	version bigint PRIMARY KEY, description text NOT NULL,
	installed_on timestamptz NOT NULL DEFAULT now(),
	success boolean NOT NULL, checksum bytea NOT NULL,
	execution_time bigint NOT NULL DEFAULT 0);"
case $cmd in
run)
	# One connection reads what is recorded, one applies what is not:
	# every pending migration and its record in one transaction.
	applied=$(q -c "$table" -c "SELECT version || ' ' || encode(checksum, 'hex') FROM _sqlx_migrations")
	pending=$(mktemp)
	trap 'rm -f "$pending"' EXIT
	for f in "$here"/migrations/[0-9]*.sql; do
		b=$(basename "$f" .sql)
		v=$(echo "${b%%_*}" | sed 's/^0*//')
		[ -n "${3:-}" ] && [ "$v" -gt "$3" ] && break
		sum=$(sha256sum "$f" | cut -d' ' -f1)
		have=$(echo "$applied" | sed -n "s/^$v //p")
		if [ -n "$have" ]; then
			if [ "$have" != "$sum" ]; then
				echo "migration $v was previously applied but has been modified" >&2
				exit 1
			fi
			echo "migration $v (${b#*_}): already applied"
			continue
		fi
		{ cat "$f"; printf "INSERT INTO _sqlx_migrations (version, description, success, checksum) VALUES (%s, '%s', true, '\\x%s');\n" \
			"$v" "${b#*_}" "$sum"; } >>"$pending"
		echo "migration $v (${b#*_}): applying"
	done
	if [ -s "$pending" ]; then q -1 -f "$pending"; fi
	echo "migrations: done"
	;;
revert)
	v=${3:?version}
	f=$(ls "$here"/migrations/down/"$(printf %04d "$v")"_*.sql)
	q -c "$table" -1 -f "$f"
	echo "migration $v reverted"
	;;
*)
	echo "usage: migrate.sh run URL [UPTO] | revert URL VERSION" >&2
	exit 2
	;;
esac
