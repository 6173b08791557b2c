"""Benchmarks of relay-graph; `make bench` runs them (see docs/benchmarks.md)."""
