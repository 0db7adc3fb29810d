#!/usr/bin/env bash
# Local OrleansAgents cluster: its own PostgreSQL under .data/, the schema, worker silos and (once built)
# the front-end silo, each a separate process. No Docker needed.
#
#   cluster.sh [run]                      start everything in the foreground; Ctrl+C stops it all
#   cluster.sh up [--workers N] [--http-port P]   start detached
#   cluster.sh down                       stop everything this script started
#   cluster.sh status                     what runs, with PIDs
#   cluster.sh kill NAME                  SIGKILL one process (worker-1, worker-2, ..., frontend)
#   cluster.sh start NAME                 start that one again
#   cluster.sh restart NAME               graceful restart (SIGTERM, wait, start)
#   cluster.sh pg-stop | pg-start         stop / start this cluster's PostgreSQL (outage drills)
#
# Environment: OA_PG_PORT (55432), OA_HTTP_PORT (5180), OA_CONFIGURATION (Release), OA_SKIP_BUILD=1,
#   OA_SILO_DLL / OA_WEB_DLL (run another build of the hosts, e.g. a ReadyToRun publish).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="$ROOT/.data"
PIDS="$DATA/pids"
LOGS="$DATA/logs"
PGDATA="$DATA/postgres"
PG_PORT="${OA_PG_PORT:-55432}"
HTTP_PORT="${OA_HTTP_PORT:-5180}"
CONFIGURATION="${OA_CONFIGURATION:-Release}"
DB_NAME="orleans_agents"
# A small pool per process: three silos and PostgreSQL share two cores here, and PostgreSQL is fastest with
# few active backends (measured with the bench: pool 8 gave W1 5.1-8.7k steps/s and W2 p50 1.0-1.35 s,
# pool 60 gave 3.3-5.2k and 1.7-2.1 s; pool 4 starved W2; see bench/README.md). Size it to PostgreSQL's cores, not to the load.
CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$DB_NAME;Maximum Pool Size=8"
# OA_SILO_DLL / OA_WEB_DLL run other builds (e.g. a ReadyToRun publish; with OA_SKIP_BUILD=1).
SILO_DLL="${OA_SILO_DLL:-$ROOT/src/OrleansAgents.Silo/bin/$CONFIGURATION/net10.0/OrleansAgents.Silo.dll}"
WEB_DLL="${OA_WEB_DLL:-$ROOT/src/OrleansAgents.Web/bin/$CONFIGURATION/net10.0/OrleansAgents.Web.dll}"
WORKERS_FILE="$DATA/workers"

say() { printf '%s\n' "cluster: $*"; }
die() { printf '%s\n' "cluster: $*" >&2; exit 1; }

pg_bin() {
  local dir
  dir="$(pg_config --bindir 2>/dev/null || true)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "PostgreSQL server binaries not found: install the 'postgresql' package"
  echo "$dir"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_q() { "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${2:-$DB_NAME}" -tAq -c "$1"; }

postgres_up() {
  local bin; bin="$(pg_bin)"
  mkdir -p "$DATA" "$PIDS" "$LOGS"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    say "initialising PostgreSQL in $PGDATA"
    mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PGDATA"
    as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >"$LOGS/initdb.log"
  fi
  if as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    say "PostgreSQL already running on port $PG_PORT"
  else
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$LOGS" 2>/dev/null || true
    touch "$LOGS/postgres.log"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$LOGS/postgres.log"
    as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB -c shared_preload_libraries=pg_stat_statements" >/dev/null
    touch "$PIDS/postgres.started-here"
    say "PostgreSQL started on port $PG_PORT"
  fi
  if [ "$(psql_q "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" postgres)" != 1 ]; then
    psql_q "CREATE DATABASE $DB_NAME" postgres
  fi
  # Statement statistics for profiling (bench/README.md); harmless otherwise.
  psql_q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
}

postgres_down() {
  if [ -f "$PIDS/postgres.started-here" ]; then
    as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    rm -f "$PIDS/postgres.started-here"
    say "PostgreSQL stopped"
  fi
}

build() {
  if [ "${OA_SKIP_BUILD:-}" = 1 ] && [ -f "$SILO_DLL" ]; then return; fi
  say "building ($CONFIGURATION)"
  local projects=("$ROOT/src/OrleansAgents.Silo/OrleansAgents.Silo.csproj")
  [ -f "$ROOT/src/OrleansAgents.Web/OrleansAgents.Web.csproj" ] && projects+=("$ROOT/src/OrleansAgents.Web/OrleansAgents.Web.csproj")
  for p in "${projects[@]}"; do dotnet build "$p" -c "$CONFIGURATION" -nologo -v quiet >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log"; die "build failed"; }; done
}

migrate() {
  dotnet "$SILO_DLL" migrate --connection "$CONNECTION" | sed 's/^/cluster: /'
}

index_of() { echo "${1##*-}"; }

start_process() {
  local name="$1"
  local pidfile="$PIDS/$name.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then say "$name already running"; return; fi
  local common=(
    "ConnectionStrings__Postgres=$CONNECTION"
    "Cluster__ClusterId=local" "Cluster__ServiceId=local" "Cluster__SiloName=$name"
    "DOTNET_ENVIRONMENT=Development"
  )
  case "$name" in
    worker-*)
      local i; i="$(index_of "$name")"
      env -C "$(dirname "$SILO_DLL")" "${common[@]}" "Cluster__SiloPort=$((11110 + i))" "Cluster__GatewayPort=$((30000 + i))" \
        "Telemetry__PrometheusPort=$((9460 + i))" \
        nohup dotnet "$SILO_DLL" >>"$LOGS/$name.log" 2>&1 &
      ;;
    frontend)
      [ -f "$WEB_DLL" ] || die "the front-end silo is not built yet"
      env -C "$(dirname "$WEB_DLL")" "${common[@]}" "Cluster__SiloPort=11100" "Cluster__GatewayPort=30100" \
        "ASPNETCORE_URLS=http://127.0.0.1:$HTTP_PORT" "ASPNETCORE_ENVIRONMENT=Development" \
        nohup dotnet "$WEB_DLL" >>"$LOGS/$name.log" 2>&1 &
      ;;
    *) die "unknown process '$name' (worker-N or frontend)";;
  esac
  echo $! >"$pidfile"
  say "$name started (pid $!, log .data/logs/$name.log)"
}

