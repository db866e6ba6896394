"""A cold pack's parts are rendered ahead in worker processes, and come out exactly as
when they are rendered one after another.

The walk guesses each part's start as if no part before it handed rows on
(`reporting.pdf.walk_pack`); a wrong guess must be rendered again at the right start.
A process with other threads never forks, and the test runner's workers have threads,
so the walk runs in a fresh Python process, as the background worker or gunicorn does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import json, resource, shutil
import django
django.setup()
from bench.bench_pdf import _empty_part_cache, synthetic_pack
from reporting import pdf

pack = synthetic_pack(36)

def walk(processes, cache):
    return [
        [job.key, part.page_count, part.kept_rows]
        for job, part in pdf.walk_pack(pack, 6, cache=cache, processes=processes)
    ]

def children_cpu():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime

folder = _empty_part_cache()
alone = walk(1, cache=False)
before = children_cpu()
ahead = walk(2, cache=True)
after = children_cpu()
again = walk(2, cache=True)
shutil.rmtree(folder)
print(json.dumps({
    "alone": alone, "ahead": ahead, "again": again,
    "ahead_cpu": after - before, "again_cpu": children_cpu() - after,
}))
"""


def test_parts_rendered_ahead_in_worker_processes_match_parts_rendered_in_turn():
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "1"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["ahead_cpu"] > 0  # the worker processes did the rendering
    kept = [kept for _, _, kept in found["alone"]]
    assert any(kept), "no part handed rows on: no wrong guess was tested"
    # Same parts, same HTML (the key is its hash), same pages, same rows handed on.
    assert found["ahead"] == found["alone"]
    # Printed again, every part comes from the cache: no guess is rendered again.
    assert found["again"] == found["alone"]
    assert found["again_cpu"] == 0
