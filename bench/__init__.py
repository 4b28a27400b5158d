"""Benchmarks of 掌上办. Each prints its figures (throughput, p50/p99 and the ratio to a bare Flask
endpoint measured in the same run); none is a timed unit test. See docs/benchmarks.md."""
