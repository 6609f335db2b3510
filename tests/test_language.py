"""Language coverage: calls of user functions, closures, containers, methods, in-place writes, custom rules."""
import math

import numpy as np
import pytest

import ssagrad
from gradcheck import assert_matches_finite_differences
from other_module import affine, softplus


def check(fn, *args, wrt=None):
    wrt = tuple(range(len(args))) if wrt is None else wrt
    return assert_matches_finite_differences(fn, args, wrt)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def two_calls(x, y):
    return np.sum(sigmoid(x) * sigmoid(2.0 * y + x))


def test_a_helper_called_twice_with_different_arguments(rng):
    check(two_calls, rng.normal(size=3), rng.normal(size=3))


def network(W1, b1, W2, x):
    h = softplus(affine(W1, x, b1), sharpness=2.0)
    return np.sum(softplus(affine(W2, h, 0.0)))


def test_helpers_in_another_module_with_keywords_and_defaults(rng):
    check(network, rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=3))


def squash(z):
    return z / (1.0 + np.abs(z))


def squash_twice(x, y):
    return np.sum(squash(x) * squash(2.0 * y + x))


def test_each_callee_is_compiled_once_and_shown_in_the_source(compile_counter, rng):
    g = ssagrad.grad(squash_twice, wrt=(0, 1))
    g(rng.normal(size=3), rng.normal(size=3))
    assert compile_counter() == 2  # squash_twice, and squash once for both calls
    assert g.source.count("def squash_forward(") == 1 and "def squash_backward(" in g.source
    assert "squash_forward(x)" in g.source
    g = ssagrad.grad(two_calls, wrt=(0, 1))
    assert g.source.count("def sigmoid_forward(") == 1 and "def sigmoid_backward(" in g.source
    assert "sigmoid_forward(x)" in g.source


def make_quadratic(A):
    def quadratic(x):
        return x @ A @ x
    return quadratic


def test_a_closure_over_a_matrix_is_a_constant(rng):
    A = rng.normal(size=(3, 3))
    x = rng.normal(size=3)
    np.testing.assert_allclose(ssagrad.grad(make_quadratic(A))(x), (A + A.T) @ x)


def mlp(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.mean((out - y) ** 2)


def test_a_dict_of_parameters_gives_a_dict_of_gradients(rng):
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)),
              "b2": rng.normal(size=2), "unused": np.ones(3, dtype=np.float32)}
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    g = ssagrad.grad(mlp)(params, x, y)
    assert type(g) is dict and set(g) == set(params)
    assert g["unused"].dtype == np.float32 and not g["unused"].any()
    for key in ("W1", "b1", "W2", "b2"):
        def one(leaf, key=key):
            return mlp({**params, key: leaf}, x, y)
        np.testing.assert_allclose(g[key], ssagrad.numerical_grad(one, (params[key],), 0), rtol=1e-6, atol=1e-8)


def deep(weights, biases, x):
    for W, b in zip(weights, biases):
        x = np.tanh(W @ x + b)
    return np.sum(x ** 2)


def test_lists_of_layer_weights_consumed_in_a_loop(rng):
    weights = [rng.normal(size=(3, 3)) for _ in range(3)]
    biases = (rng.normal(size=3), rng.normal(size=3), rng.normal(size=3))
    x = rng.normal(size=3)
    gw, gb = ssagrad.grad(deep, wrt=(0, 1))(weights, biases, x)
    assert type(gw) is list and type(gb) is tuple and len(gw) == 3
    for i in range(3):
        def layer(W, i=i):
            return deep(weights[:i] + [W] + weights[i + 1:], biases, x)
        np.testing.assert_allclose(gw[i], ssagrad.numerical_grad(layer, (weights[i],), 0), rtol=1e-6, atol=1e-8)


def elementwise_into(x):
    n = len(x)
    out = np.zeros(n)
    for i in range(n):
        out[i] = sigmoid(x[i]) * x[i]
    return np.sum(out ** 2)


def cumulative(x):
    acc = 0.0
    sums = np.zeros_like(x)
    for i in range(len(x)):
        acc += x[i]
        sums[i] = acc
    return np.sum(sums ** 2)


def test_writing_results_into_an_array_and_a_running_sum(rng):
    check(elementwise_into, rng.normal(size=5))
    check(cumulative, rng.normal(size=5))


def recurrence(x):
    y = np.zeros_like(x)
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = 0.5 * y[i - 1] + x[i] ** 2
        y[i - 1] *= 2.0
    return np.sum(y * y)


def test_writes_that_later_reads_depend_on(rng):
    check(recurrence, rng.normal(size=5))


def updates_its_input(x, w):
    x[0] = x[0] * w
    x += 1.0
    return np.sum(x ** 2)


def test_an_in_place_update_of_an_input_computes_what_the_function_computes(rng):
    x, w = rng.normal(size=3), 1.7
    value, (dx, dw) = ssagrad.value_and_grad(updates_its_input, wrt=(0, 1))(x.copy(), w)
    assert value == pytest.approx(updates_its_input(x.copy(), w))
    written = x.copy()
    written[0] *= w
    expected = 2 * (written + 1.0)
    assert dw == pytest.approx(expected[0] * x[0])
    expected[0] *= w
    np.testing.assert_allclose(dx, expected)


