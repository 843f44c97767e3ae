"""ITT Desk benchmarks: synthetic data at two scales, figures against same-run baselines.

Run ``python -m bench --quick`` (small, for development and the smoke test) or
``python -m bench`` (the large scale). See BENCHMARKS.md.
"""
