import numpy as np
import pytest

from ssagrad.compiler import cache


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def compile_counter():
    """How many compilations happen inside the test."""
    start = cache.compiles
    return lambda: cache.compiles - start


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_call(item):
    """Give each case of a parametrized Hypothesis test the settings it was written with.

    Hypothesis' pytest plugin wraps a parametrized test's settings in one more layer at every case
    (6.170 does); over the rule table's ~2700 cases the chain outgrows Python's recursion limit.
    """
    fn = getattr(item, "obj", None)
    fn = getattr(fn, "__func__", fn)
    if hasattr(fn, "_hypothesis_internal_use_settings"):
        written = fn.__dict__.setdefault("_ssagrad_written_settings", fn._hypothesis_internal_use_settings)
        fn._hypothesis_internal_use_settings = written
    yield
