"""Benchmarks of the bulk paths, run with ``python -m bench`` (``make bench``).

Each benchmark is a module with ``run(rows=None, repeat=...) -> list[Result]``
that times the product's own code against the raw DuckDB operation on the
same rows, measured in the same run, and compares the ratio with a goal.
Register a new module in ``bench/__main__.py``.
"""

from bench._harness import Result

__all__ = ["Result"]
