# Found by a 5000-program sample (SSAGRAD_FUZZ_SEED=1; also 54 times in seed 2):
# second order (hvp) in y: compiling the tangent of the generated gradient fails with
# "DifferentiationError: name 'gt' is not defined" at `if gt:` -- the gradient kept a branch whose test it
# dropped as dead code. First order, jvp and the value are right.
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)

def f(x, y, z):
    ones = np.ones(3)
    a = x
    b = x
    if np.sum(x) > 0.0:
        x = x
    else:
        if np.sum(x) > 0.0:
            x[0] = (np.sum(x) * 0.3)
    return np.sum(x)
