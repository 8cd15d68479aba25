"""Build-performance benchmarks of the bibcite plugin (see BENCHMARKS.md)."""
