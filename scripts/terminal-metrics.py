#!/usr/bin/env python3
"""End-to-end terminal figures for picket, measured through a real pseudo-terminal:

  * time from exec to the first frame, and to the first frame showing findings;
  * bytes written to the terminal per minute while nobody touches a key.

Usage: scripts/terminal-metrics.py [path/to/picket] [--runs N] [--idle SECONDS]
Build first: cargo build --release
"""
import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import termios
import time

ROWS, COLS = 40, 120


def spawn(picket, args, config_text):
    """Starts picket in a new pty of ROWS x COLS; returns (pid, master fd)."""
    config = f"/tmp/picket-metrics-{os.getpid()}.toml"
    with open(config, "w") as f:
        f.write(config_text)
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        env.update(TERM="xterm-256color", COLORTERM="truecolor")
        os.execve(picket, [picket, "--demo", "--seed", "7", "--config", config, *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd


def read_for(fd, seconds):
    """Everything the program writes in the next `seconds`."""
    out = bytearray()
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return bytes(out)
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return bytes(out)


def wait_for(fd, marker, timeout=10.0):
    """The monotonic time at which `marker` has appeared in the output."""
    start = time.monotonic()
    seen = bytearray()
    while time.monotonic() - start < timeout:
        ready, _, _ = select.select([fd], [], [], 0.005)
        if ready:
            seen += os.read(fd, 65536)
            if marker in seen:
                return time.monotonic()
    raise TimeoutError(f"no {marker!r} within {timeout}s")


def quit_picket(pid, fd):
    os.write(fd, b"q")
    read_for(fd, 0.3)
    os.waitpid(pid, 0)
    os.close(fd)


def startup(picket, runs):
    first, with_findings = [], []
    for _ in range(runs):
        t0 = time.monotonic()
        pid, fd = spawn(picket, [], "")
        first.append(wait_for(fd, b"Open findings by account") - t0)
        # The first frame can precede the first batch; the second marker is data on screen.
        with_findings.append(wait_for(fd, b"prod-web") - t0)
        quit_picket(pid, fd)
    return statistics.median(first) * 1000, statistics.median(with_findings) * 1000


def idle_bytes(picket, seconds, config_text, keys=b""):
    pid, fd = spawn(picket, [], config_text)
    wait_for(fd, b"prod-web")
    if keys:
        os.write(fd, keys)
    read_for(fd, 3.0)  # let the screen settle
    written = len(read_for(fd, seconds))
    quit_picket(pid, fd)
    return written * 60.0 / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("picket", nargs="?", default="target/release/picket")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    first, data = startup(args.picket, args.runs)
    print(f"time to first frame: {first:.1f} ms median of {args.runs} (first frame with findings: {data:.1f} ms)")
    frozen = "[demo]\nlive = false\n"
    print(f"idle, frozen organization, overview: {idle_bytes(args.picket, args.idle, frozen):.0f} bytes/min")
    print(f"idle, frozen organization, findings: {idle_bytes(args.picket, args.idle, frozen, b'2'):.0f} bytes/min")
    print(f"live demo (new findings every ~4 s), findings screen: {idle_bytes(args.picket, args.idle, '', b'2'):.0f} bytes/min")


if __name__ == "__main__":
    main()
