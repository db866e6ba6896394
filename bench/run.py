"""`make bench`: run every bench/bench_*.py and print its figures.

Each benchmark runs in its own process (its own Django setup and throwaway database),
measures its baseline in the same run and prints ratios against it, so the figures
compare on any machine. Run some: `uv run python bench/run.py pages updates`.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(word in n for word in argv)]
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "1"}
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call(  # noqa: S603 - our own modules, listed from bench/
            [sys.executable, "-c", f"import bench.{name} as b; b.main()"], cwd=ROOT, env=env
        )
        print(f"   ({time.perf_counter() - started:.1f} s, exit {code})", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
