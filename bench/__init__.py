"""Benchmark of Contact Atlas at scale: a synthetic dataset generator and measurements over HTTP.

`python manage.py bench` is the one entry point (see `contacts/management/commands/bench.py`); the
numbers land in BENCHMARKS.md between the bench markers.
"""
