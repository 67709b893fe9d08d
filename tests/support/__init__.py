"""Helpers shared by the tests and the benchmarks (no fixtures here: see tests/conftest.py)."""
