"""On-demand benchmarks: each ``bench_*.py`` measures crm_models against its peer in one run."""
