"""Random programs: the contract of issue 14 as a property.

For every program ssagrad accepts, the value and gradients it returns are those of the Python function
as Python runs it (aliasing, views and in-place writes included); otherwise it refuses with a located
DifferentiationError (at compile time, or from the alias check before the write). For each program:

- the value equals the plain function's, called on copies of the inputs (it may write into them);
- the gradients equal central finite differences (each evaluation on fresh copies);
- forward mode agrees with them (a directional derivative);
- second order: forward over reverse (``ssagrad.hvp``) equals central differences of the generated
  gradient along a direction (in one input, drawn with the program; in each input for saved regressions);
- no gradient call changes the caller's arrays.

A refusal must carry a location; any other exception is a failure.

CI runs a fixed sample (derandomized); to run 10^4 programs:

    SSAGRAD_FUZZ_EXAMPLES=10000 python -m pytest tests/fuzz -p no:cacheprovider -x

or, on two cores, two other samples of 5000 each (SSAGRAD_FUZZ_SEED=1 and =2, in two processes).

The Numba mode (numba_check.py) also differentiates each program's ``numba.njit(f)`` (the helpers
jitted too): its gradient must be the Python gradient's numbers and its value the Numba primal's, or a
located refusal, also where Numba cannot compile the primal itself (counted apart). CI runs a small
fixed sample of it (test_random_programs_with_numba) and the programs it found wrong
(regressions_numba/); for a big sample, ~2 s a program on one core:

    SSAGRAD_FUZZ_NUMBA=1 SSAGRAD_FUZZ_EXAMPLES=400 SSAGRAD_FUZZ_SEED=41 \
        python -m pytest tests/fuzz -p no:cacheprovider -k random_programs -q

The run ends with a summary of how many programs ran clean and how many were refused, by message
(tests/fuzz/conftest.py). A failure prints the program's source: save it under tests/fuzz/regressions/
(a module with a function ``f(x, y, z)``; the generator's prelude of helpers may be replaced by its
marker line, ``grammar.PRELUDE_MARKER``) and it is checked on every run.
"""
import collections
import glob
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import ssagrad
from grammar import load, programs, render, with_helpers
from numba_check import check_numba
from ssagrad import DifferentiationError
from ssagrad.check import STEP, TOLERANCE, numerical_grad
from ssagrad.runtime import own

EXAMPLES = int(os.environ.get("SSAGRAD_FUZZ_EXAMPLES", "120"))
# another sample than CI's fixed one (to run big samples on several cores at once): SSAGRAD_FUZZ_SEED=1, 2, ...
SEED = os.environ.get("SSAGRAD_FUZZ_SEED")
REGRESSIONS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "regressions", "*.py")))
# programs the Numba mode found wrong, checked in the Numba mode (first order only: each compiles with Numba)
NUMBA_REGRESSIONS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "regressions_numba", "*.py")))
# those not fixed yet, and why (strict: a fix shows as an unexpected pass, and its entry goes)
NUMBA_KNOWN = {}
WRT = (0, 1, 2)
# what became of each random program: "clean", "overflowed", "refused: <message>", "second order refused:
# <message>" (see conftest.py)
OUTCOMES = collections.Counter()
# the Numba mode (numba_check.py), for every program run with SSAGRAD_FUZZ_NUMBA=1 and CI's small sample:
# "numba clean", "numba refused: <message>", "numba cannot compile the function; gradient ..."
NUMBA = os.environ.get("SSAGRAD_FUZZ_NUMBA") == "1"
NUMBA_OUTCOMES = collections.Counter()


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=3), rng.normal(size=3), float(rng.normal())


def close(ours, expected, scale, rtol=TOLERANCE * 10):
    return np.allclose(ours, expected, rtol=rtol, atol=rtol * scale)


def richardson(fn, step):
    """d/dt fn(t) at 0 by central differences with Richardson extrapolation (as ssagrad.check does)."""
    def central(h):
        return (np.asarray(fn(h)) - np.asarray(fn(-h))) / (2 * h)
    return (4 * central(step / 2) - central(step)) / 3


def refusal(error, source) -> str:
    """The kind of a refusal: its message with the names taken out."""
    assert error.location is not None, f"a DifferentiationError without a location: {error}\nin this program:\n{source}"
    message = re.sub(r"\w+\(\)", "…()", re.sub(r"'[^']*'", "'…'", error.message))
    message = re.sub(r"'…'(?: and '…')+", "'…'", message)
    return "refused: " + re.split(r"[:;]| \(`", message)[0].strip()


