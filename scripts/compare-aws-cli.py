#!/usr/bin/env python3
"""Wall time of `picket findings --format json` against `aws securityhub get-findings`.

Starts moto on a free loopback port, imports N ASFF findings with BatchImportFindings, then
runs both tools against the same server several times and prints the median wall time of each
and their ratio. Both must print every finding; the script checks the counts.

    scripts/compare-aws-cli.py [--picket target/release/picket] [--findings 5000] [--runs 5]

Needs moto (`pip install 'moto[server]'`) and the AWS CLI.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws/credentials",
    "AWS_PAGER": "",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(port):
    program = shutil.which("moto_server")
    cmd = [program] if program else [sys.executable, "-m", "moto.server"]
    child = subprocess.Popen(
        cmd + ["-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return child
        except OSError:
            if time.monotonic() > deadline:
                child.kill()
                sys.exit(f"moto did not start on port {port}")
            time.sleep(0.1)


def import_findings(url, n):
    import boto3  # moto brings boto3
    import datetime

    sh = boto3.client("securityhub", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    sh.enable_security_hub()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    labels = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
    for start in range(0, n, 100):
        batch = [{
            "SchemaVersion": "2018-10-08", "Id": f"finding-{i}", "GeneratorId": "compare",
            "ProductArn": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
            "AwsAccountId": "123456789012", "Types": ["Software and Configuration Checks"],
            "CreatedAt": stamp, "UpdatedAt": stamp, "Severity": {"Label": labels[i % 5]},
            "Title": f"finding {i}", "Description": "imported for the comparison",
            "Resources": [{"Type": "AwsEc2Instance", "Id": f"i-{i:017x}", "Region": "us-east-1"}],
        } for i in range(start, min(start + 100, n))]
        out = sh.batch_import_findings(Findings=batch)
        if out["FailedCount"]:
            sys.exit(f"import failed: {out}")


def timed(cmd, env):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    return elapsed, out.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--picket", default="target/release/picket")
    parser.add_argument("--findings", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("aws"):
        sys.exit("the AWS CLI is required: pip install awscli")

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(ENV)
    # An empty config: the comparison runs on defaults, whatever the user's own config says.
    config = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    config.close()
    env["PICKET_CONFIG"] = config.name
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    moto = start_moto(port)
    try:
        import_findings(url, args.findings)
        picket = [args.picket, "findings", "--source", "securityhub", "--endpoint-url", url,
                  "--region", "us-east-1", "--format", "json"]
        cli = ["aws", "securityhub", "get-findings", "--endpoint-url", url,
               "--region", "us-east-1", "--output", "json"]
        times = {"picket": [], "aws-cli": []}
        for _ in range(args.runs):
            for name, cmd in (("picket", picket), ("aws-cli", cli)):
                elapsed, stdout = timed(cmd, env)
                data = json.loads(stdout)
                # The AWS CLI prints {"Findings": [...]}; picket {"complete", "findings", ...}.
                count = len(data["Findings"] if name == "aws-cli" else data["findings"])
                if count != args.findings:
                    sys.exit(f"{name} printed {count} findings, expected {args.findings}")
                times[name].append(elapsed)
    finally:
        moto.kill()
        moto.wait()
        os.unlink(config.name)

    p, a = statistics.median(times["picket"]), statistics.median(times["aws-cli"])
    print(f"{args.findings} Security Hub findings from moto, median of {args.runs} runs")
    print(f"  picket findings --format json   {p:7.3f} s")
    print(f"  aws securityhub get-findings    {a:7.3f} s")
    print(f"  ratio picket / aws-cli          {p / a:7.3f}")


if __name__ == "__main__":
    main()
