# OPEN (not run by the tests): found by SSAGRAD_FUZZ_SEED=5 at the end of the session; also at the session's start
# (b4256d3). hvp crashes in the tangent code of the generated gradient: UnboundLocalError 'b_3_1' (a run-time
# check's value whose definition the tangent code drops before a loop that never runs). Reduced by line deletion.
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)
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
