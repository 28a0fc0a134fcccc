"""The benchmarks measure what they say they measure (their figures are printed, never asserted here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def load_benchmark(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_coding_benchmark_reads_the_peak_memory_of_tracker_code_not_its_own(tmp_path: Path) -> None:
    launcher = load_benchmark("coding").LAUNCHER
    ballast = bytearray(300 * 2**20)  # this process's peak, which a child forked from it would count as its own
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    peak_file = tmp_path / "peak-kb"
    child = subprocess.run([sys.executable, "-c", launcher, str(peak_file), sys.executable, "-c", "pass"], check=False)
    assert child.returncode == 0
    assert int(peak_file.read_text()) / 1024 < 100  # a bare interpreter, not the 300 MB above
