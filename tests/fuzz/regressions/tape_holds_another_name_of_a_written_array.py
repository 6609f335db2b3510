# Found by the random-program run: in the gradient made to be differentiated again, the loop's tape kept
# y_2 (the phi of `if ...: y[0] = ...`, another name for y) by reference; the next iteration's write changed
# it, and the restore, there a new array, did not put it back: the second derivative refused (located in
# generated code). A tape now copies every saved name that may share memory with an array written into.
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
    a = x
    b = np.copy(x)
    x = x
    x = x
    for i0 in range(2):
        if np.sum(x) > 0.0:
            y[0] = (np.sum(x) * 0.3)
        else:
            x = x
        if np.sum(x) > 0.0:
            x = x
        else:
            x = np.sqrt(1.0 + y ** 2)
    return np.sum(x)
