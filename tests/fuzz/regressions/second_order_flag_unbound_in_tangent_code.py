# Found by a 10^4-program sample, seed != CI's. hvp in x fails inside the tangent
# code of the generated gradient with NameError: name 'gt_4' is not defined (second order through while loops
# whose body sets flags on some paths, bind_unbound's None and the tape). First order, jvp and the value are right.
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
    a = 1.0 * y
    b = 1.0 * y
    i0 = 0
    while i0 < 0:
        i0 = i0 + 1
        if np.sum(z) > -0.72:
            w = np.sin((np.tanh(y * (0.3 * 0.7 + y * 0.2))))
            u = np.sin(w)
            w[1] = (np.sum((y * 0.7 + 1.5 * 0.2)) * 0.3)
            y = y * 0.5 + u * 0.5
        else:
            if np.sum(y) > 0.21:
                continue
        if np.sum(z) > 0.21:
            _t = z
            x = x * 0.5 + _t * 0.5
        else:
            b[[0, 0, 1]] += (bend(b, 0.2) * 0.7 + x * 0.2)
            y, a = a, y
        i1 = 0
        while i1 < 3:
            i1 = i1 + 1
            a, a = a, a
    i2 = 0
    while i2 < 2:
        i2 = i2 + 1
        if np.sum(a) > 0.88:
            x = bump(x)
    if np.sum(z) > -0.57:
        b = np.r_[(np.sum(fill(np.sin((-z)), scale(-0.7, 0.5))) * 0.3), (np.sum(np.tanh(M @ (scale(0.3, factor=a) * ones))) * 0.3), (np.sum(x / (1.5 + y ** 2)) * 0.3)]
    else:
        x = bump(x)
        z -= y
    x += x / (1.5 + -0.7 ** 2)
    return np.sum(np.cos(bend(0.3, 0.2)))
