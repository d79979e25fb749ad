#!/usr/bin/env bash
# Resident memory of picket holding 100,000 findings, as the kernel accounts it: with the disk
# store (picket's default: raw records leave memory once written) and without (--no-store).
# Builds the memory bench binary (release) and runs it under /usr/bin/time -v, both ways.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo bench --bench memory --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "memory" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "could not build the memory bench" >&2; exit 1; }
for store in 1 0; do
  PICKET_BENCH_STORE=$store /usr/bin/time -v "$bin" 2> >(grep -E "Maximum resident|Elapsed" >&2)
  echo
done
