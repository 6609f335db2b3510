"""The worked computational graphs that ssagrad grew out of, differentiated by ssagrad.

Run: python examples/seed_graphs.py
"""
import numpy as np

import ssagrad


def e(a, b):
    c = a + b
    d = b + 1
    return c * d


def f(x, y, z):
    q = x + y
    return q * z


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def perceptron_squared_loss(w, x, y):
    y_hat = 1 / (1 + np.exp(-np.dot(w, x)))
    return 0.5 * (y_hat - y) ** 2


def show(title, fn, args, names, expected_value, expected_grads):
    value, grads = ssagrad.value_and_grad(fn, wrt=tuple(range(len(names))))(*args)
    got = ", ".join(f"d/d{n} = {g:g}" for n, g in zip(names, grads))
    print(f"{title}\n  at {', '.join(f'{n}={a:g}' for n, a in zip(names, args))}: value {value:g}; {got}")
    assert value == expected_value and grads == expected_grads, "does not match the worked example"


def graphs():
    """The lesson's pictures as numbers: edges, both modes' nodes, the sum over paths."""
    reverse = ssagrad.graph(e, 2.0, 1.0)                          # ssagrad graph seed_graphs.py:e --args "2,1"
    forward = ssagrad.graph(e, 2.0, 1.0, mode="forward", wrt="b")  # ... --mode forward --wrt b
    print("\nThe graph's edges carry the local derivatives (the same in both modes):")
    print("  " + ", ".join(f"∂{head}/∂{tail} = {value:g}" for (tail, head), value in reverse.local.items()))
    assert reverse.local == {("a", "c"): 1, ("b", "c"): 1, ("b", "d"): 1, ("c", "e"): 2, ("d", "e"): 3}
    assert forward.local == reverse.local
    print("Forward mode from b puts ∂/∂b on every node:")
    print("  " + ", ".join(f"∂{node}/∂b = {value:g}" for node, value in forward.derivatives.items()))
    assert forward.derivatives == {"a": 0, "b": 1, "c": 1, "d": 1, "e": 5}
    print("Reverse mode from e puts ∂e/∂ on every node:")
    print("  " + ", ".join(f"∂e/∂{node} = {value:g}" for node, value in reverse.derivatives.items()))
    assert reverse.derivatives == {"a": 2, "b": 5, "c": 2, "d": 3, "e": 1}
    print("The sum over paths (ssagrad graph ... --paths a,b):")
    for name, total in (("a", 2), ("b", 5)):
        paths = reverse.paths(name)
        print("  " + str(paths).replace("\n", "\n  ").rstrip())
        assert paths.total == total
    print("\nThe pictures: `ssagrad graph examples/seed_graphs.py:e --args \"2,1\" [--mode forward --wrt b] "
          "-o e.svg`\n(SVG needs Graphviz; -o e.dot, or no -o, gives the DOT text). docs/modes.md shows both "
          "side by side.\n")


def main():
    print("1. Graphs with scalar nodes (reverse mode: one backward pass gives every input's gradient)\n")
    show("e = (a + b) * (b + 1)", e, (2.0, 1.0), "ab", 6.0, (2.0, 5.0))
    show("f = (x + y) * z", f, (-2.0, 5.0, -4.0), "xyz", -12.0, (-4.0, -4.0, 3.0))
    show("g = (x + y) * z", f, (1.0, 3.0, -3.0), "xyz", -12.0, (-3.0, -3.0, 4.0))

    print("\nThe code ssagrad generated for e, with respect to a and b:\n")
    print(ssagrad.grad(e, wrt=("a", "b")).source)

    print("Forward mode gives one input's derivative per pass (reverse mode gave both at once):\n")
    for name, tangents in (("a", (1.0, None)), ("b", (None, 1.0))):
        value, derivative = ssagrad.jvp(e, (2.0, 1.0), tangents)
        print(f"  jvp along {name}: e = {value:g}, de/d{name} = {derivative:g}")
        assert derivative == {"a": 2.0, "b": 5.0}[name]
    graphs()

    print("2. The sigmoid: its derivative is sigma(x) * (1 - sigma(x))\n")
    dsigmoid = ssagrad.grad(sigmoid)
    for x in (-2.0, 0.0, 1.5):
        s = 1 / (1 + np.exp(-x))
        print(f"  x = {x:4}: ssagrad {dsigmoid(x):.12f}   sigma(1 - sigma) {s * (1 - s):.12f}")
        assert np.isclose(dsigmoid(x), s * (1 - s), rtol=1e-14, atol=0)

    print("\n3. One perceptron with squared loss: dL/dw_i = x_i * y_hat * (1 - y_hat) * (y_hat - y)\n")
    w = np.array([0.5, -0.3, 0.8])
    x = np.array([1.0, 2.0, -1.5])
    y = 1.0
    y_hat = 1 / (1 + np.exp(-w @ x))
    formula = x * y_hat * (1 - y_hat) * (y_hat - y)
    gradient = ssagrad.grad(perceptron_squared_loss)(w, x, y)
    print(f"  y_hat = {y_hat:.6f}")
    print(f"  ssagrad: {np.array2string(gradient, precision=8)}")
    print(f"  formula: {np.array2string(formula, precision=8)}")
    assert np.allclose(gradient, formula, rtol=1e-13, atol=0)
    print("\nAll worked examples match.")


if __name__ == "__main__":
    main()
