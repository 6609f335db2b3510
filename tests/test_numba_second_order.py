"""Second derivatives compiled with Numba (issue 17) of loops whose gradient keeps its tape in a list: a
``while`` loop, ``continue``, ``break``, a ``return`` in a loop, nested loops, a loop calling an ``@njit``
function. Their tangent code grows the tape (``appended``) and writes into arrays (``set_at``) by copying;
compiler/numba_versions.py makes those versions one list or array updated in place, where that is the same.

Each Hessian and Hessian-vector product is checked against the Python ones (``jit=False``, rtol 1e-12),
central differences of the gradient, and a closed form where there is one; the rewrite itself is checked
on code where it must not apply (an older version read, a version kept elsewhere) by running both in Python.
"""
import ast
import sys
from pathlib import Path

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import ssagrad  # noqa: E402
from ssagrad.compiler import DifferentiationError, numba_backend, numba_rewrite  # noqa: E402
from ssagrad.runtime import appended, numba_helpers, set_at, zero_tangent  # noqa: E402
from test_numba import (check_second_order, compiled_by_numba, lotka_volterra, nested,  # noqa: E402,F401
                        returns_early, skips, stops, until)
from test_reverse_over_reverse import settle  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import workloads  # noqa: E402


def until_large(x, a):
    s = x
    while True:
        s = s * a + np.sin(s)
        if s > 20.0:
            break
    return s


def weighted_squares(x, a):
    s = 0.0
    i = 0
    while i < x.shape[0]:
        s = s + a * x[i] ** 2
        i = i + 1
    return s


