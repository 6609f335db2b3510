# Found while fixing helper_run_as_is_writes_into_the_input.py: h's `v *= 2.0` doubles the caller's y in
# Python, so np.sum(y) afterwards is 6 (value 12, d/dy 2); ssagrad rewrites it as `v = v * 2.0` and returns
# 9 and d/dy 1 without a word. aliasing.py counts only indexing writes ("setitem") and callee writes into a
# helper's written parameters, not in-place operators ("inplace"), so h() is not known to write into v.
import numpy as np


def h(v):
    v *= 2.0
    return np.sum(v)


def f(x, y, z):
    a = h(x * 1.0)
    b = h(y)
    return a + np.sum(y) + z
