# Found by SSAGRAD_FUZZ_SEED=5 (second order): the generated gradient checks at run time that `b` shares no
# memory with the input a helper writes into, after a loop that may rebind `b` and never reads it. The check's
# values were not counted as reads, so the tangent code did not carry `b` around that loop and read an unbound
# name (UnboundLocalError). A check's values now count as reads (compiler/ssa.py load_counts).
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
