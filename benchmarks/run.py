"""Benchmarks: ssagrad against hand-written NumPy (and autograd / jax.jit when installed), as ratios.

Run: python benchmarks/run.py   (add --quick for a short run)

The first table holds the workloads of issue 15 with its goals; the second, other workloads. Contenders
run side by side in one process; each time is the best of several repeats, and only ratios are printed,
because absolute times on a shared machine are not comparable between runs. The workloads live in
benchmarks/workloads.py (tests/test_benchmark_workloads.py checks their gradients); autograd and JAX
differentiate the same source, with ``np`` rebound to their NumPy.
"""
import argparse
import importlib.util
import os
import sys
import tempfile
import timeit
import tracemalloc

import numpy as np

import ssagrad

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as w  # noqa: E402

GOALS = {  # issue 15: the largest acceptable ratio (milliseconds for the compile row)
    "mlp": 1.10, "logistic regression": 2.0, "sines": 2.2, "rk4": 5.0, "compile": 10.0, "cache hit": 1.2,
    "memory": 1.0,
}


def time_ratio(ours, theirs, repeat, target):
    """Seconds per call of ``ours`` over those of ``theirs``: each the best of ``repeat`` runs of as many calls
    as take ``target`` seconds, the runs of the two alternating so that both see the same load."""
    runs = []
    for fn in (ours, theirs):
        timer = timeit.Timer(fn)
        number, elapsed = 1, timer.timeit(1)
        while elapsed < target / 10:
            number *= 4
            elapsed = timer.timeit(number)
        runs.append((timer, max(1, round(number * target / elapsed))))
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for i, (timer, number) in enumerate(runs):
            best[i] = min(best[i], timer.timeit(number) / number)
    return best[0] / best[1]


def assert_same(ours, theirs, rtol=1e-8):
    if isinstance(ours, (tuple, list)):
        for a, b in zip(ours, theirs, strict=True):
            assert_same(a, b, rtol)
    else:
        np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=1e-12)


def not_available(error):
    return f"n/a ({type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''})"


# -- the peers ---------------------------------------------------------------------------------------------

class Peer:
    """A gradient implementation other than ssagrad, differentiating the workload's own source."""

    def __init__(self, name, numpy_module, gradient, to_device=lambda a: a):
        self.name, self.np, self.gradient, self.to_device = name, numpy_module, gradient, to_device
        self.namespaces = {}

    def function(self, fn):
        """``fn`` with its module's ``np`` rebound to this peer's NumPy."""
        module = sys.modules[fn.__module__]
        if module not in self.namespaces:
            self.namespaces[module] = w.rebound(self.np, module)
        return getattr(self.namespaces[module], fn.__name__)


def peers():
    found = {}
    if importlib.util.find_spec("autograd"):
        import autograd
        import autograd.numpy as anp
        found["autograd"] = Peer("autograd", anp, lambda fn, wrt, static: autograd.grad(fn, wrt))
    if importlib.util.find_spec("jax"):
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def jitted_gradient(fn, wrt, static):
            jitted = jax.jit(jax.grad(fn, wrt), static_argnums=static)
            return lambda *args: jax.block_until_ready(jitted(*args))
        found["jax.jit"] = Peer("jax.jit", jnp, jitted_gradient,
                                lambda a: jnp.asarray(a) if isinstance(a, np.ndarray) else a)
    return found


# -- rows ----------------------------------------------------------------------------------------------------

def gradient_row(what, fn, args, wrt, baseline, against, goal, found, timing, static=(), refused=None):
    """ssagrad's gradient time over ``baseline``'s and over each peer's gradient time.

    ``baseline(*args)`` is a hand-written gradient (checked against ours) or the function itself.
    ``refused``: {peer name: reason} for peers not run on this workload."""
    row = {"what": what, "against": against, "goal": goal}
    try:
        ours = ssagrad.grad(fn, wrt=wrt)
        expected = ours(*args)
        if baseline is not fn:
            assert_same(expected, baseline(*args))
        row["ratio"] = time_ratio(lambda: ours(*args), lambda: baseline(*args), *timing)
    except Exception as error:  # a workload ssagrad refuses is reported, not fatal
        row["ratio"] = not_available(error)
        row["error"] = f"{what}: {type(error).__name__}: {error}"
        return row
    for name, peer in found.items():
        if name in (refused or {}):
            row[name] = f"n/a ({refused[name]})"
            continue
        try:
            theirs = peer.gradient(peer.function(fn), wrt, static)
            device = tuple(peer.to_device(a) for a in args)
            assert_same(expected, theirs(*device))
            row[name] = time_ratio(lambda: ours(*args), lambda: theirs(*device), *timing)
        except Exception as error:
            row[name] = not_available(error)
    return row


