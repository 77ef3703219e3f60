"""Benchmarks of the registry: the real server, a generated registry, measured against its own /hello.

Run with `.venv/bin/python -m bench` (see bench/README.md).
"""
