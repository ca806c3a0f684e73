"""AnSinh benchmarks: load runs against `ansinh run` with production settings (see docs/PERFORMANCE.md)."""
