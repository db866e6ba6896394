"""`make bench`: run every bench/bench_*.py module's main() and print its figures.

Each benchmark measures its own baseline in the same run and prints ratios against it,
so figures compare on any machine. Run one alone: `uv run python bench/run.py pdf`.
"""

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TESTING", "1")


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(word in n for word in argv)]
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
