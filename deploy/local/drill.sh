#!/usr/bin/env bash
# Failure drills on the local cluster, each bounded in time, printing one JSON line per drill:
#   kill -9 a worker under 100 runs (W3), rolling deploys of changed agent definitions under load (every worker
#   restarted in turn; then with the old worker kept up 15 s), kill the front end
#   while clients watch, PostgreSQL down for 10 s under load. Leaves the cluster running (cluster.sh down).
#
#   drill.sh soak [--minutes M] [--fault-every S] [--seed N] [--runs R]
#     The chaos soak: R runs in flight (default 200) of every kind (bench runs of varied shape, voice-agent-builder
#     runs approved, rejected, steered and cancelled at random moments, a share watched over SSE, WebSocket and
#     the typed client, dropping and reconnecting), a fault every S seconds (default 60) in rotation (SIGKILL a
#     worker, SIGKILL the front end, SIGSTOP a worker 5 s, a rolling deploy with changed agent definitions,
#     PostgreSQL down 10 s) for M minutes (default 10); then every promise is checked from PostgreSQL and the
#     clients' records. One JSON summary line; exit 1 on any violation, with the seed that replays the schedule.
#     Restarts the cluster with the execution audit on (it checks that no committed step ran again).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BENCH="bench/OrleansAgents.Bench/bin/Release/net10.0/OrleansAgents.Bench.dll"

if [ "${1:-}" = soak ]; then
  shift
  args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --minutes|--fault-every|--seed|--runs) args+=("$1" "${2:?$1 needs a value}"); shift 2;;
      *) echo "drill: unknown option $1 (soak takes --minutes M --fault-every S --seed N --runs R)" >&2; exit 2;;
    esac
  done
  deploy/local/cluster.sh down
  # Two keys carry --runs (200) in flight: above the default 100 unfinished runs per owner.
  OrleansAgents__Journal__AuditStepExecutions=true OrleansAgents__Runs__Quotas__MaxUnfinishedRunsPerOwner=1000 deploy/local/cluster.sh up
  dotnet build bench/OrleansAgents.Bench -c Release -nologo -v quiet
  exec dotnet "$BENCH" --repo "$ROOT" --workload SOAK "${args[@]}"
fi

deploy/local/cluster.sh up
dotnet build bench/OrleansAgents.Bench -c Release -nologo -v quiet
timeout 600 dotnet "$BENCH" --repo "$ROOT" --no-warmup --workload D-ROLLING,D-ROLLING-KEEP,D-FRONTEND,D-PG
timeout 300 dotnet "$BENCH" --repo "$ROOT" --no-warmup --workload W3
# W3 leaves its killed worker down, as its definition asks: bring it back.
for w in worker-1 worker-2; do OA_SKIP_BUILD=1 deploy/local/cluster.sh start "$w"; done
