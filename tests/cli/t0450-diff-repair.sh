#!/bin/bash
# t0450: cutover diff --repair-sql / --apply on every engine pair
# (PostgreSQL, MariaDB, SQLite as source and target), with the fault
# corpus: missing, extra, a changed column, a value swapped between two
# rows, NULL <-> empty, bytes, a float that only 17 digits tell apart,
# microseconds, an instant off by two hours, text with a quote, a backslash and a newline, and odd
# identifiers (a table name with a space and a quote, a reserved word, a
# mixed-case column; on PostgreSQL the key is GENERATED ALWAYS AS IDENTITY).  For each pair: the script applied with the
# engine's own client (psql, mariadb, sqlite3) makes the diff say
# identical; --apply does the same and a second --apply finds nothing
# to do.  The password of the URL is never in the script or the output.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/harness/servers.sh"

# t0451 runs the other half of the pairs with this same body.
DB=${_name%%-*}
PW=S3cr3t-pw-$DB
PAIRS=${PAIRS:-pg:pg my:my lite:lite pg:my my:pg}
cleanup() {
	pg_sql "DROP DATABASE IF EXISTS ${DB}_s" >/dev/null 2>&1
	pg_sql "DROP DATABASE IF EXISTS ${DB}_d" >/dev/null 2>&1
	my_sql "DROP DATABASE IF EXISTS ${DB}_s; DROP DATABASE IF EXISTS ${DB}_d;
	  DROP USER IF EXISTS '$DB'@'%'" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cleanup
mkdir -p "$T"
pg_sql "CREATE DATABASE ${DB}_s" >/dev/null
pg_sql "CREATE DATABASE ${DB}_d" >/dev/null
my_sql "CREATE DATABASE ${DB}_s; CREATE DATABASE ${DB}_d;
  CREATE USER '$DB'@'%' IDENTIFIED BY '$PW'; GRANT ALL ON *.* TO '$DB'@'%'"

url() {	# ENGINE SIDE
	case $1 in
	pg) echo "postgres://postgres@127.0.0.1:$PG_PORT/${DB}_$2" ;;
	my) echo "mysql://$DB:$PW@127.0.0.1:$MY_PORT/${DB}_$2" ;;
	lite) echo "sqlite://$T/$2.db" ;;
	esac
}
# Run a script of SQL on ENGINE SIDE (stdin).
sql() {
	case $1 in
	pg) psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres \
		-d "${DB}_$2" >/dev/null ;;
	my) mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u"$DB" -p"$PW" \
		"${DB}_$2" ;;
	lite) sqlite3 -bail "$T/$2.db" >/dev/null ;;
	esac
}

# The fixture: SIDE s (the source's rows) or d (the target's, with the
# faults), in ENGINE's dialect.
fixture() {	# ENGINE SIDE
	local e=$1 side=$2 q='"' bytes blob txt=text dbl ts tz boo num pre=""
	case $e in
	pg) bytes="decode('%s', 'hex')"; blob=bytea; dbl="double precision"
	    ts="timestamp(6)"; boo=boolean; num="numeric(12,2)"
	    tz="timestamp(6) with time zone"; pre="SET TimeZone = 'UTC';" ;;
	my) bytes="X'%s'"; blob=longblob; txt=longtext; dbl=double; ts="datetime(6)"
	    boo=boolean; num="decimal(12,2)"; q='`'; tz="timestamp(6) NULL"
	    pre="SET time_zone = '+00:00', sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');" ;;
	lite) bytes="X'%s'"; blob=blob; dbl=real; ts=timestamp; boo=boolean
	    num="numeric(12,2)"; tz=timestamptz ;;
	esac
	local odd='"odd ""t"" x"' oid=int ovr=""
	# PostgreSQL: an identity column that refuses values unless told.
	[ "$e" = pg ] && oid="int GENERATED ALWAYS AS IDENTITY" &&
		ovr="OVERRIDING SYSTEM VALUE"
	[ "$e" = my ] && odd='`odd "t" x`'
	b() { printf "$bytes" "$1"; }
	echo "$pre"
	echo "DROP TABLE IF EXISTS acct; DROP TABLE IF EXISTS $odd;"
	echo "CREATE TABLE acct (id int PRIMARY KEY, name varchar(40),
	  note $txt, data $blob, f $dbl, ts $ts, flag $boo, amount $num, tz $tz);"
	echo "CREATE TABLE $odd (${q}select${q} $oid PRIMARY KEY,
	  ${q}Mixed Col${q} varchar(20));"
	# id: 1 same, 2 missing, 3 changed, 4/5 swapped, 6 NULL vs '',
	# 7 '' vs NULL, 8 bytes, 9 float, 10 microseconds, 11 extra,
	# 12 odd text missing, 13 odd text changed, 14 flag, 15 amount,
	# 16 an instant two hours off (a time zone slip).
	local v3=before v4=alice v5=bob n6=NULL n7="''" d8=00ff10 f9=0.30000000000000004
	local h16=10 t10=.123456 n13="'a\\b
