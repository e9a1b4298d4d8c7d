#!/usr/bin/env bash
# The benchmark suite (pytest-benchmark): per-node throughput, pattern queries, patch renders,
# spec/planning costs, farm scaling. `--quick` renders short stretches once each (CI: keeps the
# suite from rotting; its numbers mean nothing). Extra arguments go to pytest.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" test
if [ "${1:-}" = "--quick" ]; then
  shift
  export PHONON_BENCH_QUICK=1
  exec python -m pytest bench -q -p no:cacheprovider --benchmark-max-time=0.01 \
       --benchmark-min-rounds=1 --benchmark-warmup=off "$@"
fi
exec python -m pytest bench --benchmark-only "$@"
