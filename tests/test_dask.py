"""The same generated gradients on Dask arrays (skipped when Dask is not installed)."""
import numpy as np
import pytest

import ssagrad

da = pytest.importorskip("dask.array")


def elementwise(x, w):
    return np.sum(np.tanh(x * w) + np.exp(-x ** 2))


def broadcasting(x, b):
    return np.sum((x + b) ** 2)


def reductions(x):
    return np.sum(np.mean(x, axis=0) ** 2) + np.max(np.sum(x, axis=1, keepdims=True))


def products(x, w):
    p = 1 / (1 + np.exp(-x @ w))
    return np.mean(p ** 2)


def guarded(x):
    return np.sum(np.where(x > 0, np.log1p(x), x ** 2))


def looped(x, w):
    h = x
    for _ in range(3):
        h = np.tanh(h * w)
    return np.sum(h)


def new_axes(x, w):
    return np.sum(np.tanh(x[:, :, None] * w[None, None, :])) + np.sum(x[None] ** 2)  # Dask cannot write through None


def picked(x):
    return np.sum(np.sin(x[np.array([0, 3, 3, 1])])) + np.sum(x[:, [2, 2, 0]] ** 3)  # repeats add up: no np.add.at


def flattened(x):  # x.reshape(-1) is np.reshape(x, (-1,)): Dask's np.reshape refuses an int shape
    return np.sum(np.sin(x.reshape(-1)) * np.arange(120.0)) + np.sum(x.reshape(120) ** 2)


CASES = [(elementwise, 0), (broadcasting, 0), (reductions, 0), (products, 0), (guarded, 0), (looped, 0),
         (new_axes, 0), (picked, 0), (flattened, 0)]


def data(rng):
    x = rng.normal(size=(40, 3))
    return x, da.from_array(x, chunks=(10, 3))


@pytest.mark.parametrize("fn, wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_gradients_on_dask_arrays_equal_the_numpy_ones(fn, wrt, rng):
    x, x_dask = data(rng)
    others = {"elementwise": (rng.normal(size=3),), "broadcasting": (rng.normal(size=3),),
              "products": (rng.normal(size=3),), "looped": (rng.normal(size=3),),
              "new_axes": (rng.normal(size=2),)}.get(fn.__name__, ())
    expected = ssagrad.grad(fn, wrt=wrt)(x, *others)
    lazy = ssagrad.grad(fn, wrt=wrt)(x_dask, *others)
    assert isinstance(lazy, da.Array)  # lazy until computed
    np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-12)


def test_numpy_parameters_with_dask_data_get_numpy_gradients_computed_together(rng):
    x, x_dask = data(rng)
    y = rng.random(40)
    w = rng.normal(size=3)

    def loss(w, x, y):
        p = 1 / (1 + np.exp(-x @ w))
        return np.mean((p - y) ** 2)
    value, g = ssagrad.value_and_grad(loss)(w, x_dask, da.from_array(y, chunks=10))
    assert isinstance(g, np.ndarray) and not isinstance(value, da.Array)
    expected_value, expected = ssagrad.value_and_grad(loss)(w, x, y)
    assert value == pytest.approx(expected_value)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_a_local_cluster_computes_the_gradient(rng):
    distributed = pytest.importorskip("dask.distributed")
    x, x_dask = data(rng)
    w = rng.normal(size=3)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) \
            as cluster, distributed.Client(cluster) as client:
        lazy = ssagrad.grad(products, wrt=0)(x_dask, w)
        result = client.compute(lazy).result(timeout=60)
    np.testing.assert_allclose(result, ssagrad.grad(products, wrt=0)(x, w), rtol=1e-12)


# Rules listed in docs/scaling-out.md because Dask runs them only on some chunkings (not the test below's two
# chunks an axis): so chunked, their gradients run on Dask too.
def spectra(x):  # Dask's FFTs take each transformed axis in one chunk: axes 1 and 2 here
    c = x + 1j * x ** 2
    return (np.sum(np.real(np.fft.fft(c)) * x) + np.sum(np.imag(np.fft.ifft(c)) ** 2)
            + np.sum(np.real(np.fft.fft2(c)) * x) + np.sum(np.imag(np.fft.ifft2(c)) ** 2)
            + np.sum(np.real(np.fft.fftn(c, axes=(1, 2))) * x) + np.sum(np.imag(np.fft.ifftn(c, axes=(1, 2))) ** 2)
            + np.sum(np.abs(np.fft.rfft(x)) ** 2) + np.sum(np.abs(np.fft.rfft2(x)) ** 2)
            + np.sum(np.abs(np.fft.rfftn(x, axes=(1, 2))) ** 2) + np.sum(np.fft.irfft(c) ** 2)
            + np.sum(np.fft.irfft2(c) ** 2) + np.sum(np.fft.irfftn(c, axes=(1, 2)) ** 2))


