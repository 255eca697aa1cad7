"""Benchmarks of the assistant (``python -m bench``); not part of ``make test``."""
