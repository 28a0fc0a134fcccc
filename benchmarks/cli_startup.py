"""Benchmark: how long the `tracker` command takes to start, against a bare Python start on the same machine.

Runs each command REPEAT times as a real process and prints the best and the median wall time (a shared machine
adds noise, never speed). Aim: `tracker --help` < 0.4 s on the 2-core build machine. The import profile of the
slowest modules follows: `python -X importtime`, the tool to find what made it slow.

    python benchmarks/cli_startup.py [--repeat 15] [--tracker PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [["--help"], ["query", "--help"], ["nosuchcommand"], ["status"]]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, timeout=120, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--tracker", default=shutil.which("tracker") or str(Path(sys.executable).parent / "tracker"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRACKER_DATABASE_URL": f"sqlite:///{tmp}/absent.db", "TRACKER_CONFIG": f"{tmp}/x.toml"}
        rows = [("python -c pass", [sys.executable, "-c", "pass"])]
        rows += [(f"tracker {' '.join(c)}", [args.tracker, *c]) for c in COMMANDS]
        print(f"{'command':<28} {'best s':>7} {'median s':>9}   ({args.repeat} runs each)")
        for label, argv in rows:
            times = [timed(argv, env) for _ in range(args.repeat)]
            print(f"{label:<28} {min(times):7.3f} {statistics.median(times):9.3f}")
        profile = subprocess.run([sys.executable, "-X", "importtime", "-c",
                                  "import sys; sys.argv = ['tracker', '--help']\nfrom igtracker.cli import main\n"
                                  "try:\n    main()\nexcept SystemExit:\n    pass"],
                                 env=env, capture_output=True, text=True, timeout=120)
    imports = []
    for line in profile.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            imports.append((int(parts[1]), parts[2].strip()))
    print("\nslowest imports of `tracker --help` (cumulative ms):")
    for micros, name in sorted(imports, reverse=True)[:8]:
        print(f"  {micros / 1000:7.1f}  {name}")


if __name__ == "__main__":
    main()
