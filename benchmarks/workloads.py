"""The workloads of issue 15, shared by benchmarks/run.py and tests/test_benchmark_workloads.py.

They live in a real file so ssagrad can read their source. Every function calls NumPy through the module
global ``np``; ``rebound`` gives copies that call autograd.numpy or jax.numpy instead, so each peer
differentiates the very same source.
"""
import types

import numpy as np


# -- MLP: 2 layers, tanh, batch 16 -------------------------------------------------------------------------

def mlp_loss(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    return np.mean((out - y) ** 2)


def mlp_by_hand(w1, b1, w2, b2, x, y):
    a = x @ w1 + b1
    h = np.tanh(a)
    out = h @ w2 + b2
    diff = out - y
    dout = 2 * diff / diff.size
    dw2 = h.T @ dout
    db2 = dout.sum(axis=0)
    dh = dout @ w2.T
    da = dh * (1 - h ** 2)
    dw1 = x.T @ da
    db1 = da.sum(axis=0)
    return dw1, db1, dw2, db2


def mlp_inputs(rng, width, batch=16, inputs=32, outputs=8):
    """(w1, b1, w2, b2, x, y); the gradient is taken with respect to the first four."""
    return (rng.normal(size=(inputs, width)) * 0.1, np.zeros(width), rng.normal(size=(width, outputs)) * 0.1,
            np.zeros(outputs), rng.normal(size=(batch, inputs)), rng.normal(size=(batch, outputs)))


# -- logistic regression, 32 samples x 8 features, cross-entropy ---------------------------------------------

def logistic_regression_loss(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def logistic_regression_by_hand(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (p - y) / X.shape[0]


def logistic_regression_inputs(rng, samples=32, features=8):
    """(w, X, y) with 0/1 labels; the gradient is taken with respect to w."""
    return rng.normal(size=features) * 0.3, rng.normal(size=(samples, features)), (rng.random(samples) < 0.5) * 1.0


# -- RK4 integration of Lotka-Volterra, the state rebuilt with np.array([...]) at every stage -----------------

def lotka_volterra(s, a, b, c, d):
    prey = s[0]
    predators = s[1]
    return np.array([a * prey - b * prey * predators, d * prey * predators - c * predators])


def rk4_lotka_volterra(theta, s, steps, dt):
    a = theta[0]
    b = theta[1]
    c = theta[2]
    d = theta[3]
    for _ in range(steps):
        k1 = lotka_volterra(s, a, b, c, d)
        k2 = lotka_volterra(s + 0.5 * dt * k1, a, b, c, d)
        k3 = lotka_volterra(s + 0.5 * dt * k2, a, b, c, d)
        k4 = lotka_volterra(s + dt * k3, a, b, c, d)
        s = s + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(s)


def rk4_inputs(steps=200, dt=0.01):
    """(theta, s, steps, dt): rates (a, b, c, d) and the initial (prey, predators); gradient wrt theta and s."""
    return np.array([1.1, 0.4, 0.4, 0.1]), np.array([10.0, 5.0]), steps, dt


# -- a simulation loop of springs on a ring: the memory workload -------------------------------------------

def springs(x, v, k, dt, steps):
    for _ in range(steps):
        force = k * (np.roll(x, 1) + np.roll(x, -1) - 2.0 * x)
        v = v + dt * force
        x = x + dt * v
    return np.sum(x ** 2)


def springs_inputs(n=2 * 10 ** 4, steps=100):
    """(x, v, k, dt, steps); the gradient is taken with respect to x."""
    x = np.sin(np.linspace(0.0, 2.0 * np.pi, n, endpoint=False))
    return x, np.zeros(n), 0.5, 0.1, steps


# -- loop kernels for Numba (issue 17): benchmarks/run.py compiles them with numba.njit ---------------------

def logistic_map(r, x0):
    x = x0
    for i in range(1000):
        x = r * x * (1.0 - x)
    return x


def lv_rates(x, y, a, b, c, d):
    return a * x - b * x * y, c * x * y - d * y


def rk4_scalar(a, b, c, d, x, y, h):
    """RK4 Lotka-Volterra, 200 steps, the state as two scalars (``lv_rates`` is njit-compiled too)."""
    for i in range(200):
        k1x, k1y = lv_rates(x, y, a, b, c, d)
        k2x, k2y = lv_rates(x + 0.5 * h * k1x, y + 0.5 * h * k1y, a, b, c, d)
        k3x, k3y = lv_rates(x + 0.5 * h * k2x, y + 0.5 * h * k2y, a, b, c, d)
        k4x, k4y = lv_rates(x + h * k3x, y + h * k3y, a, b, c, d)
        x = x + h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x)
        y = y + h / 6.0 * (k1y + 2 * k2y + 2 * k3y + k4y)
    return x + y


def chain_energy(x, k):
    e = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        e += k * d * d
    return e


# -- the same functions on another NumPy -------------------------------------------------------------------

def rebound(numpy_module, module=None):
    """A namespace holding a copy of every function of ``module`` (this one by default), calling
    ``numpy_module`` (autograd.numpy, jax.numpy) through ``np``; calls between them stay inside the copy."""
    namespace = dict(vars(module) if module is not None else globals(), np=numpy_module)
    for name, value in list(namespace.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == namespace["__name__"]:
            namespace[name] = types.FunctionType(value.__code__, namespace, name, value.__defaults__)
    return types.SimpleNamespace(**namespace)
