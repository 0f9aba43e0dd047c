"""Performance benchmarks of vixens-tui (issue 7). Run them all with `python -m bench.run`."""
