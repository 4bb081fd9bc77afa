"""Cost of embedding the CJK font subset in Chinese HTML reports (crm_models.report.fonts).

Renders the CSI and CLV reports in Chinese (``--quick``: CSI only) and records, per page,
the time :func:`~crm_models.report.fonts.embed_cjk_font` took and the bytes it added; the
peer is the whole report (notebook run and HTML export) measured in the same run. The first
page also pays for reading the 16 MB font file (once per process).

    python -m benchmarks.bench_fonts [--quick]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import machine


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    import crm_models.report.fonts as fonts
    from crm_models.report.runner import run_reports

    names = ["csi"] if "--quick" in argv else ["csi", "clv"]
    measured: list[tuple[float, int, int, int]] = []
    original = fonts.embed_cjk_font

    def timed(html: str) -> str:
        start = time.perf_counter()
        out = original(html)
        measured.append((time.perf_counter() - start, len(html.encode()), len(out.encode()),
                         len(fonts.page_characters(html))))
        return out

    fonts.embed_cjk_font = timed
    try:
        with tempfile.TemporaryDirectory() as out:
            results = run_reports(names, parameters={"n_boot": 200}, out=Path(out), run_id="zh", lang="zh",
                                  progress="off")
    finally:
        fonts.embed_cjk_font = original
    print(f"\nCJK font subset in Chinese reports  ({machine()})")
    print(f"{'report':<8} {'report s':>9} {'embed s':>8} {'share':>6} {'page kB':>8} {'added kB':>9} "
          f"{'chars':>6}")
    pages = [m for m in measured if m[2] != m[1]]
    for result, (seconds, before, after, chars) in zip(results, pages, strict=False):
        print(f"{result.name:<8} {result.seconds:>9.1f} {seconds:>8.2f} {seconds / result.seconds:>6.1%} "
              f"{before / 1000:>8.0f} {(after - before) / 1000:>9.0f} {chars:>6}")


if __name__ == "__main__":
    main()
