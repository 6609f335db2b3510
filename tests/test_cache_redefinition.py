"""Redefining what a differentiated function calls, as in a notebook: gradients follow the new code.

Each test compiles a gradient, then redefines or rebinds something the
function calls (a helper, a helper's helper, a global alias of a NumPy
function, a module attribute, a closure cell, a class attribute, defaults)
and checks that both the gradient object already made and a fresh
``ssagrad.grad`` return the new function's value and gradient.
"""
import importlib
import itertools
import linecache
import sys
import textwrap

import numpy as np
import pytest

import ssagrad

X = np.array([0.3, -0.7, 1.1])
_cells = itertools.count()


class Notebook:
    """Runs cells as IPython does: each cell's source registered in linecache under its own name."""

    def __init__(self):
        self.ns = {"np": np, "ssagrad": ssagrad}

    def run(self, source):
        source = textwrap.dedent(source)
        filename = f"<notebook cell {next(_cells)}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), self.ns)

    def __getitem__(self, name):
        return self.ns[name]


@pytest.fixture
def notebook():
    return Notebook()


def check(gradient, x, value, derivative):
    """``value_and_grad``-style result equals the expected value and gradient."""
    got_value, got_gradient = gradient(x)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    np.testing.assert_allclose(got_gradient, derivative, rtol=1e-12)


def test_redefined_helper(notebook, compile_counter):
    notebook.run("""
        def act(x):
            return np.sin(x)

        def loss(x):
            return np.sum(act(x) ** 2)
    """)
    g = ssagrad.value_and_grad(notebook["loss"])
    check(g, X, np.sum(np.sin(X) ** 2), 2 * np.sin(X) * np.cos(X))
    compiled_once = compile_counter()
    notebook.run("""
        def act(x):
            return np.cos(x)
    """)
    expected = np.sum(np.cos(X) ** 2), -2 * np.cos(X) * np.sin(X)
    check(g, X, *expected)
    check(ssagrad.value_and_grad(notebook["loss"]), X, *expected)
    assert compile_counter() == 2 * compiled_once  # the gradient and the new helper, once
    check(g, X, *expected)
    assert compile_counter() == 2 * compiled_once


def test_redefined_helper_of_a_helper(notebook):
    notebook.run("""
        def inner(x):
            return np.sin(x)

        def outer(x):
            return 2.0 * inner(x)

        def loss(x):
            return np.sum(outer(x))
    """)
    g = ssagrad.value_and_grad(notebook["loss"])
    check(g, X, np.sum(2 * np.sin(X)), 2 * np.cos(X))
    notebook.run("""
        def inner(x):
            return np.tanh(x)
    """)
    check(g, X, np.sum(2 * np.tanh(X)), 2 / np.cosh(X) ** 2)
    check(ssagrad.value_and_grad(notebook["loss"]), X, np.sum(2 * np.tanh(X)),
          2 / np.cosh(X) ** 2)


def test_rebound_global_alias_of_a_numpy_function(notebook, compile_counter):
    notebook.run("""
        f_act = np.sin

        def loss(x):
            return np.sum(f_act(x))
    """)
    g = ssagrad.value_and_grad(notebook["loss"])
    check(g, X, np.sum(np.sin(X)), np.cos(X))
    before = compile_counter()
    notebook.run("f_act = np.tanh")
    check(g, X, np.sum(np.tanh(X)), 1 / np.cosh(X) ** 2)
    check(ssagrad.value_and_grad(notebook["loss"]), X, np.sum(np.tanh(X)), 1 / np.cosh(X) ** 2)
    assert compile_counter() == before + 1
    notebook.run("f_act = np.sin")  # and back again
    check(g, X, np.sum(np.sin(X)), np.cos(X))


