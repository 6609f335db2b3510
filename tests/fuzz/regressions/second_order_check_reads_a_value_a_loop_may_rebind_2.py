# Found by SSAGRAD_FUZZ_SEED=6 (second order): as second_order_check_reads_a_value_a_loop_may_rebind.py, for
# `a`: a run-time check read a value a loop may rebind; the tangent code read an unbound name.
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)
def f(x, y, z):
    ones = np.ones(3)
    a = y.T
    b = np.copy(y)
    if np.sum(b) > 0.13:
        i0 = 0
        while i0 < 2:
            i0 = i0 + 1
            z = z * ones
            v = z[::-1]
            v[0] = (np.sum(scale(x, 0.5)) * 0.3)
        a = x
        i1 = 0
        while i1 < 0:
            i1 = i1 + 1
            b[[0, 0, 1]] += np.exp(0.3 * np.tanh(z)) / (1.5 + np.sqrt(1.0 + -0.7 ** 2) ** 2)
    else:
        i2 = 0
        while i2 < 2:
            i2 = i2 + 1
            z = z * ones
            z = bump(z.copy())
        i3 = 0
        while i3 < 3:
            i3 = i3 + 1
            w = np.sin((y / (1.5 + b ** 2)))
            u = np.sin(w)
            w[2] = (np.sum(b) * 0.3)
            z = z * 0.5 + u * 0.5
            b = bump(b)
            a = np.concatenate([(squash((z + b) * 0.5))[1:], np.array([(np.sum(scale(1.5 / (1.5 + 1.5 ** 2), factor=y / (1.5 + b ** 2))) * 0.3)])])
    for i4 in range(0):
        if np.sum(b) > -0.75:
            z = z * ones
            z[1:] = (np.sum(scale(z, 0.5)) * 0.1)
        else:
            x[[0, 2, 2]] = np.tanh(scale(0.3, 0.5))
        z = z * ones
        a = bump(z)
        i5 = 0
        while i5 < 1:
            i5 = i5 + 1
            y[1:] = np.tanh(-0.7)
            x = bump(x)
            if np.sum(z) > 0.0:
                break
    for i6 in range(3):
        for i7 in range(3):
            v = y[::-1]
            y += (np.sum(bend(np.tanh(M @ (b * ones)), 0.2)) * 0.3)
            z = z * ones
            z[1:] = (np.sum(scale(fill(y, 0.3), factor=((z - -0.7) - 1.5))) * 0.3)
    i8 = 0
    while i8 < 3:
        i8 = i8 + 1
        if np.sum(a) > 0.0:
            x = np.tanh(np.sin(a) * scale((-b), 0.5))
        else:
            y, x = x, y
    return np.sum(bend(np.tanh(M @ (b * ones)), 0.2))
