#!/usr/bin/env bash
# npm run bench:task:baseline: `npm run bench:task` with an earlier build of the task run beside
# ours in every round (BENCH_BASELINE_TASK_DIR), so that the push path is compared with it as a
# share measured in the same rounds. The default is 8c99748, the build issue 15 measured its
# targets against; BENCH_BASELINE_COMMIT names another. The build is made once, from `git archive`
# of that commit with its own locked dependencies (npm ci, no install scripts: the task's build
# needs none), in a folder of the system's temp directory, and reused after.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$root" rev-parse --short=7 "${BENCH_BASELINE_COMMIT:-8c99748}^{commit}")"
dir="${TMPDIR:-/tmp}/container-mapping-bench-baseline-$commit"
task="$dir/build/tasks/ContainerMappingV1"
if [ ! -f "$task/index.js" ] || [ ! -f "$task/collect.js" ]; then
  echo "bench:task:baseline: building $commit in $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  git -C "$root" archive "$commit" | tar -x -C "$dir"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && node scripts/build-tasks.mjs)
fi
BENCH_BASELINE_TASK_DIR="$task" exec npm --prefix "$root" run --silent bench:task
