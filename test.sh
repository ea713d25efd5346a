#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, builds, runs every test project.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages some tests need (none yet beyond the SDK and Node). As root they are
# installed; otherwise the script says what to install.
need_debs=()
if ((${#need_debs[@]})); then
  missing=()
  for p in "${need_debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "Please install: sudo apt-get install -y ${missing[*]}" >&2; exit 1
    fi
  fi
fi

# Node modules from the lockfiles: buf at the root, the Node step executor in its folder.
for dir in . plugins/text-stats-node; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  fi
done

dotnet restore GrpcWorkflows.sln --verbosity quiet
dotnet build GrpcWorkflows.sln -c Release --no-restore --verbosity quiet -warnaserror

results=$(mktemp -d)
set +e
# -m:1: test projects run one after another. Several of them start clusters of processes
# (orchestrator, executors); run together on a 2-core machine they starve each other's loopback calls.
dotnet test GrpcWorkflows.sln -c Release --no-build -m:1 --logger "trx" --results-directory "$results" "$@"
status=$?
# The Node executor's own suite (node --test, TAP summary lines "# pass N" / "# fail N").
npm test --prefix plugins/text-stats-node >"$results/node.tap" 2>&1
node_status=$?
set -e
grep -E '^# (pass|fail) ' "$results/node.tap" | sed 's/^/text-stats-node: /'
if [ "$node_status" -ne 0 ]; then cat "$results/node.tap"; status=1; fi

# One closing line for the whole run: "N passed, N failed, N skipped", summed over every test project.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
node_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$results/node.tap"); node_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$results/node.tap")
passed=$((passed + ${node_pass:-0})); failed=$((failed + ${node_fail:-0}))
rm -rf "$results"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
