"""Logistic regression trained by mini-batch SGD on 10^7 rows that never sit in memory at once.

The data is generated chunk by chunk by Dask (10^7 x 10 float64 is 800 MB);
each step takes the gradient of the loss on a batch of chunks with ssagrad's
generated code, which NumPy's dispatch carries onto the Dask arrays, and a
``dask.distributed.LocalCluster`` with 2 workers computes it. The weights are
a NumPy array, so each step's gradient comes back computed (value and
gradient in one ``dask.compute``). Needs the Dask extra:
``python -m pip install '.[dask]'``.

Run: python examples/dask_regression.py [--rows 10000000] [--epochs 3] [--workers 2]
"""
import argparse
import resource
import time

import numpy as np

import ssagrad

FEATURES = 10


def loss(w, x, y):
    z = x @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def _block(seed_block, chunk, seed, true_w):
    """One chunk of rows, from its own seeded generator: features and labels side by side."""
    rng = np.random.default_rng([seed, int(seed_block[0])])
    x = rng.normal(size=(chunk, FEATURES))
    y = rng.uniform(size=chunk) < 1 / (1 + np.exp(-(x @ true_w)))
    return np.hstack([x, y[:, None]])


def make_data(rows, chunk, seed=0):
    """``rows`` rows made chunk by chunk when a computation needs them (a tiny task graph)."""
    import dask.array as da
    true_w = np.linspace(-1.0, 1.0, FEATURES)
    chunks = rows // chunk
    blocks = da.arange(chunks, chunks=1).map_blocks(
        _block, chunk, seed, true_w, chunks=((chunk,) * chunks, (FEATURES + 1,)), new_axis=1, dtype=float)
    return blocks[:, :FEATURES], blocks[:, FEATURES], true_w


def train(rows=10 ** 7, chunk=200_000, batch_chunks=4, epochs=3, learning_rate=0.5, workers=2, progress=True):
    from dask.distributed import Client, LocalCluster
    x, y, true_w = make_data(rows, chunk)
    rows = x.shape[0]
    w = np.zeros(FEATURES)
    step = ssagrad.value_and_grad(loss)
    starts = list(range(0, rows, chunk * batch_chunks))
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster):
        began = time.perf_counter()
        for epoch in range(epochs):
            batches = tqdm(starts, desc=f"epoch {epoch + 1}", leave=False) if progress and tqdm else starts
            total = 0.0
            for start in batches:
                stop = min(rows, start + chunk * batch_chunks)
                value, g = step(w, x[start:stop], y[start:stop])
                w = w - learning_rate * g
                total += float(value) * (stop - start)
            if progress:
                print(f"epoch {epoch + 1}: mean loss {total / rows:.4f}, "
                      f"distance to the true weights {np.linalg.norm(w - true_w):.3f}")
        seconds = time.perf_counter() - began
    return w, true_w, rows * epochs / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10 ** 7)
    parser.add_argument("--chunk", type=int, default=200_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    w, true_w, throughput = train(options.rows, min(options.chunk, options.rows), epochs=options.epochs,
                                  workers=options.workers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB (Linux)
    print(f"{throughput:,.0f} rows/s; peak memory {peak:,.0f} MB for {options.rows * FEATURES * 8 / 1e6:,.0f} MB of data")
    assert np.linalg.norm(w - true_w) < np.linalg.norm(true_w)  # it learned


if __name__ == "__main__":
    main()
