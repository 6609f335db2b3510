# Found by the random-program run in the Numba mode: bump(), an @numba.njit function here, writes into its
# argument, a view of x that is read afterwards. compiler/aliasing.py's callee_writes looked into Python
# functions only, so neither the Numba gradient nor the Python one of the dispatcher (jit=False) saw the
# write: d/dx gave 0.5 everywhere instead of the located refusal the plain helper gets.
# numba outcome: numba refused: …() writes into its argument '…', which shares memory with '…', read afterwards
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)


def f(x, y, z):
    b = x.reshape(3)
    b = bump(b)
    return np.sum(x * 0.5)
