"""A multilayer perceptron trained by mini-batch SGD (batch size 16) on two interleaved spirals.

The data is generated deterministically. Prints the loss per epoch (with a
tqdm progress bar when tqdm is installed) and, with matplotlib installed and
--plot, saves the decision boundary to spirals.png.
Run: python examples/minibatch_sgd.py [--epochs 30] [--plot]
"""
import argparse

import numpy as np

import ssagrad


def spirals(n_per_class=200, noise=0.15, seed=0):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.05, 1.0, n_per_class)) * 3 * np.pi
    first = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([first, -first]) + noise * rng.normal(size=(2 * n_per_class, 2)) / 3
    y = np.concatenate([np.zeros(n_per_class), np.ones(n_per_class)])
    return x, y


def forward(params, x):
    h = np.tanh(x @ params[0] + params[1])
    h = np.tanh(h @ params[2] + params[3])
    return 1 / (1 + np.exp(-(h @ params[4] + params[5])))


def loss(params, x, y):
    p = forward(params, x)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def train(epochs=30, batch_size=16, learning_rate=0.5, seed=0, progress=True):
    x, y = spirals(seed=seed)
    rng = np.random.default_rng(seed)
    sizes = [2, 32, 32, 1]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out)]
    params[-2], params[-1] = params[-2][:, 0], 0.0
    gradient = ssagrad.value_and_grad(loss)
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    history = [loss(params, x, y)]  # before training
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        batches = range(0, len(x), batch_size)
        if progress and tqdm is not None:
            batches = tqdm(batches, desc=f"epoch {epoch + 1:2d}", leave=False)
        for start in batches:
            batch = order[start:start + batch_size]
            _, grads = gradient(params, x[batch], y[batch])
            params = [p - learning_rate * g for p, g in zip(params, grads)]
        history.append(loss(params, x, y))
        if progress:
            accuracy = np.mean((forward(params, x) > 0.5) == (y > 0.5))
            print(f"epoch {epoch + 1:2d}: loss {history[-1]:.4f}, accuracy {accuracy:.3f}")
    return params, history


def plot(params, path="spirals.png"):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x, y = spirals()
    grid = np.stack(np.meshgrid(np.linspace(-1.2, 1.2, 200), np.linspace(-1.2, 1.2, 200)), axis=-1).reshape(-1, 2)
    plt.contourf(grid[:, 0].reshape(200, 200), grid[:, 1].reshape(200, 200),
                 forward(params, grid).reshape(200, 200), levels=20, cmap="RdBu", alpha=0.6)
    plt.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu", edgecolors="k", s=12)
    plt.savefig(path, dpi=100)
    print(f"saved {path}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--plot", action="store_true")
    options = parser.parse_args()
    params, history = train(epochs=options.epochs)
    assert history[-1] < history[0], "training did not lower the loss"
    if options.plot:
        plot(params)


if __name__ == "__main__":
    main()
