"""The workloads benchmarks/run.py times (issue 15) get correct gradients: against the hand-written
gradient the benchmark compares with, and against finite differences. No timings here."""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest
from gradcheck import assert_matches_finite_differences

import ssagrad


def load_workloads():
    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "workloads.py"
    spec = importlib.util.spec_from_file_location("benchmark_workloads", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


w = load_workloads()


@pytest.mark.parametrize("width", [16, 64])
def test_mlp_gradient_is_the_hand_written_backprop(rng, width):
    args = w.mlp_inputs(rng, width)
    grads = ssagrad.grad(w.mlp_loss, wrt=(0, 1, 2, 3))(*args)
    for ours, theirs in zip(grads, w.mlp_by_hand(*args), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_logistic_regression_gradient_is_the_hand_written_one(rng):
    args = w.logistic_regression_inputs(rng)
    np.testing.assert_allclose(ssagrad.grad(w.logistic_regression_loss)(*args),
                               w.logistic_regression_by_hand(*args), rtol=1e-10, atol=1e-14)
    assert_matches_finite_differences(w.logistic_regression_loss, args, wrt=(0, 1))


def test_rk4_lotka_volterra_matches_finite_differences():
    assert_matches_finite_differences(w.rk4_lotka_volterra, w.rk4_inputs(), wrt=(0, 1))


def test_springs_match_finite_differences():
    x, v, k, dt, _ = w.springs_inputs(n=12, steps=10)
    assert_matches_finite_differences(w.springs, (x, v + 0.1, k, dt, 10), wrt=(0, 1, 2))


def test_springs_gradient_is_the_hand_written_adjoint():
    """The springs are linear: x' = x + dt v', v' = v + dt k L x with L symmetric, so the adjoint
    runs the same stencil backwards."""
    args = x, v, k, dt, steps = w.springs_inputs(n=50, steps=30)
    for _ in range(steps):
        v = v + dt * k * (np.roll(x, 1) + np.roll(x, -1) - 2.0 * x)
        x = x + dt * v
    dx, dv = 2.0 * x, np.zeros_like(x)
    for _ in range(steps):
        dv = dv + dt * dx
        dx = dx + dt * k * (np.roll(dv, 1) + np.roll(dv, -1) - 2.0 * dv)
    np.testing.assert_allclose(ssagrad.grad(w.springs)(*args), dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, args, wrt", [
    ("logistic_regression_loss", lambda: w.logistic_regression_inputs(np.random.default_rng(1)), 0),
    ("rk4_lotka_volterra", lambda: w.rk4_inputs(steps=20), (0, 1)),
    ("springs", lambda: w.springs_inputs(n=20, steps=5), 0),
])
def test_the_peers_differentiate_the_same_source(name, args, wrt):
    """benchmarks/run.py times autograd on ``rebound`` copies of these functions: same gradients."""
    autograd = pytest.importorskip("autograd")
    import autograd.numpy as anp
    args = args()
    ours = ssagrad.grad(getattr(w, name), wrt=wrt)(*args)
    theirs = autograd.grad(getattr(w.rebound(anp), name), wrt)(*args)
    for a, b in zip(ours if isinstance(wrt, tuple) else [ours], theirs if isinstance(wrt, tuple) else [theirs]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