def chained_sin_module(n=50):
    """``chained_sin``: ``x = np.sin(x)`` n times, in a real file so ssagrad can read its source."""
    lines = ["import numpy as np", "", "", "def chained_sin(x):"] + ["    x = np.sin(x)"] * n + ["    return x"]
    return load_source("chained_sin", "\n".join(lines) + "\n")


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
    path = os.path.join(tempfile.mkdtemp(), f"{name}.py")
    with open(path, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def compile_rows(timing):
    """First-call time of a 30-line function with a loop and a branch, and grad(f)(x) in a loop vs hoisted."""
    from ssagrad.compiler import cache
    thirty = load_source("thirty", THIRTY_LINES).thirty
    x, v = np.linspace(0, 1, 5), np.linspace(1, 2, 5)
    firsts = []
    for _ in range(max(5, timing[0])):
        cache.clear()
        start = timeit.default_timer()
        ssagrad.grad(thirty, wrt=(0, 1))(x, v, 3)
        firsts.append(timeit.default_timer() - start)
    hoisted = ssagrad.grad(thirty, wrt=(0, 1))
    cache_hit = time_ratio(lambda: ssagrad.grad(thirty, wrt=(0, 1))(x, v, 3), lambda: hoisted(x, v, 3), *timing)
    return [{"what": "first call (compile) of the 30-line function, ms", "against": "(absolute)",
             "goal": GOALS["compile"], "ratio": min(firsts) * 1000},
            {"what": "`ssagrad.grad(f)(x)` rebuilt in a loop (cache hit)", "against": "a hoisted `g = grad(f)`",
             "goal": GOALS["cache hit"], "ratio": cache_hit}]


def peak_bytes(fn):
    """The peak of memory traced during a call of ``fn``, after a first call (which may compile)."""
    fn()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_rows(found, steps=100):
    """Peak memory of the springs' gradient (ssagrad over autograd), and the bytes each kept per step: the
    growth of the peak from ``steps`` to ``2 * steps`` steps, divided by ``steps``."""
    x, v, k, dt, _ = w.springs_inputs(steps=steps)
    contenders = {"ssagrad": ssagrad.grad(w.springs)}
    if "autograd" in found:
        contenders["autograd"] = found["autograd"].gradient(found["autograd"].function(w.springs), 0, ())
    peaks, per_step = {}, {}
    for name, gradient in contenders.items():
        try:
            peaks[name] = peak_bytes(lambda: gradient(x, v, k, dt, steps))
            per_step[name] = (peak_bytes(lambda: gradient(x, v, k, dt, 2 * steps)) - peaks[name]) / steps
        except Exception as error:
            peaks[name] = per_step[name] = not_available(error)
    what = f"springs, {steps} steps over {x.size} entries: gradient's peak memory"
    if "autograd" not in peaks:
        ratio = "n/a (autograd is not installed)"
    elif isinstance(peaks["ssagrad"], str) or isinstance(peaks["autograd"], str):
        ratio = peaks["ssagrad"] if isinstance(peaks["ssagrad"], str) else peaks["autograd"]
    else:
        ratio = peaks["ssagrad"] / peaks["autograd"]

    def size(table, name, unit, scale):
        value = table.get(name, "n/a (not installed)")
        return value if isinstance(value, str) else f"{value / scale:.3g} {unit}"
    peaks_mb = f"{size(peaks, 'ssagrad', 'MB', 2 ** 20)} vs {size(peaks, 'autograd', 'MB', 2 ** 20)}"
    state = f"one state array is {x.nbytes / 1024:.0f} KB"
    return [{"what": what, "against": f"autograd's peak ({peaks_mb})", "goal": GOALS["memory"], "ratio": ratio},
            {"what": "springs: tape bytes per step, ssagrad", "against": f"(absolute; autograd: "
             f"{size(per_step, 'autograd', 'KB', 1024)}; {state})", "ratio": size(per_step, "ssagrad", "KB", 1024)}]


def issue_rows(rng, found, timing):
    rows = []
    for width in (16, 64, 256):
        rows.append(gradient_row(f"MLP tanh, batch 16, width {width}: gradient", w.mlp_loss,
                                 w.mlp_inputs(rng, width), (0, 1, 2, 3), w.mlp_by_hand,
                                 "hand-written NumPy backprop", GOALS["mlp"], found, timing))
    rows.append(gradient_row("logistic regression 32x8, cross-entropy: gradient", w.logistic_regression_loss,
                             w.logistic_regression_inputs(rng), 0, w.logistic_regression_by_hand,
                             "hand-written `X.T @ (p - y) / n`", GOALS["logistic regression"], found, timing))
    chained = chained_sin_module().chained_sin
    rows.append(gradient_row("50 chained `np.sin` on a Python float: gradient", chained, (0.3,), 0, chained,
                             "the function", GOALS["sines"], found, timing))
    refused = {"jax.jit": "not run: jit traces the unrolled loop for minutes, 34 s at 20 steps"}
    rows.append(gradient_row("RK4 Lotka-Volterra, 200 steps, `np.array([...])` stages: gradient",
                             w.rk4_lotka_volterra, w.rk4_inputs(), (0, 1), w.rk4_lotka_volterra, "the function",
                             GOALS["rk4"], found, timing, static=(2,), refused=refused))
    return rows + compile_rows(timing) + memory_rows(found)


# -- other workloads (not in issue 15) ----------------------------------------------------------------------

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


def sum_sin(x):
    return np.sum(np.sin(x))


def long_loop(x, k, n):
    for i in range(n):
        x = x + 0.001 * np.sin(-k * x)
    return np.sum(x ** 2)


def checkpointing(steps):
    """Peak memory (tracemalloc) and time of a long loop's gradient, with and without checkpoints."""
    x, k = np.linspace(0.1, 1.0, 100), 0.7
    results = []
    for checkpoint in (False, True):
        g = ssagrad.grad(long_loop, checkpoint=checkpoint)
        peak = peak_bytes(lambda: g(x, k, steps))
        start = timeit.default_timer()
        g(x, k, steps)
        results.append((peak, timeit.default_timer() - start))
    (full_memory, full_time), (memory, seconds) = results
    return memory / full_memory, seconds / full_time


def other_rows(rng, found, timing, quick):
    rows = [gradient_row("logistic map, 1000 steps: gradient", logistic, (3.7, 0.3, 1000), (0, 1),
                         logistic_by_hand, "a hand-written loop", None, found, timing, static=(2,),
                         refused={"jax.jit": "not run: an unrolled 1000-step loop"})]
    rows.append(gradient_row("`sum(sin(x))`, 10^6 elements: gradient", sum_sin, (rng.normal(size=10 ** 6),), 0,
                             sum_sin, "the function", None, {}, timing))
    for n, m in ((1, 200), (20, 20), (200, 1)):
        W = rng.normal(size=(m, n)) / np.sqrt(n)
        x = rng.normal(size=n)

        def layer(x, W=W):
            return np.tanh(W @ x)
        forward, backward = ssagrad.jacobian(layer, mode="forward"), ssagrad.jacobian(layer, mode="reverse")
        np.testing.assert_allclose(forward(x), backward(x), rtol=1e-10, atol=1e-12)
        rows.append({"what": f"Jacobian of `tanh(W @ x)`, {n} inputs -> {m} outputs: forward mode",
                     "against": "reverse mode",
                     "ratio": time_ratio(lambda: forward(x), lambda: backward(x), *timing)})
    memory, slower = checkpointing(10 ** 5 if not quick else 10 ** 4)
    rows.append({"what": "long loop with checkpoints: peak memory", "against": "the loop with a full tape",
                 "ratio": memory})
    rows.append({"what": "long loop with checkpoints: time", "against": "the loop with a full tape",
                 "ratio": slower})
    return rows


# -- Numba (issue 17) ----------------------------------------------------------------------------------------

NUMBA_GOALS = {"logistic": 3.0, "python over numba": 100.0, "rk4": 5.0, "energy": 3.0}


def numba_rows(timing):
    """Issue 17: gradients of @numba.njit kernels, compiled by Numba, over the Numba primal; the Python
    gradient over the Numba one; and the first call (generate + Numba's compile), in seconds."""
    try:
        import numba
    except ImportError:
        return [{"what": "gradients of @numba.njit functions", "against": "", "ratio": "n/a (numba is not installed)"}]
    from ssagrad.compiler import cache
    w.lv_rates = numba.njit(w.lv_rates)  # rk4_scalar calls it by its global name: a dispatcher, as a user has
    kernels = [("logistic map, 1000 steps, scalar", "logistic", w.logistic_map, (0, 1), (2.5, 0.3)),
               ("RK4 Lotka-Volterra, 200 steps, scalar state", "rk4", w.rk4_scalar, (0, 1, 2, 3),
                (1.0, 0.5, 0.3, 0.8, 1.2, 0.7, 0.01)),
               ("chain energy, 10^6 elements", "energy", w.chain_energy, (0, 1),
                (np.linspace(0.0, 1.0, 10 ** 6) ** 2, 0.7))]
    rows = []
    for what, goal, fn, wrt, args in kernels:
        primal = numba.njit(fn)
        primal(*args)
        cache.clear()
        start = timeit.default_timer()
        gradient = ssagrad.grad(primal, wrt=wrt)
        expected = gradient(*args)
        first = timeit.default_timer() - start
        if goal != "energy":  # the Python gradient fills an array of x's size per iteration: O(n^2) here
            assert_same(expected, ssagrad.grad(fn, wrt=wrt)(*args), rtol=1e-12)
        rows.append({"what": f"{what}: Numba gradient", "against": "the Numba primal", "goal": NUMBA_GOALS[goal],
                     "ratio": time_ratio(lambda: gradient(*args), lambda: primal(*args), *timing)})
        if goal == "logistic":
            python = ssagrad.grad(fn, wrt=wrt)
            rows.append({"what": f"{what}: ssagrad's Python gradient", "against": "the Numba gradient",
                         "goal": NUMBA_GOALS["python over numba"], "at_least": True,
                         "ratio": time_ratio(lambda: python(*args), lambda: gradient(*args), *timing)})
        rows.append({"what": f"{what}: first call (generate + Numba compile), s", "against": "(absolute)",
                     "ratio": first})
    return rows


# -- output --------------------------------------------------------------------------------------------------

def cell(value):
    return value.replace("|", "/") if isinstance(value, str) else f"{value:#.3g}".rstrip(".")


def meets(row):
    if row.get("goal") is None:
        return ""
    if isinstance(row["ratio"], str):
        return "n/a"
    if row.get("at_least"):
        return "yes" if row["ratio"] >= row["goal"] else "no"
    return "yes" if row["ratio"] <= row["goal"] else "no"


def print_table(rows, found, with_goals):
    header = ["benchmark", "ssagrad / contender", "contender"]
    if with_goals:
        header += ["goal", "meets"]
    header += [f"ssagrad / {name}" for name in found]
    lines = [header, ["---"] * len(header)]
    for row in rows:
        line = [row["what"], cell(row["ratio"]), row["against"]]
        if with_goals:
            bound = ">=" if row.get("at_least") else "<="
            line += ["" if row.get("goal") is None else f"{bound} {row['goal']:g}", meets(row)]
        line += [cell(row[name]) if name in row else "" for name in found]
        lines.append(line)
    for line in lines:
        print("| " + " | ".join(line) + " |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    timing = (3, 0.01) if args.quick else (7, 0.1)  # (repeats, seconds per repeat)
    rng = np.random.default_rng(0)
    found = peers()
    from importlib.metadata import version
    print(f"Python {sys.version.split()[0]}, NumPy {np.__version__}, {os.cpu_count()} cores; peers: "
          + (", ".join(f"{name} ({version(name.split('.')[0])})" for name in found) or "none installed"))
    rows = issue_rows(rng, found, timing)
    print("\nIssue 15 (ratios: ssagrad's time or peak memory over the contender's; lower is better)\n")
    print_table(rows, found, with_goals=True)
    print("\nIssue 17: gradients of @numba.njit kernels (ratios of times; the first calls in seconds)\n")
    print_table(numba_rows(timing), {}, with_goals=True)
    others = other_rows(rng, found, timing, args.quick)
    print("\nOther workloads (the Jacobian rows: forward-mode time over reverse-mode time)\n")
    print_table(others, found, with_goals=False)
    for row in rows + others:
        if "error" in row:
            print(f"\nssagrad failed on {row['error']}")


if __name__ == "__main__":
    main()
