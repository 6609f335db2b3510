"""Reliability: check_grads, no side effects on inputs, threads, NaN and inf, the documented catalogue."""
import pathlib
import threading

import numpy as np
import pytest

import ssagrad
from rule_table import TABLE
from ssagrad.compiler.normalize import UNSUPPORTED_EXPRESSIONS, UNSUPPORTED_STATEMENTS
from ssagrad.compiler.rules.catalog import refused_markdown


def smooth(x, y):
    return np.sum(np.sin(x) * y ** 2) + np.sum(np.tanh(x @ np.ones((3, 2))))


def test_check_grads_checks_both_modes_and_second_order(rng):
    grads = ssagrad.check_grads(smooth, rng.normal(size=3), 0.7, order=2)
    assert len(grads) == 2


def half_stopped(x):
    return np.sum(x * ssagrad.stop_gradient(x))


def test_check_grads_reports_the_worst_entry():
    with pytest.raises(AssertionError, match=r"worst entry \(1,\): ssagrad .*0\.5.*numerical .*1\.0"):
        ssagrad.check_grads(half_stopped, np.array([0.2, 0.5]))


@pytest.mark.parametrize("primitive", list(TABLE)[::7], ids=lambda p: getattr(p, "__name__", str(p)))
def test_inputs_are_never_modified(primitive, rng):
    case = TABLE[primitive][0]
    args = []
    for spec in case.args:
        if hasattr(spec, "shape"):
            value = 0.5 + 0.1 * rng.random(spec.shape) if spec.shape is not None else 0.6
            if spec.symmetric_positive or spec.generic:
                value = np.eye(spec.shape[0], spec.shape[1]) * 2.0 + 0.1 * value
        else:
            value = spec
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False
        args.append(value)
    before = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    with np.errstate(all="ignore"):
        ssagrad.grad(case.fn, wrt=case.wrt)(*args)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def make_function(k):
    def shifted(x):
        return np.sum(np.sin(x + 0.1) ** 2)
    return shifted


def test_eight_threads_compile_each_function_once(compile_counter):
    functions = [make_function(k) for k in range(4)]
    x = np.linspace(0, 1, 5)
    expected = 2 * np.sin(x + 0.1) * np.cos(x + 0.1)
    gradients = [ssagrad.grad(f) for f in functions]
    errors = []
    barrier = threading.Barrier(8)

    def work(i):
        try:
            barrier.wait()
            for _ in range(20):
                g = gradients[i % 4] if i % 2 else ssagrad.grad(functions[i % 4])
                np.testing.assert_allclose(g(x), expected)
        except Exception as exc:  # reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert compile_counter() == 4


def nan_aware(x):
    return np.sum(x * 2.0 + np.sin(x))


def test_nan_and_inf_propagate_as_in_the_primal():
    x = np.array([1.0, np.nan, np.inf])
    with np.errstate(invalid="ignore"):
        g = ssagrad.grad(nan_aware)(x)
    assert g[0] == pytest.approx(2 + np.cos(1.0)) and np.isnan(g[1]) and np.isnan(g[2])  # cos(inf) is NaN


def test_every_unsupported_construct_is_listed_in_the_docs():
    supported = (pathlib.Path(__file__).parent.parent / "docs" / "supported.md").read_text()
    assert refused_markdown() in supported, "docs/supported.md: regenerate the refused constructs section"
    for what in list(UNSUPPORTED_STATEMENTS.values()) + list(UNSUPPORTED_EXPRESSIONS.values()):
        assert what in refused_markdown()
