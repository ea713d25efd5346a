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

# Node modules (buf and the Node step executor) from the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

dotnet restore GrpcWorkflows.sln --verbosity quiet
dotnet build GrpcWorkflows.sln -c Release --no-restore --verbosity quiet -warnaserror

results=$(mktemp -d)
set +e
dotnet test GrpcWorkflows.sln -c Release --no-build --logger "trx" --results-directory "$results" "$@"
status=$?
set -e

# One closing line for the whole run: "N passed, N failed, N skipped", summed over every test project.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
rm -rf "$results"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
