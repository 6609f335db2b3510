"""The loop, branch and in-place-write tests, again through the Numba backend (issue 17).

Every test of tests/test_control_flow.py and tests/test_memory_model.py runs here once more, with its
``check`` also taking each checked function's gradient with ``jit="numba"``: the same numbers as the Python
gradient (to rounding), or a located refusal naming the user's line, for the constructs Numba cannot
compile (listed in docs/numba.md; ``REFUSED`` below must match what refuses, so a change shows).
"""
import inspect
import itertools

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError

numba = pytest.importorskip("numba")

import test_control_flow  # noqa: E402
import test_memory_model  # noqa: E402

MODULES = (test_control_flow, test_memory_model)
# test -> what the Numba gradient of each function it checks refuses for, a word of each located error
# (docs/numba.md lists these constructs); every other checked function must give the Python numbers.
# Empty since np.add.at, np.array of arrays, index arrays beside a slice and out= into y[...] compile
# (runtime/numba_helpers.py: add_at, stacked, array_copy, written_part/zero_at/unindex of rows)
REFUSED: dict[str, list[str]] = {}


def _tests():
    for module in MODULES:
        for name, test in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(test) and not hasattr(test, "hypothesis"):
                yield pytest.param(module, name, id=f"{module.__name__}.{name}")


def _cases(mark) -> list[dict]:
    """The keyword arguments of each case a ``parametrize`` mark makes."""
    names = [n.strip() for n in mark.args[0].split(",")] if isinstance(mark.args[0], str) else list(mark.args[0])
    cases = []
    for case in mark.args[1]:
        values = case.values if hasattr(case, "values") else (case if len(names) > 1 else (case,))  # pytest.param
        cases.append(dict(zip(names, values)))
    return cases


def _calls(test):
    """Keyword arguments for each case of ``test`` (its parametrize marks; ``rng`` as the fixture gives)."""
    grids = [_cases(m) for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
    for combination in itertools.product(*grids):
        kwargs = {k: v for part in combination for k, v in part.items()}
        if "rng" in inspect.signature(test).parameters:
            kwargs["rng"] = np.random.default_rng(0)
        yield kwargs


def _copies(args):
    return [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]


def _through_numba(fn, args, wrt, refusals):
    wrt = tuple(range(len(args))) if wrt is None else tuple(wrt)
    python = ssagrad.grad(fn, wrt=wrt)(*_copies(args))
    try:
        compiled = ssagrad.grad(fn, wrt=wrt, jit="numba")(*_copies(args))
    except DifferentiationError as error:
        assert error.location is not None, f"{fn.__name__}: a refusal without a location: {error}"
        refusals.append(str(error).splitlines()[0])
        return
    for got, want in zip(compiled, python):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=fn.__name__)
        assert type(got) is type(want), fn.__name__


@pytest.mark.parametrize("module, name", list(_tests()))
def test_through_numba(module, name, monkeypatch, tmp_path):
    refusals = []
    original = module.check

    def check(fn, *args, wrt=None):
        result = original(fn, *args, wrt=wrt)
        _through_numba(fn, args, wrt, refusals)
        return result
    monkeypatch.setattr(module, "check", check)
    test = getattr(module, name)
    for kwargs in _calls(test):
        if "tmp_path" in inspect.signature(test).parameters:
            kwargs["tmp_path"] = tmp_path
        test(**kwargs)
    expected = REFUSED.get(name, [])
    assert len(refusals) == len(expected) and all(
        any(word in message for message in refusals) for word in expected), refusals
