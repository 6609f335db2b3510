"""The worked examples the project grew out of, exact; the functions are the example's own."""
import importlib.util
import math
import pathlib

import numpy as np
import pytest

import ssagrad

_path = pathlib.Path(__file__).parent.parent / "examples" / "seed_graphs.py"
_spec = importlib.util.spec_from_file_location("seed_graphs", _path)
seed_graphs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seed_graphs)
e, f, sigmoid = seed_graphs.e, seed_graphs.f, seed_graphs.sigmoid
perceptron_loss = seed_graphs.perceptron_squared_loss


def test_e_is_6_with_gradients_2_and_5():
    value, (da, db) = ssagrad.value_and_grad(e, wrt=(0, 1))(2.0, 1.0)
    assert (value, da, db) == (6.0, 2.0, 5.0)


@pytest.mark.parametrize("point, value, grads", [
    ((-2.0, 5.0, -4.0), -12.0, (-4.0, -4.0, 3.0)),
    ((1.0, 3.0, -3.0), -12.0, (-3.0, -3.0, 4.0)),
])
def test_f_and_g(point, value, grads):
    v, g = ssagrad.value_and_grad(f, wrt=(0, 1, 2))(*point)
    assert v == value
    assert g == grads


def test_issue_example_calls():
    df = ssagrad.grad(f)
    assert df(-2.0, 5.0, -4.0) == -4.0
    assert ssagrad.grad(f, wrt="z")(-2.0, 5.0, -4.0) == 3.0
    assert ssagrad.value_and_grad(f)(-2.0, 5.0, -4.0) == (-12.0, -4.0)


@pytest.mark.parametrize("x", [-5.0, -1.0, 0.0, 0.3, 2.0, 7.0])
def test_sigmoid_derivative_is_sigma_times_one_minus_sigma(x):
    s = 1 / (1 + math.exp(-x))
    assert ssagrad.grad(sigmoid)(x) == pytest.approx(s * (1 - s), rel=1e-14)


def test_sigmoid_elementwise_on_arrays():
    x = np.linspace(-4, 4, 9)

    def total(x):
        return np.sum(1 / (1 + np.exp(-x)))
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(ssagrad.grad(total)(x), s * (1 - s), rtol=1e-14)


def test_perceptron_gradient_is_x_times_yhat_one_minus_yhat_times_error():
    w = np.array([0.5, -0.3, 0.8])
    x = np.array([1.0, 2.0, -1.5])
    y = 1.0
    y_hat = 1 / (1 + np.exp(-w @ x))
    expected = x * y_hat * (1 - y_hat) * (y_hat - y)
    np.testing.assert_allclose(ssagrad.grad(perceptron_loss)(w, x, y), expected, rtol=1e-13)
    ssagrad.check_grads(perceptron_loss, w, x, y)


def test_the_example_script_runs_and_checks_itself(capsys):
    seed_graphs.main()
    out = capsys.readouterr().out
    assert "All worked examples match." in out
    for line in ("∂c/∂a = 1, ∂c/∂b = 1, ∂d/∂b = 1, ∂e/∂c = 2, ∂e/∂d = 3",
                 "∂a/∂b = 0, ∂b/∂b = 1, ∂c/∂b = 1, ∂d/∂b = 1, ∂e/∂b = 5",
                 "∂e/∂a = 2, ∂e/∂b = 5, ∂e/∂c = 2, ∂e/∂d = 3, ∂e/∂e = 1",
                 "∂e/∂b = ∂c/∂b·∂e/∂c + ∂d/∂b·∂e/∂d = 1·2 + 1·3 = 5"):
        assert line in out
