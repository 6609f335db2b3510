"""Every example runs as a script, quickly, and checks itself; the code the docs show is the code generated."""
import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

import ssagrad
from ssagrad.compiler import compile_jvp

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def has(module):
    return importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script, tmp_path):
    if script == "scipy_optimize.py" and not has("scipy"):
        pytest.skip("scipy is not installed")
    if script == "dask_regression.py" and not has("distributed"):
        pytest.skip("the dask extra is not installed")
    arguments = {"minibatch_sgd.py": ["--epochs", "3"],
                 "dask_regression.py": ["--rows", "400000", "--chunk", "100000", "--epochs", "2"]}.get(script, [])
    done = subprocess.run([sys.executable, str(EXAMPLES / script), *arguments], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_the_examples_named_in_the_issue_exist():
    assert {"seed_graphs.py", "perceptron.py", "xor_mlp.py", "minibatch_sgd.py", "loss_swap.py",
            "vanishing_gradients.py", "scipy_optimize.py", "ode_sensitivity.py"} <= set(SCRIPTS)


ROOT = pathlib.Path(__file__).parent.parent


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


def import_text(directory, name, text):
    """``text`` written to ``directory/name.py`` and imported: ssagrad reads the source from that file."""
    (directory / f"{name}.py").write_text(text)
    spec = importlib.util.spec_from_file_location(name, directory / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_code_ssagrad_generates(tmp_path):
    """The README's first example, run as written: its printed source is the listing the README shows."""
    blocks = python_blocks(ROOT / "README.md")
    listing = next(b for b in blocks if b.startswith("def loss_grad"))
    module = import_text(tmp_path, "readme_example", blocks[0].replace("print(", "str("))
    assert module.loss.source.strip() == listing.strip()


NEURON = "import numpy as np\n\n\ndef neuron(w, x, y):\n    z = np.dot(w, x)\n" \
         "    y_hat = 1 / (1 + np.exp(-z))\n    return (y_hat - y) ** 2\n"
GRAPH_E = "import numpy as np\n\ndef e(a, b):\n    c = a + b\n    d = b + 1\n    return c * d\n"
RNN = "import numpy as np\n\n\n\ndef rnn_loss(W, h, xs):\n    for x in xs:\n        h = np.tanh(W @ h + x)\n" \
      "    return np.sum(h ** 2)\n"
DOC_LISTINGS = [  # (doc, how its listing starts, the function's file as the listing's line numbers assume, code)
    ("how-it-works.md", "def neuron_grad", NEURON, lambda m: ssagrad.grad(m.neuron).source),
    ("modes.md", "def e_grad", GRAPH_E, lambda m: ssagrad.grad(m.e, wrt=("a", "b")).source),
    ("modes.md", "def e_db_jvp", GRAPH_E, lambda m: compile_jvp(m.e, ("b",)).source),
    ("supported.md", "def rnn_loss_grad", RNN, lambda m: ssagrad.grad(m.rnn_loss).source),
]


@pytest.mark.parametrize("doc, start, text, generate", DOC_LISTINGS, ids=[f"{d[0]}:{d[1]}" for d in DOC_LISTINGS])
def test_docs_show_the_code_ssagrad_generates(doc, start, text, generate, tmp_path):
    listing = next(b for b in python_blocks(ROOT / "docs" / doc) if b.startswith(start))
    module = import_text(tmp_path, f"doc_listing_{start.split()[1]}", text)
    assert generate(module).strip() == listing.strip()
