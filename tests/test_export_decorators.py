"""An exported gradient runs with NumPy alone even when the function carries decorators: a registry, a
functools wrapper and a cache from a package the reader does not have, and a JIT compiler's dispatcher."""
import importlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ssagrad
from ssagrad.cli import main

# Defined next to the model when it is exported; absent (and refused) where the exported module runs.
FOREIGN = '''
import functools

REGISTRY = {}


def register(fn):
    REGISTRY[fn.__name__] = fn
    return fn


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


class Dispatcher:
    """As numba's njit gives: a callable that keeps the Python function as py_func."""

    def __init__(self, fn):
        self.py_func = fn

    def __call__(self, *args):
        return self.py_func(*args)


def njit(fn):
    return Dispatcher(fn)
'''

MODEL = '''
import functools

import numpy as np

from decorators_nobody_has import njit, register, traced


@register
def square(v):
    return v * v


@functools.lru_cache(maxsize=None)
def weight(k):
    return 1.0 / k


@register
@traced  # a wrapper from a package the reader does not have
def loss(w, x):
    y = square(np.tanh(x @ w))
    return weight(2) * np.sum(y)


@functools.lru_cache(maxsize=None)
def cached(a, b):
    return np.sin(a) * b


@njit
def jitted(a, b):
    return np.exp(a) * b + a
'''

# Runs a script with ssagrad (and the decorators' module) refusing to import: the exported module must not need
# them. It first checks that the refusal works, so the test cannot pass by accident.
BLOCKED = '''
import importlib.abc
import sys

REFUSED = {"ssagrad", "compiler", "runtime", "decorators_nobody_has"}


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in REFUSED:
            raise ModuleNotFoundError(f"No module named {name!r} (refused by the test)")
        return None


sys.meta_path.insert(0, Refuse())
for refused in REFUSED:
    try:
        __import__(refused)
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit(f"{refused} could still be imported")
'''

W = np.array([0.3, -0.2])
X = np.array([[1.0, 2.0], [-0.5, 0.4], [0.1, -1.5]])
CASES = [("loss", "(W, X)"), ("cached", "(0.7, 1.5)"), ("jitted", "(0.7, 1.5)")]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    (source / "decorators_nobody_has.py").write_text(FOREIGN)
    (source / "decorated_model.py").write_text(MODEL)
    target = tmp_path_factory.mktemp("exported")
    for name, _ in CASES:
        assert main(["export", f"{source / 'decorated_model.py'}:{name}", "-o", str(target / f"grad_{name}.py")]) == 0
    model = importlib.import_module("decorated_model")
    return target, model


@pytest.mark.parametrize("name, args", CASES)
def test_the_exported_module_runs_without_ssagrad_or_the_decorators(exported, name, args, capsys):
    target, model = exported
    text = (target / f"grad_{name}.py").read_text()
    assert "decorators_nobody_has" not in text and not any(line.startswith("@") for line in text.splitlines())
    script = BLOCKED + textwrap.dedent(f'''
        import numpy as np
        import grad_{name}
        W, X = np.array({W.tolist()}), np.array({X.tolist()})
        value, gradient = grad_{name}.{name}_grad{args}
        print(repr(float(value)), repr(np.asarray(gradient).tolist()))
        ''')
    done = subprocess.run([sys.executable, "-c", script], cwd=target, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    value, gradient = (eval(part) for part in done.stdout.split(" ", 1))
    undecorated = {"loss": model.loss.__wrapped__, "cached": model.cached.__wrapped__,
                   "jitted": model.jitted.py_func}[name]
    expected_value, expected_gradient = ssagrad.value_and_grad(undecorated)(*eval(args, {"W": W, "X": X}))
    assert value == pytest.approx(expected_value, rel=1e-14)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-14)


def test_the_decorators_left_out_are_named(exported):
    target, _ = exported
    text = (target / "grad_loss.py").read_text()
    docstring = " ".join(text.split('"""')[1].split())
    assert "Decorators left out" in docstring
    for dropped in ("@register on loss", "@traced on loss", "@register on square",
                    "@functools.lru_cache(maxsize=None) on weight"):
        assert dropped in docstring


def test_a_real_numba_function_exports_too(tmp_path):
    pytest.importorskip("numba")
    (tmp_path / "numba_model.py").write_text(
        "import numba\nimport numpy as np\n\n\n@numba.njit\ndef f(a, b):\n    return np.sin(a) * b\n")
    assert main(["export", f"{tmp_path / 'numba_model.py'}:f", "-o", str(tmp_path / "grad_f.py")]) == 0
    script = BLOCKED.replace('"decorators_nobody_has"', '"numba"') + \
        "import grad_f\nprint(repr(grad_f.f_grad(0.5, 2.0)))\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert eval(done.stdout) == pytest.approx((np.sin(0.5) * 2.0, np.cos(0.5) * 2.0))


def test_a_gradient_that_calls_scipy_exports_with_an_import(tmp_path):
    """SciPy's functions are imported by the exported module (scipy.special.expit, scipy.stats.norm.logpdf),
    not copied: the export refused them before ('only modules, functions and numbers')."""
    pytest.importorskip("scipy")
    (tmp_path / "scipy_model.py").write_text(textwrap.dedent('''
        import numpy as np
        from scipy.special import expit as sigmoid
        from scipy.stats import norm


        def loss(w, x, y):
            p = sigmoid(x @ w)
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) - np.sum(norm.logpdf(w, 0.0, 2.0))
        '''))
    assert main(["export", f"{tmp_path / 'scipy_model.py'}:loss", "-o", str(tmp_path / "grad_loss.py")]) == 0
    text = (tmp_path / "grad_loss.py").read_text()
    assert "It needs NumPy and scipy." in text
    script = BLOCKED.replace('"decorators_nobody_has"', '"scipy_model"') + textwrap.dedent(f'''
        import numpy as np
        import grad_loss
        print(repr(np.asarray(grad_loss.loss_grad(np.array({W.tolist()}), np.array({X.tolist()}),
                                                  np.array([1.0, 0.0, 1.0]))).tolist()))
        ''')
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        model = importlib.import_module("scipy_model")
    finally:
        sys.path.remove(str(tmp_path))
    expected = ssagrad.grad(model.loss)(W, X, np.array([1.0, 0.0, 1.0]))
    np.testing.assert_allclose(eval(done.stdout), expected, rtol=1e-14)
