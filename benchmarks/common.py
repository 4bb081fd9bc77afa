"""Small helpers shared by the benchmark scripts."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable

import numpy as np


def best_of(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Minimum wall time over ``repeat`` runs (seconds) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.min(times)), result


def machine() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def print_table(rows: list[dict], title: str) -> None:
    """rows: dicts with task, ours_s, peer, peer_s, target; prints ratio = peer / ours."""
    print(f"\n{title}  ({machine()})")
    print(f"{'task':<48} {'crm_models':>11} {'peer':>24} {'ratio':>8}  target")
    for r in rows:
        peer_s = r.get("peer_s")
        ratio = f"{peer_s / r['ours_s']:.1f}x" if peer_s else "-"
        peer = f"{r.get('peer', '-')}: {peer_s:.3f}s" if peer_s else r.get("peer", "-")
        print(f"{r['task']:<48} {r['ours_s']:>10.3f}s {peer:>24} {ratio:>8}  {r.get('target', '')}")
