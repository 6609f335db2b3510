# Found by the random-program run: in the gradient made to be differentiated again, the loop's tape kept
# y_2 (the phi of `if ...: y[0] = ...`, another name for y) by reference; the next iteration's write changed
# it, and the restore, there a new array, did not put it back: the second derivative refused (located in
# generated code). A tape now copies every saved name that may share memory with an array written into.
# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)

def f(x, y, z):
    ones = np.ones(3)
    a = x
    b = np.copy(x)
    x = x
    x = x
    for i0 in range(2):
        if np.sum(x) > 0.0:
            y[0] = (np.sum(x) * 0.3)
        else:
            x = x
        if np.sum(x) > 0.0:
            x = x
        else:
            x = np.sqrt(1.0 + y ** 2)
    return np.sum(x)
