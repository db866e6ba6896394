"""Shared by the benchmarks: a throwaway PostgreSQL database and timing helpers."""

import contextlib
import os
import statistics
import time


@contextlib.contextmanager
def bench_database(name: str):
    """Set Django up on a fresh database `name` (created, migrated, dropped after)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "1")
    import django
    from django.conf import settings

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    settings.DATABASES["default"]["TEST"]["NAME"] = name
    settings.ALLOWED_HOSTS = ["*"]
    config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples
