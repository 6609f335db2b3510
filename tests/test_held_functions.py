"""Calling a function an object holds, written as a user writes it (issue 16, section 4): ``self.activation(h)``
after ``self.activation = np.tanh`` (or a function of yours), a function passed in (``act(h)``), one in a list
(``for layer in self.layers: h = layer(h)``). What is held is read when the gradient runs (runtime/held.py).

Each is checked against central finite differences, in reverse and forward mode.
"""
import functools

import numpy as np
import pytest
import scipy.special

import ssagrad
from ssagrad import DifferentiationError, check_grads
from ssagrad.check import numerical_grad


# -- what an instance may hold ------------------------------------------------------------------------------

def smooth_relu(z, sharpness=4.0):
    return np.logaddexp(0.0, sharpness * z) / sharpness


def bump(z):
    return z * np.exp(-scaled(z) ** 2)


def scaled(z):
    return 0.5 * z


squash = lambda z: z / (1.0 + z ** 2)  # noqa: E731  (a lambda held by an instance)


class Shift:
    def __init__(self, c):
        self.c = c

    def apply(self, z):
        return np.sin(z + self.c)


class Dense:
    """A layer: an object whose class defines __call__."""

    def __init__(self, W, b):
        self.W, self.b = W, b

    def __call__(self, z):
        return np.tanh(self.W @ z + self.b)


class Layer:
    def __init__(self, W, activation=np.tanh):
        self.W = W
        self.activation = activation

    def loss(self, x):
        h = self.activation(self.W @ x)
        return np.sum(h ** 2) + np.sum(self.activation(x) * x)


HELD = [np.tanh, np.sin, scipy.special.expit, smooth_relu, bump, squash, functools.partial(smooth_relu, sharpness=2.0),
        Shift(0.3).apply]


@pytest.mark.parametrize("activation", HELD, ids=lambda a: getattr(a, "__name__", type(a).__name__))
@pytest.mark.parametrize("shape", [(3,), (3, 2)])
def test_a_function_the_instance_holds(rng, activation, shape):
    layer = Layer(rng.normal(size=(3, 3)), activation)
    check_grads(layer.loss, rng.normal(size=shape))


class Net:
    def __init__(self, layers, out=scipy.special.logsumexp):
        self.layers = layers
        self.out = out

    def loss(self, x):
        h = x
        for layer in self.layers:
            h = layer(h)
        return self.out(h, axis=0) + np.sum(self.layers[0](x) ** 2)


def test_a_list_of_layers_and_a_scipy_function_with_a_keyword(rng):
    net = Net([Dense(rng.normal(size=(4, 3)), rng.normal(size=4)), np.sin, Dense(rng.normal(size=(2, 4)), 0.1)])
    check_grads(net.loss, rng.normal(size=3))
    net.out = scipy.special.softmax  # another function with axis=0: a vector; its first entry is the loss
    assert np.ndim(net.layers[2](net.layers[1](net.layers[0](np.ones(3))))) == 1


class Leaky:
    def __init__(self, act):
        self.act = act

    def loss(self, x):
        return np.sum(self.act(x, sharpness=3.0) ** 2) + np.sum(self.act(2.0 * x))


def test_keyword_arguments_of_a_held_call(rng):
    check_grads(Leaky(smooth_relu).loss, rng.normal(size=4))


def polar(a, b):
    return np.hypot(a, b), np.arctan2(b, a)


class Polar:
    def __init__(self):
        self.to_polar = polar

    def both(self, x, y):
        r, theta = self.to_polar(x, y)
        return np.sum(r * np.cos(theta) ** 2)

    def first(self, x, y):
        r, _ = self.to_polar(x, y)
        return np.sum(r ** 2)


def test_a_held_function_that_returns_two_values(rng):
    x, y = rng.uniform(0.5, 2.0, size=3), rng.uniform(0.5, 2.0, size=3)
    check_grads(Polar().both, x, y)
    check_grads(Polar().first, x, y)


def with_activation(x, act):
    return np.sum(act(x) ** 2)


def through_layers(x, layers):
    for f in layers:
        x = f(x)
    return np.sum(x)


def test_a_function_passed_in_or_in_a_list(rng):
    x = rng.normal(size=4)
    for act in (np.tanh, bump, squash):
        check_grads(with_activation, x, act, wrt=0)
    check_grads(through_layers, x, [np.sin, bump, np.tanh], wrt=0)


# -- what is held is read when the gradient runs: never an earlier function's gradient ---------------------

