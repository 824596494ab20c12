"""The broadcast benchmark starts and reports its figures (a smoke test at a tiny size, not a timing)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_broadcast_runs_at_a_tiny_size():
    out = subprocess.run([sys.executable, "-m", "bench.broadcast", "--recipients", "40", "--rate", "200"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "achieved ÷ allowed" in out.stdout and "duplicates 0 · losses 0" in out.stdout
    assert "command: python -m bench.broadcast --recipients 40 --rate 200" in out.stdout
