"""Run every benchmark script: ``python -m benchmarks [--quick]``."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    argv = sys.argv[1:]
    here = Path(__file__).parent
    for mod in sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")):
        importlib.import_module(f"benchmarks.{mod}").main(argv)


if __name__ == "__main__":
    main()
