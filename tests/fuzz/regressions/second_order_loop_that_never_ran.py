# Found by the 10^4-program run (second order): a loop that never runs (range(0)) leaves the names its body
# assigns unbound; the reversed loop of the gradient treated them as defined before it, and the tangent of the
# generated gradient read one (UnboundLocalError). Names a loop body assigns and does not carry are now local to it.
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)

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

