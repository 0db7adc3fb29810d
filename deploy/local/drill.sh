#!/usr/bin/env bash
# Failure drills on the local cluster, each bounded in time, printing one JSON line per drill:
#   kill -9 a worker under 100 runs (W3), rolling deploys of changed agent definitions under load (every worker
#   restarted in turn; then with the old worker kept up 15 s), kill the front end
#   while clients watch, PostgreSQL down for 10 s under load. Leaves the cluster running (cluster.sh down).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
deploy/local/cluster.sh up
dotnet build bench/OrleansAgents.Bench -c Release -nologo -v quiet
BENCH="bench/OrleansAgents.Bench/bin/Release/net10.0/OrleansAgents.Bench.dll"
timeout 600 dotnet "$BENCH" --repo "$ROOT" --no-warmup --workload D-ROLLING,D-ROLLING-KEEP,D-FRONTEND,D-PG
timeout 300 dotnet "$BENCH" --repo "$ROOT" --no-warmup --workload W3
# W3 leaves its killed worker down, as its definition asks: bring it back.
for w in worker-1 worker-2; do OA_SKIP_BUILD=1 deploy/local/cluster.sh start "$w"; done