def factorizations(x):  # Dask's qr and svd take tall-and-skinny matrices; sign-free functions of the factors
    q, r = np.linalg.qr(x)
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return np.sum(np.sin(q ** 2)) + np.sum(np.cos(r ** 2)) + np.sum(np.sin(s)) + np.sum(u[0] * u[1])


def along_axes(x):  # np.repeat and np.take with an axis, np.select with a number as its default
    return (np.sum(np.sin(np.repeat(x, 2, axis=1)) * np.arange(8.0)) + np.sum(np.take(x, [2, 0, 2], axis=1) ** 3)
            + np.sum(np.select([x < 0.3, x > 1.0], [x * 2, np.sin(x)], 0.5) ** 2))


@pytest.mark.parametrize("fn, shape, chunks", [(spectra, (4, 3, 4), (2, 3, 4)), (factorizations, (8, 3), (4, 3)),
                                               (along_axes, (6, 4), (3, 2))], ids=lambda v: getattr(v, "__name__", ""))
def test_rules_dask_runs_on_some_chunkings_have_gradients_on_dask_there(fn, shape, chunks, rng):
    x = rng.uniform(-0.5, 1.5, size=shape)
    if fn is factorizations:
        x = x + 3 * np.eye(*shape)  # well-conditioned, distinct singular values
    lazy = ssagrad.grad(fn)(da.from_array(x, chunks=chunks))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), ssagrad.grad(fn)(x), rtol=1e-12, atol=1e-12)


def dask_version_of(spec, value):
    """A Dask array of ``value`` in two chunks an axis (or the value itself if it is not an array)."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return value
    return da.from_array(value, chunks=tuple(max(1, n // 2) for n in value.shape))


def rules_that_do_not_dispatch():
    """The rule-table cases that fail (or differ) on Dask arrays: one case a rule, with array inputs."""
    import warnings

    from rule_table import TABLE, A
    from ssagrad.compiler.rules.catalog import SYNTAX, spelling
    rng = np.random.default_rng(0)
    failing = set()
    for primitive, cases in TABLE.items():
        if (getattr(primitive, "__module__", None) or "").startswith("ssagrad.runtime") and primitive not in SYNTAX:
            continue  # a helper generated code calls: it runs on Dask where the rule that calls it does
        case = next((c for c in cases if any(isinstance(s, A) and s.shape for s in c.args)), None)
        if case is None:
            continue
        args = []
        for spec in case.args:
            if isinstance(spec, A) and spec.shape:
                low, high = max(spec.low, 0.6), min(spec.high, 0.9)
                value = rng.uniform(*((low, high) if low < high else (spec.low, spec.high)), size=spec.shape)
                if spec.distinct:
                    value = value + 0.0137 * np.arange(value.size).reshape(value.shape)
                if spec.symmetric_positive:
                    value = value @ value.T + 3 * np.eye(spec.shape[0])
                if spec.generic:
                    value = np.eye(*spec.shape) * 2 + 0.1 * value
                args.append(value)
            else:
                args.append(spec if not isinstance(spec, A) else 0.7)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = ssagrad.grad(case.fn, wrt=case.wrt)(*args)
                got = ssagrad.grad(case.fn, wrt=case.wrt)(*[dask_version_of(s, a) for s, a in zip(case.args, args)])
                got = [np.asarray(g.compute() if hasattr(g, "compute") else g) for g in got]
            same = all(np.allclose(a, b, rtol=1e-8, atol=1e-10) for a, b in zip(got, expected))
        except Exception:  # any failure counts: the list in the docs says which rules
            same = False
        if not same:
            failing.add(spelling(primitive))
    return sorted(failing)


def test_the_docs_list_the_rules_that_do_not_run_on_dask_yet():
    import pathlib
    text = (pathlib.Path(__file__).parent.parent / "docs" / "scaling-out.md").read_text()
    line = next(l for l in text.splitlines() if l.startswith("Rules that do not run on Dask arrays yet:"))
    documented = sorted(item.strip(" `.") for item in line.split(":", 1)[1].split(","))
    assert documented == rules_that_do_not_dispatch()


def test_cupy_arrays_take_the_same_path():
    """Runs only where CuPy and a GPU are present (none of this project's machines has one)."""
    cupy = pytest.importorskip("cupy")
    try:
        x = cupy.linspace(0, 1, 5)
    except Exception:  # CuPy installed without a usable GPU
        pytest.skip("no GPU")
    g = ssagrad.grad(elementwise, wrt=0)(x, cupy.ones(1))
    np.testing.assert_allclose(cupy.asnumpy(g), ssagrad.grad(elementwise, wrt=0)(cupy.asnumpy(x), np.ones(1)))
