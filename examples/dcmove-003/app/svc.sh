#!/bin/sh
# svc.sh NAME - the other six services of the seed's ecosystem (worker,
# batch processor, backups, monitors, Telegram bot): they start, say so
# and stay online.  A shell and a sleep, not node: six node processes
# per start cost about a second of CPU that says nothing more.
echo "$(date -u +%Y-%m-%dT%H:%M:%S.000Z) $1: started"
exec sleep 86400