class Decorated:
    def __init__(self, act):
        self.act = act

    @ssagrad.grad
    def loss(self, x):
        return np.sum(self.act(x) ** 2)


def test_each_instance_and_each_rebinding_gets_its_own_function(rng):
    x = rng.normal(size=3)
    np.testing.assert_allclose(Decorated(np.sin).loss(x), 2.0 * np.sin(x) * np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(Decorated(np.tanh).loss(x), 2.0 * np.tanh(x) / np.cosh(x) ** 2, rtol=1e-12)
    layer = Layer(rng.normal(size=(3, 3)), np.tanh)
    gradient = ssagrad.grad(layer.loss)
    for activation in (np.sin, bump, np.tanh, squash):
        layer.activation = activation
        np.testing.assert_allclose(gradient(x), numerical_grad(layer.loss, (x,), 0), rtol=1e-7, atol=1e-9)


# -- refusals: located at your call ----------------------------------------------------------------------

class Labelled:
    def __init__(self, act):
        self.act = act
        self.label = str.upper
        self.summary = np.median  # no derivative rule: fine where nothing is differentiated through it

    def loss(self, x):
        name = self.label("layer")
        return np.sum(self.act(x) ** 2) + len(name) + self.summary(np.ones(2))


def test_a_held_function_without_a_derivative_is_refused_where_it_is_differentiated(rng):
    x = rng.normal(size=3)
    check_grads(Labelled(np.tanh).loss, x)
    with pytest.raises(DifferentiationError, match="calls numpy.median .*no derivative rule for numpy.median") \
            as info:
        ssagrad.grad(Labelled(np.median).loss)(x)
    assert info.value.source_line == "return np.sum(self.act(x) ** 2) + len(name) + self.summary(np.ones(2))"
    assert info.value.col == 22 and info.value.filename == __file__


def zero_first(z):
    z[0] = 0.0
    return z


def unreadable(z):
    with open("/dev/null"):
        return z


def test_a_held_function_that_writes_into_its_argument_or_cannot_be_read_is_refused(rng):
    with pytest.raises(DifferentiationError, match="writes into an argument in place"):
        ssagrad.grad(Layer(np.eye(3), zero_first).loss)(rng.normal(size=3))
    with pytest.raises(DifferentiationError, match="calls .*unreadable.*`with` statements") as info:
        ssagrad.grad(Layer(np.eye(3), unreadable).loss)(rng.normal(size=3))
    # (the backward sweep reaches the last of the two calls first)
    assert info.value.source_line == "return np.sum(h ** 2) + np.sum(self.activation(x) * x)"
    assert "inside" in info.value.note and "with open" in info.value.note  # the held function's own line


noise = np.random.default_rng(5)


def noisy(z):
    return z + noise.normal(size=np.shape(z))


class Repeats:
    def __init__(self, act):
        self.act = act

    def loss(self, x):
        total = 0.0
        for i in range(4):
            total = total + np.sum(self.act(x * i))
        return total


def test_second_derivatives_rerunning_and_impure_functions_are_refused(rng):
    x = rng.normal(size=3)
    with pytest.raises(DifferentiationError, match="second derivatives through a call of a function an object holds"):
        ssagrad.hessian(Layer(np.eye(3)).loss)(x)
    with pytest.raises(DifferentiationError, match="second derivatives through a call of a function an object holds"):
        ssagrad.hessian(Layer(np.eye(3)).loss, mode="reverse")(x)
    with pytest.raises(DifferentiationError, match="checkpoint=True .* calls a function the object holds"):
        ssagrad.grad(Repeats(np.tanh).loss, checkpoint=True)(x)
    with pytest.raises(DifferentiationError, match="forward mode runs it again .* draws random numbers"):
        ssagrad.jvp(Layer(np.eye(3), noisy).loss, (x,), (x,))
    value, g = ssagrad.value_and_grad(Layer(np.eye(3), noisy).loss)(x)  # reverse mode runs it once
    assert np.isfinite(value) and np.shape(g) == (3,)


def test_exporting_a_gradient_with_a_held_call_is_refused():
    from ssagrad.export import ExportError, export_source
    with pytest.raises(ExportError, match="calls a function it is given or an object holds"):
        export_source(with_activation)


def test_the_numba_backend_refuses_a_held_call_where_it_is(rng):
    pytest.importorskip("numba")
    with pytest.raises(DifferentiationError, match="call_held") as info:
        ssagrad.grad(with_activation, wrt=0, jit="numba")(rng.normal(size=3), np.tanh)
    assert info.value.source_line == "return np.sum(act(x) ** 2)"
