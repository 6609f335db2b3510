# Found by the random-program run: fill() is called with two signatures, so it has two specialized forward
# and backward functions; both were bound under one name (fill_forward) and the last compiled served both
# calls (here a tape of 11 values unpacked as 13; with tapes of one length, another call's backward code).
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)

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
