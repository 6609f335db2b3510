"""Benchmarks: ssagrad against hand-written NumPy (and autograd / JAX when installed), as ratios.

Run: python benchmarks/run.py   (add --quick for a short run)

Contenders run side by side in one process; each time is the best of
several repeats, and only ratios are printed, because absolute times on a
shared machine are not comparable between runs.
"""
import argparse
import importlib.util
import timeit

import numpy as np

import ssagrad


def best_time(fn, repeat, number):
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


# -- 1. MLP: 2 layers, tanh, batch 16 ---------------------------------------------

def mlp_loss(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    return np.mean((out - y) ** 2)


def mlp_by_hand(w1, b1, w2, b2, x, y):
    a = x @ w1 + b1
    h = np.tanh(a)
    out = h @ w2 + b2
    diff = out - y
    dout = 2 * diff / diff.size
    dw2 = h.T @ dout
    db2 = dout.sum(axis=0)
    dh = dout @ w2.T
    da = dh * (1 - h ** 2)
    dw1 = x.T @ da
    db1 = da.sum(axis=0)
    return dw1, db1, dw2, db2


# -- 2. 50 chained sines ----------------------------------------------------------

def chain_source(n):
    lines = ["def chained_sin(x):"] + [f"    x = np.sin(x)" for _ in range(n)] + ["    return x"]
    return "\n".join(lines) + "\n"


# -- 3. a scalar loop of 1000 steps: the logistic map ------------------------------

def logistic(r, x, steps):
    for _ in range(steps):
        x = r * x * (1.0 - x)
    return x


def logistic_by_hand(r, x, steps):
    xs = []
    for _ in range(steps):
        xs.append(x)
        x = r * x * (1.0 - x)
    dr, dx = 0.0, 1.0
    for x in reversed(xs):
        dr += dx * x * (1.0 - x)
        dx = dx * r * (1.0 - 2.0 * x)
    return dr, dx


# -- 4. sum(sin(x)) on 10^6 elements ----------------------------------------------

def sum_sin(x):
    return np.sum(np.sin(x))


def sum_sin_by_hand(x):
    return np.cos(x)


def load_chained_sin(n=50):
    """The 50-line function lives in a real file so ssagrad can read its source."""
    return load_source("chained_sin", "import numpy as np\n\n" + chain_source(n)).chained_sin


THIRTY_LINES = """
import numpy as np


def thirty(x, w, n):
    a = np.sin(x) * w
    b = np.cos(a) + x
    c = a * b - 1.0
    total = 0.0
    for i in range(n):
        if np.sum(c) > 0:
            c = np.tanh(c) * 0.5
        else:
            c = c * 0.9 + a
        total = total + np.sum(c * w)
    d = np.exp(-c ** 2)
    e = d / (1.0 + b ** 2)
    f = np.sqrt(1.0 + e ** 2)
    g = f * a + e * b
    h = np.maximum(g, 0.0)
    k = np.log1p(h ** 2)
    m = k @ w
    p = m * total
    q = np.tanh(p)
    r = q * 2.0 + np.sum(d)
    s = r - np.mean(e)
    t = s ** 2
    u = t + np.sum(f * 0.1)
    v = u * 0.5
    return v
"""


def load_source(name, source):
    import os
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), f"{name}.py")
    with open(path, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compile_times(repeat):
    """First-call time of a 30-line function with a loop and a branch, and grad(f)(x) in a loop vs hoisted."""
    from ssagrad.compiler import cache
    thirty = load_source("thirty", THIRTY_LINES).thirty
    x, w = np.linspace(0, 1, 5), np.linspace(1, 2, 5)
    firsts = []
    for _ in range(repeat):
        cache.clear()
        start = timeit.default_timer()
        ssagrad.grad(thirty, wrt=(0, 1))(x, w, 3)
        firsts.append(timeit.default_timer() - start)
    hoisted = ssagrad.grad(thirty, wrt=(0, 1))
    t_hoisted = best_time(lambda: hoisted(x, w, 3), repeat, 500)
    t_inline = best_time(lambda: ssagrad.grad(thirty, wrt=(0, 1))(x, w, 3), repeat, 500)
    return min(firsts), t_inline / t_hoisted


def long_loop(x, k, n):
    for i in range(n):
        x = x + 0.001 * np.sin(-k * x)
    return np.sum(x ** 2)


def checkpointing(steps):
    """Peak memory (tracemalloc) and time of a long loop's gradient, with and without checkpoints."""
    import tracemalloc
    x, k = np.linspace(0.1, 1.0, 100), 0.7
    results = []
    for checkpoint in (False, True):
        g = ssagrad.grad(long_loop, checkpoint=checkpoint)
        g(x, k, 2)
        tracemalloc.start()
        start = timeit.default_timer()
        g(x, k, steps)
        seconds = timeit.default_timer() - start
        results.append((tracemalloc.get_traced_memory()[1], seconds))
        tracemalloc.stop()
    (full_memory, full_time), (memory, seconds) = results
    return memory / full_memory, seconds / full_time


def peers():
    found = {}
    if importlib.util.find_spec("autograd"):
        import autograd
        import autograd.numpy as anp
        found["autograd"] = (autograd, anp)
    return found


def jax_rows(rng, repeat, scale):
    """MLP gradients against JAX, jitted and not, when JAX is installed."""
    if not importlib.util.find_spec("jax"):
        return []
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)

    def mlp_jax(w1, b1, w2, b2, x, y):
        h = jnp.tanh(x @ w1 + b1)
        out = h @ w2 + b2
        return jnp.mean((out - y) ** 2)
    rows = []
    for width in (16, 64):
        params = (rng.normal(size=(32, width)) * 0.1, np.zeros(width), rng.normal(size=(width, 8)) * 0.1,
                  np.zeros(8), rng.normal(size=(16, 32)), rng.normal(size=(16, 8)))
        ours = ssagrad.grad(mlp_loss, wrt=(0, 1, 2, 3))
        plain = jax.grad(mlp_jax, argnums=(0, 1, 2, 3))
        jitted = jax.jit(plain)
        device = tuple(jnp.asarray(p) for p in params)
        jax.block_until_ready(jitted(*device))
        number = int(1000 * scale)
        t_ours = best_time(lambda: ours(*params), repeat, number)
        rows.append((f"MLP width {width}: gradient", "jax.jit",
                     t_ours / best_time(lambda: jax.block_until_ready(jitted(*device)), repeat, number)))
        rows.append((f"MLP width {width}: gradient", "jax, not jitted",
                     t_ours / best_time(lambda: jax.block_until_ready(plain(*device)), repeat, max(1, number // 20))))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat, scale = (3, 0.2) if args.quick else (7, 1.0)
    rng = np.random.default_rng(0)
    rows = []

    for width in (16, 64, 256, 1024):
        params = (rng.normal(size=(32, width)) * 0.1, np.zeros(width), rng.normal(size=(width, 8)) * 0.1,
                  np.zeros(8), rng.normal(size=(16, 32)), rng.normal(size=(16, 8)))
        g = ssagrad.grad(mlp_loss, wrt=(0, 1, 2, 3))
        for ours, theirs in zip(g(*params), mlp_by_hand(*params)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
        number = max(1, int(2000 * scale / (1 + width / 64)))
        t_ours = best_time(lambda: g(*params), repeat, number)
        t_hand = best_time(lambda: mlp_by_hand(*params), repeat, number)
        rows.append((f"MLP width {width}, batch 16: gradient", "hand-written NumPy", t_ours / t_hand))

    chained = load_chained_sin()
    g = ssagrad.grad(chained)
    number = int(20000 * scale)
    t_grad = best_time(lambda: g(0.3), repeat, number)
    t_fn = best_time(lambda: chained(0.3), repeat, number)
    rows.append(("50 chained np.sin on a float: gradient", "the function", t_grad / t_fn))

    g = ssagrad.grad(logistic, wrt=(0, 1))
    np.testing.assert_allclose(g(3.7, 0.3, 1000), logistic_by_hand(3.7, 0.3, 1000), rtol=1e-9)
    number = max(1, int(50 * scale))
    rows.append(("logistic map, 1000 steps: gradient", "hand-written loop",
                 best_time(lambda: g(3.7, 0.3, 1000), repeat, number)
                 / best_time(lambda: logistic_by_hand(3.7, 0.3, 1000), repeat, number)))

    x = rng.normal(size=10 ** 6)
    g = ssagrad.grad(sum_sin)
    number = max(1, int(20 * scale))
    rows.append(("sum(sin(x)), 10^6 elements: gradient", "the function",
                 best_time(lambda: g(x), repeat, number) / best_time(lambda: sum_sin(x), repeat, number)))
    rows.append(("sum(sin(x)), 10^6 elements: gradient", "hand-written np.cos(x)",
                 best_time(lambda: g(x), repeat, number) / best_time(lambda: sum_sin_by_hand(x), repeat, number)))

    for n, m in ((1, 200), (20, 20), (200, 1)):
        W = rng.normal(size=(m, n)) / np.sqrt(n)
        x = rng.normal(size=n)

        def layer(x, W=W):
            return np.tanh(W @ x)
        forward, backward = ssagrad.jacobian(layer, mode="forward"), ssagrad.jacobian(layer, mode="reverse")
        np.testing.assert_allclose(forward(x), backward(x), rtol=1e-10, atol=1e-12)
        number = max(1, int(5 * scale))
        rows.append((f"Jacobian of tanh(W @ x), {n} inputs -> {m} outputs", "the reverse-mode Jacobian",
                     best_time(lambda: forward(x), repeat, number) / best_time(lambda: backward(x), repeat, number)))

    for name, (autograd, anp) in peers().items():
        ag_logistic = autograd.grad(logistic, argnum=0)
        number = max(1, int(5 * scale))
        ours = ssagrad.grad(logistic)
        rows.append(("logistic map, 1000 steps: gradient wrt r", name,
                     best_time(lambda: ours(3.7, 0.3, 1000), repeat, number)
                     / best_time(lambda: ag_logistic(3.7, 0.3, 1000), repeat, number)))
        def mlp_autograd(w1, b1, w2, b2, x, y):
            h = anp.tanh(x @ w1 + b1)
            out = h @ w2 + b2
            return anp.mean((out - y) ** 2)
        ag = autograd.grad(mlp_autograd, argnum=0)
        for width in (16, 64):
            params = (rng.normal(size=(32, width)) * 0.1, np.zeros(width), rng.normal(size=(width, 8)) * 0.1,
                      np.zeros(8), rng.normal(size=(16, 32)), rng.normal(size=(16, 8)))
            g = ssagrad.grad(mlp_loss, wrt=0)
            number = int(1000 * scale)
            rows.append((f"MLP width {width}: gradient wrt w1", name,
                         best_time(lambda: g(*params), repeat, number) / best_time(lambda: ag(*params), repeat, number)))

    rows += jax_rows(rng, repeat, scale)
    memory, slower = checkpointing(10 ** 5 if not args.quick else 10 ** 4)
    rows.append(("long loop with checkpoints: peak memory", "the same loop with a full tape", memory))
    rows.append(("long loop with checkpoints: time", "the same loop with a full tape", slower))
    first_call, cache_hit = compile_times(repeat)
    rows.append(("first call (compile) of a 30-line function, ms", "(absolute)", first_call * 1000))
    rows.append(("ssagrad.grad(f)(x) in a loop (cache hit)", "a hoisted gradient function", cache_hit))

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'ssagrad time / contender time':>30}  contender "
          f"(the forward-mode Jacobian rows: forward time / reverse time)")
    for what, against, ratio in rows:
        print(f"{what:<{width}}  {ratio:>30.3g}  {against}")


if __name__ == "__main__":
    main()