def check_program(fn, source, second=WRT, numba=None) -> str:
    """Check one program against the contract, second order in the arguments ``second``; returns what
    became of it (see OUTCOMES). ``numba``: a Counter to count what became of its Numba gradient in
    (numba_check.py), or None not to check it."""
    args = inputs()
    where = f"\nin this program:\n{source}"

    def plain(*point):  # Python's function, on copies: it may write into its arguments
        return fn(*own(point))

    def untouched(what):
        for index, (now, then) in enumerate(zip(args, inputs())):
            assert np.array_equal(now, then), f"{what} changed argument {index} of the caller{where}"

    with np.errstate(all="ignore"):
        value = plain(*args)
        if not np.isfinite(value) or abs(value) > 1e6:
            return "overflowed"  # nothing to compare
        gradient = ssagrad.value_and_grad(fn, wrt=WRT)
        try:
            ours, grads = gradient(*args)
        except DifferentiationError as error:
            outcome = refusal(error, source)
            if numba is not None:
                numba[check_numba(source, args, None, error, refusal)] += 1
            return outcome
        untouched("the gradient call")
        scale = max(1.0, abs(value))
        assert np.isclose(ours, value, rtol=1e-12, atol=1e-12 * scale), \
            f"value: ssagrad {ours!r}, Python {value!r}{where}"

        # forward mode agrees with reverse mode: <grad f, v> == jvp(f)(x; v)
        directions = inputs(seed=1)
        _, derivative = ssagrad.jvp(fn, args, directions)
        untouched("jvp")
        along = sum(float(np.sum(g * v)) for g, v in zip(grads, directions))
        assert np.isclose(derivative, along, rtol=1e-8, atol=1e-8 * max(1.0, abs(along))), (
            f"forward mode {derivative!r} != reverse mode {along!r}{where}")

        for index, g in enumerate(grads):
            expected = numerical_grad(plain, args, index)
            # near a branch threshold the function jumps and differences mean nothing:
            # a second, larger step tells smooth points from kinks
            if close(expected, numerical_grad(plain, args, index, step=STEP * 4), 1e-4):
                assert close(g, expected, scale), (
                    f"d f / d(argument {index}): ssagrad {g!r}, central differences {expected!r}{where}")
        if numba is not None:
            numba[check_numba(source, args, (ours, grads), None, refusal)] += 1

        # second order, forward over reverse: H v against differences of the generated gradient along v
        for index in second:
            direction = directions[index]
            try:
                product = ssagrad.hvp(fn, wrt=index)(*args, direction)
            except DifferentiationError as error:
                # within the contract when located: writes the first-order gradient could follow in place,
                # through names a run-time check looks at, which its generated code cannot copy
                return "second order " + refusal(error, source)
            untouched("hvp")

            def moved(t, index=index, direction=direction):
                point = list(args)
                point[index] = args[index] + t * direction
                return gradient(*point)[1][index]
            expected = richardson(moved, STEP)
            if close(expected, richardson(moved, STEP * 4), 1e-4):
                assert close(product, expected, max(1.0, float(np.max(np.abs(grads[index]))))), (
                    f"Hessian-vector product in argument {index}: ssagrad {product!r}, differences of the "
                    f"gradient {expected!r}{where}")
    return "clean"


def check_source(source, second=WRT, numba=None) -> str:
    try:
        return check_program(load(source).f, source, second, numba)
    except AssertionError:
        raise
    except Exception as error:
        # generated file names carry a counter, so hypothesis would call a crash "flaky"
        # and hide the program: report it here instead
        raise AssertionError(f"{type(error).__name__}: {error}\nin this program:\n{source}") from error


@settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@(seed(int(SEED)) if SEED else lambda test: test)
@given(programs(), st.sampled_from(WRT))
def test_random_programs(program, second):
    """One random program; second order in one of its arguments (all three cost too much for CI)."""
    OUTCOMES[check_source(render(program), (second,), NUMBA_OUTCOMES if NUMBA else None)] += 1


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_random_programs_with_numba(program):
    """A small fixed sample in the Numba mode (each program compiles its primal and its gradient)."""
    pytest.importorskip("numba")
    OUTCOMES[check_source(render(program), (), NUMBA_OUTCOMES)] += 1


@pytest.mark.parametrize("path", REGRESSIONS, ids=os.path.basename)
def test_saved_regressions(path):
    with open(path) as handle:
        check_source(with_helpers(handle.read()))


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=pytest.mark.xfail(reason=NUMBA_KNOWN[os.path.basename(path)], strict=True))
    if os.path.basename(path) in NUMBA_KNOWN else path for path in NUMBA_REGRESSIONS], ids=os.path.basename)
def test_saved_numba_regressions(path):
    """A saved program in the Numba mode; a line ``# numba outcome: <outcome>`` says what must become of it."""
    pytest.importorskip("numba")
    with open(path) as handle:
        source = handle.read()
    outcomes = collections.Counter()
    check_source(with_helpers(source), (), outcomes)
    expected = re.search(r"^# numba outcome: (.*)$", source, re.M)
    if expected:
        assert list(outcomes) == [expected.group(1)], f"expected {expected.group(1)!r}, got {list(outcomes)}"
