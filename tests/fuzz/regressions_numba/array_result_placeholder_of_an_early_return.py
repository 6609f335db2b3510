# Found by the random-program run in the Numba mode: fill() returns an array early from a branch, so its
# forward function holds None in the result's name until then (`fill_2 = fill`), which Numba types as an
# Optional array; its backward function's zeros_like(fill_2) then raised "TypeError: expected
# array(float64, 1d, C), got None" on a run that did not return early, instead of a gradient or a
# located refusal. Both runs: fill(x, y) does not return early here, fill(x * 0.0, y) does.
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)


def f(x, y, z):
    return np.sum(fill(x, y)) + np.sum(fill(x * 0.0, y)) * z
