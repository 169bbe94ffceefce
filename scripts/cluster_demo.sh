#!/usr/bin/env bash
# The production topology on one machine, as if on two: PostgreSQL and Redis (the local ones),
# and per "machine" a gunicorn web server, a django-q2 worker cluster and an SLA sweeper, all on
# the production settings. It stops everything it started.
#
#   scripts/cluster_demo.sh            start, show the addresses, stop on Ctrl-C
#   scripts/cluster_demo.sh start      start in the background, return once both web servers answer
#   scripts/cluster_demo.sh stop       stop what `start` started
#   scripts/cluster_demo.sh status     what runs, and the health check of each web server
#
# Settings (environment): CLUSTER_DATABASE_URL (postgres://postgres@127.0.0.1:5432/escalations_cluster,
# created if missing), CLUSTER_REDIS_URL (redis://127.0.0.1:6379/2), CLUSTER_PORTS ("8101 8102"),
# WEB_WORKERS (2 per web server), Q_WORKERS (2 per worker cluster), SWEEP_EVERY (10 seconds;
# 0 starts no sweeper, leaving the sweep to the workers' once-a-minute schedule),
# CLUSTER_DEMO_CASES (200 demo cases on a new database; 0 for none), CLUSTER_DIR (.run/cluster).
#
# Production settings with two loopback allowances: plain HTTP (no TLS on 127.0.0.1, so no
# HTTPS redirect, HSTS or secure-only cookies) and email written to files instead of SMTP.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
PY="$ROOT/.venv/bin/python"
DIR=${CLUSTER_DIR:-$ROOT/.run/cluster}
PORTS=${CLUSTER_PORTS:-"8101 8102"}
DATABASE=${CLUSTER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/escalations_cluster}
REDIS=${CLUSTER_REDIS_URL:-redis://127.0.0.1:6379/2}

environment() {
  mkdir -p "$DIR/mail" "$DIR/files"
  [ -s "$DIR/secret" ] || "$PY" -c "import secrets; print(secrets.token_urlsafe(50))" > "$DIR/secret"
  export DJANGO_SETTINGS_MODULE=config.settings.production
  export DATABASE_URL=$DATABASE REDIS_URL=$REDIS
  export SECRET_KEY; SECRET_KEY=$(cat "$DIR/secret")
  export ALLOWED_HOSTS=127.0.0.1,localhost DEBUG=false
  export SECURE_SSL_REDIRECT=false SECURE_HSTS_SECONDS=0
  export SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
  export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
  export EMAIL_FILE_PATH=$DIR/mail MEDIA_ROOT=$DIR/files STATIC_ROOT=$DIR/static
  export SITE_URL="http://127.0.0.1:${PORTS%% *}"
  export Q_WORKERS=${Q_WORKERS:-2}
}

prepare() {
  [ -x "$PY" ] || make install
  "$PY" -c "import gunicorn" 2>/dev/null || "$PY" -m pip install --quiet -e ".[deploy]"
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL does not answer on 127.0.0.1:5432"; exit 1; }
  redis-cli -u "$REDIS" ping > /dev/null || { echo "Redis does not answer at $REDIS"; exit 1; }
  local name=${DATABASE##*/} fresh=0
  if ! psql "${DATABASE%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1; then
    psql "${DATABASE%/*}/postgres" -qc "CREATE DATABASE $name"; fresh=1
  fi
  "$PY" manage.py migrate --noinput -v0
  "$PY" manage.py load_policies > /dev/null
  "$PY" manage.py collectstatic --noinput -v0
  if [ "$fresh" = 1 ] && [ "${CLUSTER_DEMO_CASES:-200}" -gt 0 ]; then
    "$PY" manage.py seed_demo --cases "${CLUSTER_DEMO_CASES:-200}" --seed 1 > "$DIR/demo-logins.txt"
  fi
}

# Start a process in its own session (so that stop reaches its children), remember its pid.
launch() {
  local name=$1; shift
  setsid "$@" > "$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$name.pid"
}

start() {
  environment
  if running; then echo "Already running (scripts/cluster_demo.sh stop first)."; exit 1; fi
  prepare
  local machine=0
  for port in $PORTS; do
    machine=$((machine + 1))
    launch "web-$machine" "$ROOT/.venv/bin/gunicorn" config.wsgi --bind "127.0.0.1:$port" \
      --workers "${WEB_WORKERS:-2}" --access-logfile - --graceful-timeout 10
    launch "worker-$machine" "$PY" manage.py qcluster
    if [ "${SWEEP_EVERY:-10}" != 0 ]; then
      launch "sweeper-$machine" "$PY" manage.py sla_sweep --every "${SWEEP_EVERY:-10}"
    fi
  done
  for port in $PORTS; do
    for _ in $(seq 1 60); do
      curl -s -o /dev/null "http://127.0.0.1:$port/health/" && break
      sleep 0.5
    done
    curl -s -o /dev/null "http://127.0.0.1:$port/health/" \
      || { echo "The web server on port $port did not start: $DIR/web-*.log"; stop; exit 1; }
  done
  echo "Started on PostgreSQL ${DATABASE##*/} and Redis $REDIS (logs and pids in $DIR):"
  for port in $PORTS; do echo "  http://127.0.0.1:$port/admin/"; done
  [ -s "$DIR/demo-logins.txt" ] && cat "$DIR/demo-logins.txt"
  return 0
}

running() {
  local pidfile
  for pidfile in "$DIR"/*.pid; do
    [ -e "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null && return 0
  done
  return 1
}

stop() {
  local pidfile pid
  for pidfile in "$DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2> /dev/null || true
  done
  for _ in $(seq 1 40); do running || break; sleep 0.5; done
  for pidfile in "$DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill -KILL -- "-$(cat "$pidfile")" 2> /dev/null || true
    rm -f "$pidfile"
  done
  echo "Stopped."
}

status() {
  local pidfile
  for pidfile in "$DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    if kill -0 "$(cat "$pidfile")" 2> /dev/null; then state=running; else state=stopped; fi
    echo "$(basename "$pidfile" .pid): $state (pid $(cat "$pidfile"))"
  done
  for port in $PORTS; do
    echo "health on $port: $(curl -s "http://127.0.0.1:$port/health/" || echo 'no answer')"
  done
}

case "${1:-run}" in
  start) start ;;
  stop) stop ;;
  status) environment; status ;;
  run)
    start
    trap 'stop; exit 0' INT TERM
    echo "Ctrl-C stops everything started here."
    while running; do sleep 1; done
    stop ;;
  *) echo "usage: $0 [run|start|stop|status]"; exit 2 ;;
esac
