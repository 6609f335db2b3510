# Found by the random-program run in the Numba mode: np.maximum with an array operand was refused ("No
# implementation of function tie_share"): runtime/numba_helpers.py had tie_share of floats only. Array and
# float, float and array, two arrays, and ties (np.maximum(x, b), b a copy of x: each gets half).
# numba outcome: numba clean
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)


def f(x, y, z):
    b = x * 1.0
    return np.sum(np.maximum(0.3, x) * y) + np.sum(np.maximum(y, z) * x) + np.sum(np.minimum(x, b) * y)