\"c\"'" g14=1 a15=12.50
	if [ "$side" = d ]; then
		v3=after v4=bob v5=alice n6="''" n7=NULL d8=00ff11 f9=0.3
		t10=.123457 n13="'x'" g14=0 a15=12.51 h16=12
	fi
	echo "INSERT INTO acct VALUES
	  (1, 'same', 'n', $(b 00ff), 1.5, '2024-01-01 10:00:00', '1', 1.00, '2024-06-01 10:00:00.5'),
	  (3, '$v3', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	  (4, '$v4', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	  (5, '$v5', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	  (6, 'n', $n6, NULL, NULL, NULL, NULL, NULL, NULL),
	  (7, 'n', $n7, NULL, NULL, NULL, NULL, NULL, NULL),
	  (8, 'b', NULL, $(b $d8), NULL, NULL, NULL, NULL, NULL),
	  (9, 'f', NULL, NULL, $f9, NULL, NULL, NULL, NULL),
	  (10, 't', NULL, NULL, NULL, '2024-02-29 23:59:59$t10', NULL, NULL, NULL),
	  (13, 'it''s', $n13, NULL, NULL, NULL, NULL, NULL, NULL),
	  (14, 'flag', NULL, NULL, NULL, NULL, '$g14', NULL, NULL),
	  (15, 'amt', NULL, NULL, NULL, NULL, NULL, $a15, NULL),
	  (16, 'tz', NULL, NULL, NULL, NULL, NULL, NULL, '2024-06-01 $h16:00:00.5');"
	if [ "$side" = s ]; then
		echo "INSERT INTO acct VALUES
		  (2, 'missing', 'x', $(b ''), 1.7976931348623157e308, '1999-12-31 23:59:59.999999', '0', -0.01, '2000-01-01 00:00:00'),
		  (12, 'q''uote\\back', 'line1
line2', $(b 00), -2.2250738585072014e-308, '2024-01-01 00:00:00.000001', '1', 9999999999.99, NULL);"
		echo "INSERT INTO $odd $ovr VALUES (1, 'one'), (2, 'two');"
	else
		echo "INSERT INTO acct VALUES (11, 'extra', NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
		echo "INSERT INTO $odd $ovr VALUES (1, 'ONE'), (3, 'three');"
	fi
}

apply_client() {	# ENGINE FILE
	case $1 in
	pg) sql pg d <"$2" ;;
	my) sql my d <"$2" ;;
	lite) sql lite d <"$2" ;;
	esac
}

for pair in $PAIRS; do
	s=${pair%%:*}; d=${pair##*:}
	S=$(url "$s" s); D=$(url "$d" d)
	fixture "$s" s | sql "$s" s || fail "$pair: source fixture"
	fixture "$d" d | sql "$d" d || fail "$pair: target fixture"
	run "$CUTOVER" diff "$S" "$D" --repair-sql "$T/fix.sql"
	expect_rc 1 "$pair: the faults are differences"
	expect_err "repair: DELETE 2, UPDATE 13, INSERT 3 in 2 transaction" "$pair: counts"
	expect_no "$PW" "$pair: no password in the output"
	if grep -qF -- "$PW" "$T/fix.sql"; then fail "$pair: password in the script"
	else ok "$pair: no password in the script"; fi
	[ "$(stat -c %a "$T/fix.sql")" = 600 ] && ok "$pair: script is 0600" ||
		fail "$pair: script mode $(stat -c %a "$T/fix.sql")"
	if apply_client "$d" "$T/fix.sql" 2>"$T/client.err"; then
		ok "$pair: the target's own client runs the script"
	else fail "$pair: client failed" "$(cat "$T/client.err"; cat "$T/fix.sql")"; fi
	run "$CUTOVER" diff "$S" "$D"
	expect_rc 0 "$pair: identical after the script"

	fixture "$d" d | sql "$d" d || fail "$pair: target fixture again"
	# Two tables compared at once: both feed the one repair.
	run "$CUTOVER" diff "$S" "$D" --apply --yes --jobs 2
	expect_rc 0 "$pair: --apply makes them identical"
	expect_err "re-verified 2 tables: 2 identical" "$pair: re-verified"
	expect_no "$PW" "$pair: no password in --apply's output"
	run "$CUTOVER" diff "$S" "$D" --apply --yes
	expect_rc 0 "$pair: a second --apply"
	expect_err "nothing to apply" "$pair: finds nothing to do"
done

done_testing
