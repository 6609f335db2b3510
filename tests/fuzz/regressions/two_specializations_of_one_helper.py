# Found by the random-program run: fill() is called with two signatures, so it has two specialized forward
# and backward functions; both were bound under one name (fill_forward) and the last compiled served both
# calls (here a tape of 11 values unpacked as 13; with tapes of one length, another call's backward code).
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
    a = np.copy(x)
    b = np.copy(x)
    i0 = 0
    while i0 < 0:
        i0 = i0 + 1
        x, x = x, x
    x, x = x, x
    a = a
    for i1 in range(2):
        if np.sum(x) > -0.0:
            x = x
            x = x
            y = fill(x, scale(y, 0.5))
        a += np.sin(z)
        if np.sum(z) > 0.74:
            b[::2] *= 0.5
        else:
            a = (scale(y, 0.5) - np.maximum(1.5, b))
            x = fill(np.tanh(b * b), z / (1.5 + z ** 2))
    return np.sum(np.tanh(M @ (bend(a, 0.2) * ones)))
