"""The public API: grad, value_and_grad, wrt forms, types and shapes of gradients, methods."""
import functools
import inspect
import threading

import numpy as np
import pytest

import ssagrad
from gradcheck import assert_matches_finite_differences


def f(x, y, z):
    q = x + y
    return q * z


def test_decorator_forms():
    @ssagrad.grad
    def plain(x, y):
        return x * y

    @ssagrad.grad(wrt="y")
    def by_name(x, y):
        return x * y

    @ssagrad.value_and_grad(wrt=(0, 1))
    def both(x, y):
        return x * y
    assert plain(2.0, 3.0) == 3.0
    assert by_name(2.0, 3.0) == 2.0
    assert both(2.0, 3.0) == (6.0, (3.0, 2.0))


def test_wrt_forms_agree():
    assert ssagrad.grad(f, wrt=2)(-2.0, 5.0, -4.0) == ssagrad.grad(f, wrt="z")(-2.0, 5.0, -4.0) == 3.0
    assert ssagrad.grad(f, wrt=-1)(-2.0, 5.0, -4.0) == 3.0
    assert ssagrad.grad(f, wrt=("x", 2))(-2.0, 5.0, -4.0) == (-4.0, 3.0)
    assert ssagrad.grad(f, wrt=[0])(-2.0, 5.0, -4.0) == (-4.0,)


def test_keyword_and_default_arguments():
    def scaled(x, scale=3.0):
        return scale * x ** 2
    g = ssagrad.grad(scaled)
    assert g(2.0) == 12.0
    assert g(2.0, scale=1.0) == 4.0
    assert g(x=2.0, scale=0.5) == 2.0
    by_scale = ssagrad.grad(scaled, wrt="scale")
    assert by_scale(2.0) == by_scale(2.0) == 4.0  # the second call: the default's gradient again


def test_metadata_and_repr():
    g = ssagrad.grad(f, wrt=("x", "z"))
    assert g.__wrapped__ is f and g.primal is f
    assert g.__name__ == "f" and g.__doc__ == f.__doc__
    assert repr(g) == "<ssagrad.grad of f with respect to x, z>"
    assert "value_and_grad" in repr(ssagrad.value_and_grad(f))
    assert inspect.signature(g) == inspect.signature(f)


def test_source_and_ssa_are_text_that_use_the_users_names():
    g = ssagrad.grad(f)
    assert g.source.startswith("def f_grad(x, y, z):")
    assert "q = x + y" in g.source and "dq" in g.source
    assert "q = add(x, y)" in g.ssa and "mul(q, z)" in g.ssa


def test_python_float_in_float_out_and_dtypes_kept():
    def poly(x):
        return np.sum(x ** 3)
    assert type(ssagrad.grad(poly)(2.0)) is float
    for dtype in (np.float32, np.float64):
        x = np.arange(3, dtype=dtype)
        g = ssagrad.grad(poly)(x)
        assert g.dtype == dtype and g.shape == (3,)
        assert isinstance(ssagrad.grad(poly)(dtype(2.0)), dtype)
    zero_d = np.array(2.0)
    assert ssagrad.grad(poly)(zero_d).shape == ()


