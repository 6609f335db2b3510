# Found by the random-program run in the Numba mode: every call of bend() or nest() (a helper with a loop)
# was refused, "Untyped global name 'reversed'": a called function's backward function walks the tape its
# forward function kept, unpacked from `saved`, and compiler/numba_rewrite.py rewrote `reversed(tape)` only
# for a tape made in the same function (`tape = []`). bend(x, 0.2) runs its loop here, nest(y) calls bend()
# in a loop, bend(z, 0.2) of a float returns early.
# numba outcome: numba clean
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)


def f(x, y, z):
    return np.sum(bend(x, 0.2)) + np.sum(nest(y)) * z + np.sum(bend(z + 2.0, 0.2))