def cubes_above(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < a:
            continue
        s = s + x[i] ** 3
    return s


def skipping_while(x, a):
    s = 0.0
    i = 0
    while i < x.shape[0]:
        i = i + 1
        if x[i - 1] < 0.3:
            continue
        s = s + np.sin(a * x[i - 1]) * s + x[i - 1] ** 2
    return s


def nested_while(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i]
        while t < 3.0:
            t = t * a + 0.5
        s = s + t * t
    return s


def shrinking(x, a):
    y = x.copy()
    k = 0
    while np.sum(y * y) > 0.5:
        y = np.sin(y) * a
        k = k + 1
    return np.sum(y * x) + k


def _until_closed_form(x, a):
    """d²/da² of a^N x + sum_{k<N} a^k, N the loop's trip count at (x, a)."""
    n, s = 0, x
    while s < 10.0:
        s, n = s * a + 1.0, n + 1
    return n * (n - 1) * a ** (n - 2) * x + sum(k * (k - 1) * a ** (k - 2) for k in range(2, n))


RATES = workloads.rk4_inputs(steps=30)
CASES = [
    (lotka_volterra, 0, (1.0, 0.5, 0.3, 0.8, 1.2, 0.7, 0.01), None),
    (lotka_volterra, 4, (1.0, 0.5, 0.3, 0.8, 1.2, 0.7, 0.01), None),
    (workloads.rk4_lotka_volterra, 0, RATES, None),
    (until, 1, (1.5, 1.2), _until_closed_form),
    (until, 1, (0.2, 1.7), _until_closed_form),
    (until_large, 0, (0.5, 1.3), None),
    (settle, 0, (np.array([0.3, -0.2, 0.5]),), None),
    (weighted_squares, 0, (np.linspace(-1.0, 1.0, 5), 0.7), lambda x, a: 2 * a * np.eye(x.size)),
    (shrinking, 0, (np.array([0.9, -0.7, 1.1]), 0.8), None),
    (cubes_above, 0, (np.linspace(0.1, 0.9, 6), 0.35), lambda x, a: np.diag(6 * x * (x >= a))),
    (skips, 0, (np.linspace(0.1, 0.9, 6), 0.7), None),
    (skipping_while, 0, (np.linspace(0.1, 0.9, 6), 0.7), None),
    (stops, 1, (np.linspace(0.2, 0.9, 6), 0.7), lambda x, a: 0.0),
    (returns_early, 1, (1.1, 1.3), None),
    (nested, 0, (np.linspace(0.1, 0.9, 6), 0.7), None),
    (nested_while, 0, (np.linspace(0.1, 0.9, 4), 1.3), None),
]
IDS = ["rk4-calls-njit-a", "rk4-calls-njit-x", "rk4-workload", "while", "while-more-steps", "while-break",
       "while-array", "while-index", "while-array-test", "continue", "continue-sum", "while-continue",
       "break-in-a", "return-in-loop", "nested", "nested-while"]


@pytest.mark.parametrize("f, index, args, exact", CASES, ids=IDS)
def test_second_derivatives_of_list_tapes_compile_with_numba(f, index, args, exact, compiled_by_numba):
    check_second_order(f, index, args, exact, compiled_by_numba)
    sources = [numba_backend._sources[d.py_func.__code__.co_filename][0] for d in compiled_by_numba]
    assert not any("appended(" in s or "set_at(" in s for s in sources)  # grown and written in place


def test_the_tape_is_one_list_and_the_adjoint_one_array_in_the_tangent_code(compiled_by_numba):
    """until's tape and its tangent are appended to; the chain energy's adjoint's tangent is written entry by
    entry (it was a copy of the whole array an iteration: O(n^2) for an hvp)."""
    ssagrad.hessian(until, wrt=1, jit="numba")(1.5, 1.2)
    source = numba_backend._sources[compiled_by_numba[-1].py_func.__code__.co_filename][0]
    assert "tape.append(" in source and "= []" in source and "zero_tangent(tape" not in source
    x = np.linspace(0.0, 1.0, 7) ** 2
    np.testing.assert_allclose(ssagrad.hvp(workloads.chain_energy, jit="numba")(x, 0.7, x),
                               ssagrad.hvp(workloads.chain_energy)(x, 0.7, x), rtol=1e-12)
    source = numba_backend._sources[compiled_by_numba[-1].py_func.__code__.co_filename][0]
    assert "= set_in_place(" in source and "= copied(" in source


def kept_then_grown(x, a):
    xs = [x]
    pair = (xs, a)
    xs.append(x * a)  # pair sees this append
    return pair[0][0] * pair[1] + xs[1]


def test_a_list_its_tangent_code_cannot_grow_in_place_is_a_located_refusal():
    with pytest.raises(DifferentiationError, match="grows this list by copying it") as error:
        ssagrad.jvp(kept_then_grown, (0.5, 1.3), (1.0, 0.0), jit="numba")
    assert error.value.lineno == kept_then_grown.__code__.co_firstlineno + 3
    with pytest.raises(DifferentiationError):  # the Python code refuses it too (the list is shared)
        ssagrad.jvp(kept_then_grown, (0.5, 1.3), (1.0, 0.0))


# -- the rewrite, on code written as tangent code is, run in Python before and after ---------------------------

def _rewritten(source: str):
    """``source`` (one function) rewritten for Numba, and both as Python functions."""
    namespace = {"appended": appended, "set_at": set_at, "zero_tangent": zero_tangent, "np": np}
    exec(compile(source, "<before>", "exec"), before := dict(namespace))
    rewritten = numba_rewrite.rewrite(source, dict(namespace), {}, numba_helpers)
    exec(compile(rewritten.source, "<after>", "exec"), after := dict(rewritten.namespace))
    name = ast.parse(source).body[0].name
    return before[name], after[name], rewritten.source


GROWN = '''
def grown(x, n):
    t = []
    t_1 = t
    dt_1 = zero_tangent(t)
    k = 0
    while k < n:
        t_2 = appended(t_1, x * k)
        dt_2 = appended(dt_1, k)
        if k % 2:
            t_3 = t_2
        else:
            t_3 = t_2
        t_1, dt_1, k = t_3, dt_2, k + 1
    s = 0.0
    for step in range(len(t_1) - 1, -1, -1):
        s = s + t_1[step] * dt_1[step]
    return s
'''
OLD_READ = '''
def old_read(x, n):
    t = []
    t_1 = t
    for k in range(n):
        t_2 = appended(t_1, x * k)
        u = t_1
        t_1 = t_2
    return len(t_1) * 10 + len(u)
'''
KEPT = '''
def kept(x, n):
    t = []
    t_1 = t
    kept = (t_1, x)
    t_2 = appended(t_1, x)
    return len(kept[0]) + len(t_2)
'''
BRANCH = '''
def branch(x, n):
    t = [x]
    if n > 1:
        t_1 = appended(t, x * 2)
    else:
        t_1 = t
    return len(t) * 10 + len(t_1)
'''
ROWS = '''
def rows(x, n):
    d = zero_tangent(x)
    d_1 = d
    for i in range(n):
        row = d_1[i]
        d_2 = set_at(d_1, i, x[i] + row + i)
        total = np.sum(row)
        d_1 = d_2
    return np.sum(d_1) + total
'''
WRITTEN_THEN_KEPT = '''
def written_then_kept(x, n):
    d = zero_tangent(x)
    d_1 = set_at(d, 0, x[1])
    kept = [d_1]
    d_2 = set_at(d_1, 1, x[0])
    return np.sum(kept[0]) * 10 + np.sum(d_2)
'''


@pytest.mark.parametrize("source, x, in_place", [
    (GROWN, 1.5, True), (OLD_READ, 1.5, False), (KEPT, 1.5, False), (BRANCH, 1.5, False),
    (ROWS, np.arange(1.0, 7.0).reshape(3, 2), True), (WRITTEN_THEN_KEPT, np.arange(1.0, 4.0), False),
], ids=["grown", "older-version-read", "version-kept", "old-read-after-a-branch", "row-read-then-written",
        "written-after-kept"])
def test_versions_become_one_value_only_where_that_is_the_same(source, x, in_place):
    before, after, text = _rewritten(source)
    for n in (1, 2, 3):
        np.testing.assert_array_equal(after(np.copy(x), n), before(np.copy(x), n))
    assert (".append(" in text or "set_in_place(" in text) == in_place, text
    assert ("appended(" in text or "set_at(" in text) == (not in_place), text
