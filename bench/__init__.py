"""Benchmarks: each prints a table and the baseline measured in the same run."""