def test_reloaded_module_attribute(tmp_path, monkeypatch):
    module_file = tmp_path / "redefined_lib.py"
    module_file.write_text("import numpy as np\n\ndef act(x):\n    return np.sin(x)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import redefined_lib

    def loss(x):
        return np.sum(redefined_lib.act(x))
    g = ssagrad.value_and_grad(loss)
    check(g, X, np.sum(np.sin(X)), np.cos(X))
    module_file.write_text("import numpy as np\n\ndef act(x):\n    return np.exp(x)  # edited\n")
    importlib.invalidate_caches()
    sys.modules.pop("redefined_lib", None)  # a fresh import, whatever the file's timestamp
    redefined_lib = importlib.import_module("redefined_lib")
    check(g, X, np.sum(np.exp(X)), np.exp(X))


def test_monkeypatched_module_attribute(notebook, monkeypatch):
    import tests.other_module as lib
    notebook.run("""
        def loss(x):
            return np.sum(lib.softplus(x))

        def halved(z, sharpness=1.0):
            return 0.5 * np.sin(z)
    """)
    notebook.ns["lib"] = lib
    g = ssagrad.value_and_grad(notebook["loss"])
    sigmoid = 1 / (1 + np.exp(-X))
    check(g, X, np.sum(np.log1p(np.exp(X))), sigmoid)
    monkeypatch.setattr(lib, "softplus", notebook["halved"])
    check(g, X, np.sum(0.5 * np.sin(X)), 0.5 * np.cos(X))
    monkeypatch.undo()
    check(g, X, np.sum(np.log1p(np.exp(X))), sigmoid)


def test_rebound_closure_cell():
    def make():
        act = np.sin

        def loss(x):
            return np.sum(act(x))

        def use(f):
            nonlocal act
            act = f
        return loss, use
    loss, use = make()
    g = ssagrad.value_and_grad(loss)
    check(g, X, np.sum(np.sin(X)), np.cos(X))
    use(np.arctan)
    check(g, X, np.sum(np.arctan(X)), 1 / (1 + X ** 2))


def test_redefined_class_with_a_static_helper(notebook):
    notebook.run("""
        class Layer:
            @staticmethod
            def act(x):
                return np.sin(x)

        def loss(x):
            return np.sum(Layer.act(x))
    """)
    g = ssagrad.value_and_grad(notebook["loss"])
    check(g, X, np.sum(np.sin(X)), np.cos(X))
    notebook.run("""
        class Layer:
            @staticmethod
            def act(x):
                return x ** 3
    """)
    check(g, X, np.sum(X ** 3), 3 * X ** 2)


def test_changed_defaults_of_a_helper_and_of_the_function(notebook):
    notebook.run("""
        def scaled(x, k=2.0):
            return k * np.sin(x)

        def loss(x, c=1.0):
            return c * np.sum(scaled(x))
    """)
    loss, scaled = notebook["loss"], notebook["scaled"]
    g = ssagrad.value_and_grad(loss)
    check(g, X, np.sum(2 * np.sin(X)), 2 * np.cos(X))
    scaled.__defaults__ = (5.0,)
    check(g, X, np.sum(5 * np.sin(X)), 5 * np.cos(X))
    loss.__defaults__ = (-1.0,)
    check(g, X, -np.sum(5 * np.sin(X)), -5 * np.cos(X))


def test_redefined_function_itself(notebook, compile_counter):
    notebook.run("""
        def loss(x):
            return np.sum(np.sin(x))
    """)
    old = notebook["loss"]
    g = ssagrad.value_and_grad(old)
    check(g, X, np.sum(np.sin(X)), np.cos(X))
    notebook.run("""
        def loss(x):
            return np.sum(np.cos(x))
    """)
    before = compile_counter()
    check(ssagrad.value_and_grad(notebook["loss"]), X, np.sum(np.cos(X)), -np.sin(X))
    assert compile_counter() == before + 1
    check(g, X, np.sum(np.sin(X)), np.cos(X))  # still the gradient of the function object it was given
    old.__code__ = notebook["loss"].__code__   # ... unless that object's code is replaced
    check(g, X, np.sum(np.cos(X)), -np.sin(X))


def test_forward_mode_follows_a_redefined_helper(notebook):
    notebook.run("""
        def act(x):
            return np.sin(x)

        def loss(x):
            return np.sum(act(x))
    """)
    g = ssagrad.grad(notebook["loss"], mode="forward")
    np.testing.assert_allclose(g(X), np.cos(X))
    notebook.run("""
        def act(x):
            return x * x
    """)
    np.testing.assert_allclose(g(X), 2 * X)


def test_rebinding_data_or_unrelated_names_does_not_recompile(notebook, compile_counter):
    notebook.run("""
        weights = np.ones(3)
        act = np.tanh

        def loss(x):
            return np.sum(weights * act(x))
    """)
    g = ssagrad.grad(notebook["loss"])
    g(X)
    before = compile_counter()
    for scale in (2.0, 3.0):
        notebook.run(f"weights = np.full(3, {scale}); unrelated = np.cos")
        np.testing.assert_allclose(g(X), scale / np.cosh(X) ** 2)
        np.testing.assert_allclose(ssagrad.grad(notebook["loss"])(X), scale / np.cosh(X) ** 2)
    assert compile_counter() == before