@ssagrad.adjoint(math.erf)
def _(result, x):
    d[x] = d[result] * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)  # noqa: F821


def uses_erf(x):
    return math.erf(x) * 3.0


def test_a_custom_rule_for_a_function_without_source():
    assert ssagrad.grad(uses_erf)(0.3) == pytest.approx(3.0 * 2 / math.sqrt(math.pi) * math.exp(-0.09))
    assert "math.exp(-x * x)" in ssagrad.grad(uses_erf).source  # the rule is inlined, readable


def logsumexp(x):
    return np.log(np.sum(np.exp(x)))


def softmax_of(x):
    shifted = np.exp(x - np.max(x))
    return shifted / np.sum(shifted)


@ssagrad.adjoint(logsumexp)
def _(result, x):
    d[x] = d[result] * softmax_of(x)  # noqa: F821


def uses_logsumexp(x):
    return logsumexp(x) * 2.0


def test_a_custom_rule_overrides_a_user_function_with_a_stable_one():
    x = np.array([1000.0, 1001.0, 999.0])
    with np.errstate(over="ignore"):
        g = ssagrad.grad(uses_logsumexp)(x)
    np.testing.assert_allclose(g, 2.0 * softmax_of(x))


class Regression:
    def __init__(self, features):
        self.features = features

    def loss(self, w):
        residual = self.features @ w - 1.0
        return np.sum(residual ** 2)

    @ssagrad.grad
    def decorated(self, w):
        return np.sum(np.sin(self.features @ w))


def test_methods_of_a_small_class(rng):
    model = Regression(rng.normal(size=(4, 3)))
    w = rng.normal(size=3)
    np.testing.assert_allclose(ssagrad.grad(model.loss)(w), 2 * model.features.T @ (model.features @ w - 1.0))
    np.testing.assert_allclose(model.decorated(w), model.features.T @ np.cos(model.features @ w))
    np.testing.assert_allclose(ssagrad.grad(Regression.loss, wrt="w")(model, w), ssagrad.grad(model.loss)(w))


def polar(x, y):
    r = np.sqrt(x ** 2 + y ** 2)
    return r, np.arctan2(y, x)


def uses_polar(x, y):
    r, theta = polar(x, y)
    radius_only, _ = polar(y, x)
    return r * np.sin(theta) + radius_only ** 2


def test_a_helper_returning_a_tuple(rng):
    check(uses_polar, 0.7, -1.3)


def test_lambdas_differentiated_directly():
    g = ssagrad.grad(lambda x: np.sum(np.sin(x) ** 2))
    x = np.array([0.1, 0.7])
    np.testing.assert_allclose(g(x), 2 * np.sin(x) * np.cos(x))
    assert ssagrad.grad(lambda a, b: a * b + np.tanh(b), wrt=(0, 1))(2.0, 3.0) == pytest.approx(
        (3.0, 2.0 + 1 - np.tanh(3.0) ** 2))


def local_lambda(x, y):
    scaled = lambda t, k=None: t * t + y  # noqa: E731  (a lambda assigned to a name, called twice)
    return np.sum(scaled(x) * scaled(2.0 * x))


def test_a_lambda_assigned_to_a_name_is_inlined_where_it_is_called(rng):
    with pytest.raises(ssagrad.DifferentiationError, match="only lambdas with plain parameters"):
        ssagrad.grad(local_lambda)(rng.normal(size=3), 0.5)


def local_lambda_plain(x, y):
    scaled = lambda t: t * t + y  # noqa: E731
    return np.sum(scaled(x) * scaled(2.0 * x))


def test_lambdas_called_twice(rng):
    check(local_lambda_plain, rng.normal(size=3), 0.5)


def generator_sum(xs, w):
    return sum(np.sum(np.tanh(x * w)) for x in xs if np.sum(x) > -10.0)


def comprehension_stack(x, W):
    rows = [np.sin(W[i] * x) for i in range(len(W))]
    return np.sum(np.stack(rows) ** 2) + np.sum(np.array([x[0], x[1] * 2]))


def nested_comprehension(x):
    return sum(x[i] * x[j] for i in range(len(x)) for j in range(i))


def test_comprehensions(rng):
    xs = [rng.normal(size=2) for _ in range(3)]
    check(generator_sum, xs, rng.normal(size=2), wrt=(1,))
    gx = ssagrad.grad(generator_sum)(xs, np.ones(2))
    assert type(gx) is list and len(gx) == 3
    check(comprehension_stack, rng.normal(size=3), rng.normal(size=(4, 3)))
    check(nested_comprehension, rng.normal(size=4))


def built_then_consumed(x, scales):
    layers = []
    for s in scales:
        layers.append(np.tanh(x * s))
    out = x
    for layer in layers:
        out = out * layer
    return np.sum(out)


def test_a_list_of_layers_built_and_consumed_in_loops(rng):
    check(built_then_consumed, rng.normal(size=3), [0.5, -1.0, 2.0], wrt=(0,))
