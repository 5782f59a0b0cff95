"""Benchmarks: scripts run as ``python -m bench.NAME`` that print a table (see README.md)."""