stop_process() {
  local name="$1" signal="${2:-TERM}"
  local pidfile="$PIDS/$name.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    say "$name stopped ($signal)"
  fi
  rm -f "$pidfile"
}

names() {
  local workers; workers="$(cat "$WORKERS_FILE" 2>/dev/null || echo 2)"
  for i in $(seq 1 "$workers"); do echo "worker-$i"; done
  [ -f "$WEB_DLL" ] && echo frontend
  return 0
}

wait_ready() {
  local workers="$1" deadline=$((SECONDS + 90))
  local expected="$workers"; [ -f "$WEB_DLL" ] && expected=$((workers + 1))
  until [ "$(psql_q "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = 'local' AND status = 3" 2>/dev/null || echo 0)" -ge "$expected" ]; do
    [ $SECONDS -lt $deadline ] || die "the cluster did not become ready in 90 s; see .data/logs/"
    sleep 0.5
  done
  if [ -f "$WEB_DLL" ]; then
    until curl -fsS "http://127.0.0.1:$HTTP_PORT/health/ready" >/dev/null 2>&1; do
      [ $SECONDS -lt $deadline ] || die "the front end did not become ready in 90 s; see .data/logs/frontend.log"
      sleep 0.5
    done
  fi
}

cmd_up() {
  local workers=2
  while [ $# -gt 0 ]; do
    case "$1" in
      --workers) workers="$2"; shift 2;;
      --http-port) HTTP_PORT="$2"; shift 2;;
      *) die "unknown option $1";;
    esac
  done
  postgres_up
  build
  migrate
  echo "$workers" >"$WORKERS_FILE"
  for name in $(names); do start_process "$name"; done
  wait_ready "$workers"
  say "ready: $workers workers$([ -f "$WEB_DLL" ] && echo ", front end at http://127.0.0.1:$HTTP_PORT")"
  say "PostgreSQL: $CONNECTION"
  if [ -f "$WEB_DLL" ]; then
    say "development API keys: dev-user-1 (owner user-1), dev-user-2 (owner user-2), dev-operator (operator)"
  fi
}

cmd_down() {
  for name in frontend $(names | grep -v frontend | sort -r); do stop_process "$name"; done
  postgres_down
}

cmd_status() {
  for name in $(names); do
    local pidfile="$PIDS/$name.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      say "$name running (pid $(cat "$pidfile"))"
    else
      say "$name stopped"
    fi
  done
  if as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then say "postgres running on port $PG_PORT"; else say "postgres stopped"; fi
}

cmd="${1:-run}"; shift || true
case "$cmd" in
  up) cmd_up "$@";;
  down) cmd_down;;
  status) cmd_status;;
  kill) stop_process "${1:?name}" KILL;;
  start) start_process "${1:?name}";;
  restart) stop_process "${1:?name}" TERM; start_process "$1";;
  pg-stop) as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; say "PostgreSQL stopped";;
  pg-start) postgres_up;;
  run)
    trap 'echo; cmd_down; exit 0' INT TERM
    cmd_up "$@"
    say "Ctrl+C stops everything"
    while true; do sleep 1; done
    ;;
  *) die "unknown command '$cmd'";;
esac
