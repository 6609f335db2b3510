"""Random programs: ssagrad's gradient against central finite differences.

CI runs a fixed sample (derandomized); to run 10^4 programs:

    SSAGRAD_FUZZ_EXAMPLES=10000 python -m pytest tests/fuzz -p no:cacheprovider

A failure prints the program's source: save it under tests/fuzz/regressions/
(a module with a function ``f(x, y, z)``) and it is checked on every run.
"""
import glob
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import ssagrad
from grammar import load, programs, render
from ssagrad.check import STEP, TOLERANCE, numerical_grad

EXAMPLES = int(os.environ.get("SSAGRAD_FUZZ_EXAMPLES", "250"))
REGRESSIONS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "regressions", "*.py")))


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=3), rng.normal(size=3), float(rng.normal())


def check_program(fn, source):
    args = inputs()
    with np.errstate(all="ignore"):
        value = fn(*args)
        if not np.isfinite(value) or abs(value) > 1e6:
            return  # the program overflowed: nothing to compare
        grads = ssagrad.grad(fn, wrt=(0, 1, 2))(*args)
        # forward mode agrees with reverse mode: <grad f, v> == jvp(f)(x; v)
        directions = inputs(seed=1)
        _, derivative = ssagrad.jvp(fn, args, directions)
        along = sum(float(np.sum(g * v)) for g, v in zip(grads, directions))
        assert np.isclose(derivative, along, rtol=1e-8, atol=1e-8 * max(1.0, abs(along))), (
            f"forward mode {derivative!r} != reverse mode {along!r} in this program:\n{source}")
        for index, g in enumerate(grads):
            expected = numerical_grad(fn, args, index)
            # near a branch threshold the function jumps and differences mean nothing:
            # a second, larger step tells smooth points from kinks
            if not np.allclose(expected, numerical_grad(fn, args, index, step=STEP * 4), rtol=1e-4, atol=1e-4):
                continue
            scale = max(1.0, abs(value))
            assert np.allclose(g, expected, rtol=TOLERANCE * 10, atol=TOLERANCE * 10 * scale), (
                f"d f / d(argument {index}): ssagrad {g!r}, central differences {expected!r}\n"
                f"in this program:\n{source}")


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_random_programs(program):
    source = render(program)
    try:
        check_program(load(source).f, source)
    except AssertionError:
        raise
    except Exception as error:
        # generated file names carry a counter, so hypothesis would call a crash "flaky"
        # and hide the program: report it here instead
        raise AssertionError(f"{type(error).__name__}: {error}\nin this program:\n{source}") from error


@pytest.mark.parametrize("path", REGRESSIONS, ids=os.path.basename)
def test_saved_regressions(path):
    with open(path) as handle:
        source = handle.read()
    check_program(load(source).f, source)
