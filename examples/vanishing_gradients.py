"""Vanishing gradients: per-layer gradient norms of a 10-layer sigmoid network against ReLU.

Each sigmoid layer multiplies the backward signal by sigmoid' <= 1/4, so the
first layers of a deep sigmoid network learn slowly; ReLU passes it through.
Run: python examples/vanishing_gradients.py [--plot]
"""
import argparse

import numpy as np

import ssagrad

DEPTH = 10


def sigmoid_network(weights, x):
    for W in weights:
        x = 1 / (1 + np.exp(-(W @ x)))
    return np.sum(x)


def relu_network(weights, x):
    for W in weights:
        x = np.maximum(W @ x, 0.0)
    return np.sum(x)


def layer_norms(network, seed=0, width=16):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(width, width)) * np.sqrt(2.0 / width) for _ in range(DEPTH)]
    x = np.abs(rng.normal(size=width))
    return [float(np.linalg.norm(g)) for g in ssagrad.grad(network)(weights, x)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plot", action="store_true")
    options = parser.parse_args()
    sigmoid, relu = layer_norms(sigmoid_network), layer_norms(relu_network)
    print("layer   |dL/dW| sigmoid   |dL/dW| ReLU")
    for i, (s, r) in enumerate(zip(sigmoid, relu), 1):
        print(f"{i:5d}   {s:15.3e}   {r:12.3e}")
    print(f"first/last layer: sigmoid {sigmoid[0] / sigmoid[-1]:.2e}, ReLU {relu[0] / relu[-1]:.2e}")
    assert sigmoid[0] / sigmoid[-1] < relu[0] / relu[-1]
    if options.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.semilogy(range(1, DEPTH + 1), sigmoid, "o-", label="sigmoid")
        plt.semilogy(range(1, DEPTH + 1), relu, "s-", label="ReLU")
        plt.xlabel("layer")
        plt.ylabel("gradient norm")
        plt.legend()
        plt.savefig("vanishing_gradients.png", dpi=100)
        print("saved vanishing_gradients.png")


if __name__ == "__main__":
    main()
