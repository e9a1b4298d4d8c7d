"""The test-only node kinds (tests/farm_helpers.py) in every process of a test run.

Python imports `sitecustomize` at start-up from its path; tests/farm_helpers.py puts this
folder first on PYTHONPATH, so the farm's template, its workers (forked from it), dask's
worker processes and the command-line runs the tests start all know t_sine, t_pole, ... as
the test process does. Nothing in phonon/ or workers/ knows of it."""
import os
import sys

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
import farm_helpers  # noqa: E402,F401  (registers the node kinds)
