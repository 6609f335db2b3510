# Found by the 10^4-program run (second order): a loop that never runs (range(0)) leaves the names its body
# assigns unbound; the reversed loop of the gradient treated them as defined before it, and the tangent of the
# generated gradient read one (UnboundLocalError). Names a loop body assigns and does not carry are now local to it.
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
    ones = np.ones(3)
    a = y.copy()
    b = x ** 1
    for i0 in range(0):
        i1 = 0
        while i1 < 1:
            i1 = i1 + 1
            x[1:] = (np.sum(a) * 0.3)
    return np.sum(fill(x, x))

