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
