# Found by the random-program run, not minimized yet: UnboundLocalError inside generated code (seen 22 times in 10^4 programs).
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)

def f(x, y, z):
    ones = np.ones(3)
    a = y[...]
    b = x[...]
    for i0 in range(2):
        i4 = 0
        while i4 < 0:
            i4 = i4 + 1
            b, z = z, b
        i5 = 0
        while i5 < 3:
            i5 = i5 + 1
            b, z = z, b
        for i6 in range(1):
            z, z = z, z
    i7 = 0
    while i7 < 0:
        i7 = i7 + 1
        b, z = z, b
    return np.sum(z)
