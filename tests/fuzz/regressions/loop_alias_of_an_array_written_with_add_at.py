# Found by the random-program run: in the gradient made to be differentiated again, the while loop in the
# else branch took x as x_8 = x_1 and np.add.at wrote into it; the restore of that write is a new array
# there, so x_1 stayed as the write left it for the backward sweep, and differentiating again refused.
# A branch's or loop's name for an array written through it with no guard is now taken as own(x_1).
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)

def f(x, y, z):
    ones = np.ones(3)
    a = x.copy()
    b = np.array(y)
    i0 = 0
    while i0 < 0:
        i0 = i0 + 1
        i1 = 0
        while i1 < 0:
            i1 = i1 + 1
            y = x
            y = x
            x, x = x, x
        x = x
    x[0] = (np.sum(x) * 0.3)
    i2 = 0
    while i2 < 0:
        i2 = i2 + 1
        i5 = 0
        while i5 < 3:
            i5 = i5 + 1
            if np.sum(b) > -0.0:
                b -= b / (1.5 + (np.tanh(x * 1.5) - nest(b)) ** 2)
            else:
                z = z * ones
                v = z[...]
                z[1] = (np.sum((-y)) * 0.3)
                y = np.concatenate([(nest(0.3) * ones)[1:], np.array([bend(0.3, 0.2)])])
        i6 = 0
        while i6 < 0:
            i6 = i6 + 1
            if np.sum(y) > -0.27:
                break
    if np.sum(b) > 0.86:
        i7 = 0
        while i7 < 3:
            i7 = i7 + 1
            x = np.array([[(np.sum(np.sqrt(1.0 + np.exp(0.3 * np.tanh(x)) / (1.5 + np.abs(-0.7) ** 2) ** 2)) * 0.3), (np.sum(np.sqrt(1.0 + np.exp(0.3 * np.tanh(x)) / (1.5 + np.abs(-0.7) ** 2) ** 2)) * 0.3) * 1.0, (np.sum(np.tanh((0.3 - y) * np.tanh(0.3 * z))) * 0.3)], [(np.sum(np.tanh((0.3 - y) * np.tanh(0.3 * z))) * 0.3) ** 2, (np.sum(np.exp(0.3 * np.tanh(np.cos(b)))) * 0.3) / 2.0, (np.sum(np.sqrt(1.0 + np.exp(0.3 * np.tanh(x)) / (1.5 + np.abs(-0.7) ** 2) ** 2)) * 0.3)]]).T @ np.array([0.5, -0.5])
    else:
        y = np.column_stack([(np.maximum(np.sqrt(1.0 + -0.7 ** 2), ((y * 0.7 + 1.5 * 0.2) - (z * 0.7 + y * 0.2)))), ((np.sum(np.exp(0.3 * np.tanh(x))) * 0.1) * ones)]) @ np.array([0.5, 0.5])
        i8 = 0
        while i8 < 3:
            i8 = i8 + 1
            w = np.sin(((0.3 + b) * 0.5))
            u = np.sin(w)
            w[0] = (np.sum(scale(fill(b, z), factor=np.tanh(y))) * 0.3)
            z = z * 0.5 + u * 0.5
            np.add.at(x, [0, 0, 2], (bend(-0.7, 0.2) - a))
    return np.sum(squash(scale((a + b) * 0.5, factor=np.maximum(b, 1.5))))
