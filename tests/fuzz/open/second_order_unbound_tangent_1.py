# OPEN (not run by the tests): found by SSAGRAD_FUZZ_SEED=5 at the end of the session; also at the session's start
# (b4256d3). hvp crashes in the tangent code of the generated gradient: UnboundLocalError 'b_3_1' (a name
# bound on some paths only: the early return in nested branches, a loop that never runs). Reduced by line deletion.
# x
import numpy as np

M = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.5]])


def squash(v):
    return v / (1.0 + np.abs(v))


def scale(v, factor=2.0):
    w = v * factor
    return np.tanh(w) + 0.1 * w


def bend(v, t=0.0):
    if np.sum(v) > t + 1.0:
        return np.sin(v) * 0.5
    w = v * 0.5
    for k in range(3):
        if np.sum(w) > t:
            w = np.tanh(w) + v * 0.1
        else:
            w = w * 0.9 - 0.05
        if np.sum(w) < -1.0:
            break
    return w


def nest(v):
    s = v
    for k in range(2):
        s = np.sin(s) * 0.5 + bend(squash(s), 0.1) * 0.3 + v * 0.2
    return s


def fill(v, s):
    w = np.cos(v) * np.ones(3)
    u = np.sin(w)
    w[1] = np.sum(s) * 0.5
    if np.sum(u) > 2.5:
        return u
    u[[0, 2, 2]] = np.tanh(s + u[1])
    return u


def bump(v):
    v[0] = np.sum(v) * 0.3
    v *= 0.8
    return np.tanh(v)

def f(x, y, z):
    a = x * 1.0
    b = x * 1.0
    if np.sum(a) > 0.39:
        b = fill(z, x)
    for i0 in range(0):
        b = np.abs(-0.7)
    for i1 in range(1):
        x = bump(x)
    if np.sum(x) > -0.0:
        if np.sum(b) > -0.2:
            if np.sum(x) > -0.23:
                return np.sum(bend(bend(1.5, 0.2), 0.2))
    return np.sum(squash(x))
