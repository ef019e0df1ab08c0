#!/bin/sh
# svc.sh NAME - the other six services of the seed's ecosystem (worker,
# batch processor, backups, monitors, Telegram bot): they start, say so
# and stay online.  A shell and a sleep, not node: six node processes
# per start cost about a second of CPU that says nothing more.
echo "$(date -u +%Y-%m-%dT%H:%M:%S.000Z) $1: started"
# whatsapp-backup-service: the seed's 6-hourly backup, once at start
# (4.3 Test 7: "ls -lh baileys_sessions/backups/").
if [ "$1" = whatsapp-backup-service ]; then
	d=${APP_DIR:-.}/baileys_sessions
	mkdir -p "$d/backups" &&
		tar -czf "$d/backups/backup-$(date +%s).tar.gz" --files-from /dev/null &&
		echo "$(date -u +%Y-%m-%dT%H:%M:%S.000Z) $1: backup created"
fi
exec sleep 86400
