#!/usr/bin/env bash
# Regenerates screenshots/ from the headless renderer: the real app on the demo organization
# (seed 7) with a frozen clock and the built-in default theme.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
picket=target/release/picket
shot() {
  local name=$1 keys=$2
  env -u NO_COLOR "$picket" render --demo --seed 7 --config /dev/null --size 120x40 --keys "$keys" --format svg > "screenshots/$name.svg"
  echo "screenshots/$name.svg"
}
mkdir -p screenshots
shot overview ""
shot findings "2"
shot filter "2 / sev>=high Space account:prod-*"
shot detail "2 j Enter"
shot help "2 ?"
shot logs "3"
shot incidents "2 i Enter"
shot compliance "5 Enter"
shot presenter "P 2 Enter"
