#!/usr/bin/env bash
# `picket findings` against moto with N Security Hub findings (default 25,000): how long the
# import takes, how many lines a jsonl sweep prints, its exit status, and its maximum resident
# memory (/usr/bin/time -v), for the debug binary unless PICKET_BIN names another.
#
#   scripts/sweep-moto.sh            # 25,000 findings
#   scripts/sweep-moto.sh 5000       # 5,000, to compare memory
#   LIMIT=20000 scripts/sweep-moto.sh   # also a run with --limit 20000 (expect exit 4)
#
# tests/moto_sweep.rs runs the same at CI scale; this is the full-size run (the import alone
# takes minutes: moto looks up every imported finding among those it holds).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-25000}
bin=${PICKET_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet
  bin="${CARGO_TARGET_DIR:-target}/debug/picket"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
for _ in $(seq 100); do
  curl -fs "$url/moto-api/" >/dev/null 2>&1 && break
  sleep 0.1
done

start=$(date +%s.%N)
python3 - "$url" "$n" <<'EOF'
import sys, datetime, boto3
url, n = sys.argv[1], int(sys.argv[2])
sh = boto3.client('securityhub', endpoint_url=url)
sh.enable_security_hub()
now = datetime.datetime.now(datetime.timezone.utc)
labels = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
for begin in range(0, n, 100):
    batch = []
    for i in range(begin, min(begin + 100, n)):
        stamp = (now - datetime.timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%S.000Z')
        batch.append({
            'SchemaVersion': '2018-10-08', 'Id': f'finding-{i}', 'GeneratorId': 'picket-sweep',
            'ProductArn': 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
            'AwsAccountId': '123456789012', 'Types': ['Software and Configuration Checks'],
            'CreatedAt': stamp, 'UpdatedAt': stamp, 'Severity': {'Label': labels[i % 5]},
            'Title': f'finding {i}', 'Description': 'imported by scripts/sweep-moto.sh',
            'Resources': [{'Type': 'Other', 'Id': f'resource-{i}'}]})
    out = sh.batch_import_findings(Findings=batch)
    assert out['FailedCount'] == 0, out
EOF
end=$(date +%s.%N)
printf 'import of %d findings: %.1f s\n' "$n" "$(echo "$end - $start" | bc)"

sweep() {
  local out err status
  out=$(mktemp) err=$(mktemp)
  set +e
  /usr/bin/time -v "$bin" findings --source securityhub --endpoint-url "$url" --region us-east-1 \
    --format jsonl "$@" >"$out" 2>"$err"
  status=$?
  set -e
  echo "picket findings --format jsonl $*: $(wc -l <"$out") lines, $(sort -u "$out" | wc -l) distinct, exit $status"
  grep -E "^picket:" "$err" || true
  grep -E "Maximum resident|Elapsed \(wall" "$err" | sed 's/^\s*/  /'
  rm -f "$out" "$err"
}
sweep
if [ -n "${LIMIT:-}" ]; then
  sweep --limit "$LIMIT"
fi
