#!/bin/sh
# deploy.sh TAG API_PORT WEB_PORT UPLOADS ENV_FILE - what
# `docker compose -f docker-compose.prod.yml up -d` does for this app
# (Debian 12 has no Compose v2): three services of the compose project
# "app", one env file for all, a non-root user, memory limits, host
# networking (dockerd runs with --bridge=none), health checks.
set -eu
tag=$1 api=$2 web=$3 uploads=$4 envf=$5
docker rm -f app-api app-web app-worker >/dev/null 2>&1 || true
run() {
	svc=$1; shift
	docker run -d --name "app-$svc" --network host --user 65534:65534 \
		--memory 128m --env-file "$envf" --restart unless-stopped \
		--label com.docker.compose.project=app \
		--label com.docker.compose.service="$svc" \
		--health-interval 1s --health-timeout 2s --health-retries 1 \
		"$@" >/dev/null
}
run api --health-cmd "wget -q -O /dev/null http://127.0.0.1:$api/api/health" \
	"$tag" httpd -f -p "127.0.0.1:$api" -h /www/api
run web --health-cmd "wget -q -O /dev/null http://127.0.0.1:$web/health" \
	-v "$uploads:/www/web/uploads:ro" "$tag" httpd -f -p "127.0.0.1:$web" -h /www/web
run worker --health-cmd "test -d /tmp" "$tag" \
	sh -c 'i=0; while :; do i=$((i+1)); echo "processed job $i"; sleep 1; done'