def test_unused_inputs_get_zero_gradients_of_their_shape_and_dtype():
    def ignores_y(x, y):
        return np.sum(x * 2.0)
    x = np.ones(3)
    y = np.ones((2, 2), dtype=np.float32)
    dx, dy = ssagrad.grad(ignores_y, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(dx, 2.0 * np.ones(3))
    assert dy.shape == (2, 2) and dy.dtype == np.float32 and not dy.any()
    assert ssagrad.grad(ignores_y, wrt=1)(1.0, 5.0) == 0.0


def test_values_read_many_times_accumulate():
    def many(x):
        a = x * x
        b = a + x
        return np.sum(b * x + a)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(ssagrad.grad(many)(x), 3 * x ** 2 + 2 * x + 2 * x, rtol=1e-14)


def test_reassignment_tuple_unpacking_and_swaps():
    def swap(x, y):
        a, b = x, y
        a, b = b, a
        x = x * 2
        x = x * 3
        return a * 10 + b + x
    assert ssagrad.grad(swap, wrt=(0, 1))(1.0, 2.0) == (7.0, 10.0)


def test_augmented_assignment_and_annotations():
    def aug(x):
        y: float = x
        y += x
        y *= x
        y -= 1
        y /= 2
        return y
    assert ssagrad.grad(aug)(3.0) == pytest.approx(6.0)


def test_comparisons_are_constants():
    def masked(x):
        mask = x > 0
        return np.sum(x * mask)
    np.testing.assert_array_equal(ssagrad.grad(masked)(np.array([-1.0, 2.0, 3.0])), [0.0, 1.0, 1.0])


def test_constants_globals_and_closures(rng):
    scale = np.array([1.0, 2.0, 3.0])

    def closed(x):
        return np.sum(x * scale * OFFSET) + np.pi
    x = rng.normal(size=3)
    np.testing.assert_allclose(ssagrad.grad(closed)(x), scale * OFFSET)


OFFSET = 2.0


def uses_global_weights(x):
    return np.sum(x * WEIGHTS)


WEIGHTS = np.ones(2)


def test_free_data_names_are_read_at_call_time():
    global WEIGHTS
    g = ssagrad.grad(uses_global_weights)
    np.testing.assert_array_equal(g(np.zeros(2)), [1.0, 1.0])
    WEIGHTS = np.array([4.0, 5.0])
    np.testing.assert_array_equal(g(np.zeros(2)), [4.0, 5.0])


def test_closure_cells_are_read_at_call_time():
    factor = 2.0

    def closed(x):
        return factor * x
    g = ssagrad.grad(closed)
    assert g(1.0) == 2.0
    factor = 5.0
    assert g(1.0) == 5.0


def test_numpy_imported_under_any_name():
    import numpy as xp

    def other_alias(x):
        return xp.sum(xp.sin(x))
    x = np.linspace(0, 1, 4)
    np.testing.assert_allclose(ssagrad.grad(other_alias)(x), np.cos(x))


def test_a_local_named_np_does_not_break_the_rules():
    def shadow(x):
        np_ = x
        np2 = np.tanh(np_)
        return np.sum(np2)
    x = np.linspace(-1, 1, 3)
    np.testing.assert_allclose(ssagrad.grad(shadow)(x), 1 - np.tanh(x) ** 2)


def test_methods_of_classes():
    class Model:
        def __init__(self, scale):
            self.scale = scale

        @ssagrad.grad
        def loss(self, w):
            return np.sum(w ** 2)
    m = Model(2.0)
    np.testing.assert_array_equal(m.loss(np.array([1.0, 2.0])), [2.0, 4.0])


def test_gradients_are_fresh_writable_arrays_and_inputs_untouched():
    def total(x):
        return np.sum(x)
    x = np.arange(3.0)
    x.flags.writeable = False
    g = ssagrad.grad(total)(x)
    assert g.flags.writeable and not np.shares_memory(g, x)
    g[0] = 7.0
    np.testing.assert_array_equal(x, [0.0, 1.0, 2.0])


def test_stop_gradient_cuts_a_path():
    def half_stopped(x):
        return x * ssagrad.stop_gradient(x)
    assert ssagrad.grad(half_stopped)(3.0) == 3.0


def test_user_registered_rule():
    def softplus(x):
        return np.log1p(np.exp(x))

    @ssagrad.adjoint(softplus)
    def _(result, x):
        d[x] = d[result] / (1 + np.exp(-x))  # noqa: F821

    def uses_softplus(x):
        return np.sum(softplus(x))
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(ssagrad.grad(uses_softplus)(x), 1 / (1 + np.exp(-x)))
    assert_matches_finite_differences(uses_softplus, (x,), wrt=(0,))


def test_logistic_regression_loss_matches_finite_differences(rng):
    def loss(w, x, y):
        p = 1 / (1 + np.exp(-x @ w))
        return np.mean((p - y) ** 2)
    w, x, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    assert_matches_finite_differences(loss, (w, x, y), wrt=(0, 1, 2))


def test_two_layer_network_matches_finite_differences(rng):
    def mlp(w1, b1, w2, x, y):
        h = np.tanh(x @ w1 + b1)
        out = h @ w2
        return np.mean((out - y) ** 2)
    args = (rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)),
            rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    assert_matches_finite_differences(mlp, args, wrt=(0, 1, 2))


def test_drops_into_scipy_minimize_as_jac(rng):
    optimize = pytest.importorskip("scipy.optimize")

    def quadratic(x, a, b):
        r = a @ x - b
        return 0.5 * np.sum(r * r)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=6)
    result = optimize.minimize(quadratic, np.zeros(3), args=(a, b), jac=ssagrad.grad(quadratic), method="BFGS")
    np.testing.assert_allclose(result.x, np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-6)


def test_partial_application(rng):
    def weighted(x, w):
        return np.sum((1 - x) ** 2 * w)
    g = functools.partial(ssagrad.grad(weighted), w=2.0)
    x = rng.normal(size=4)
    np.testing.assert_allclose(g(x), -4 * (1 - x))


def test_concurrent_first_calls_compile_once(compile_counter):
    def shared(x):
        return np.sum(np.sin(x))
    g = ssagrad.grad(shared)
    x = np.linspace(0, 1, 5)
    results = []

    def work():
        results.append(g(x))
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert compile_counter() == 1
    for r in results:
        np.testing.assert_allclose(r, np.cos(x))
