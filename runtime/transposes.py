"""What the adjoints of the runtime helpers call: generated gradient code differentiated in reverse mode again
(``ssagrad.hessian(f, mode="reverse")``) runs the transposes of ``unbroadcast``, ``head_grad``, ... ."""
import numpy as np

from .containers import GradientList


def filled(grads, like):
    """The gradients of a list's items, zeros (shaped like the item of ``like``) where none arrived."""
    return [np.zeros(np.shape(item)) if g is None else g for g, item in zip(grads, like)]


def stacked_gradient(g, obj):
    """The transpose of ``array_grad(g, obj)``: the items' gradients joined into one array again."""
    if isinstance(obj, (list, tuple)):
        return np.array(filled(g, obj))
    return g


def with_last_empty(g):
    """The transpose of ``head_grad(g)``: a list's gradient with nothing for the item appended last."""
    return GradientList([*g, None])


def sinc_second_derivative(x):
    """d^2/dx^2 sin(pi x)/(pi x): (-pi^2 x^2 sinc(x) - 2 x sinc'(x)) / x^2 away from 0, its series near it."""
    x = np.asarray(x, dtype=float)
    near = np.abs(x) < 1e-3
    safe_x = np.where(near, 1.0, x)
    s = np.sinc(safe_x)
    first = (np.cos(np.pi * safe_x) - s) / safe_x
    far = -np.pi ** 2 * s - 2.0 * first / safe_x
    series = -np.pi ** 2 / 3 + np.pi ** 4 * x ** 2 / 10 - np.pi ** 6 * x ** 4 / 168
    return np.where(near, series, far)
