"""The command line: show, export and graph, and their errors; pictures and notebook display."""
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import ssagrad
from ssagrad.cli import main
from ssagrad.graph import Graph

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"
SEED = f"{EXAMPLES / 'seed_graphs.py'}:e"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_prints_the_generated_code(capsys):
    code, out, _ = run(capsys, "show", SEED, "--wrt", "a,b")
    assert code == 0 and out.startswith("def e_grad(a, b):") and "db = dd + unbroadcast(dc, b)" in out
    code, out, _ = run(capsys, "show", SEED, "--wrt", "b", "--mode", "forward")
    assert code == 0 and out.startswith("def e_db_jvp(a, b, *, db):")
    code, out, _ = run(capsys, "show", SEED, "--ssa")
    assert code == 0 and "c = add(a, b)" in out


@pytest.mark.parametrize("argv, message", [
    (("show", "examples/missing.py:e"), "no such file"),
    (("show", f"{EXAMPLES / 'seed_graphs.py'}:nope"), "has no function 'nope'; it defines: e, f"),
    (("show", "seed_graphs.py"), "expected path/to/file.py:function"),
    (("graph", SEED, "--args", "2,,"), "--args must be Python literals"),
    (("graph", SEED), "graph needs the point"),
])
def test_clear_errors(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err


def test_the_module_runs_as_python_dash_m():
    done = subprocess.run([sys.executable, "-m", "ssagrad", "show", SEED], capture_output=True, text=True)
    assert done.returncode == 0 and "def e_grad(a, b):" in done.stdout


def test_an_exported_gradient_runs_without_ssagrad(capsys, tmp_path):
    target = tmp_path / "grad_network.py"
    code, out, _ = run(capsys, "export", f"{EXAMPLES / 'xor_mlp.py'}:loss", "-o", str(target))
    assert code == 0 and target.exists()
    text = target.read_text()
    assert not re.search(r"^\s*(import|from) ssagrad", text, re.M)
    check = tmp_path / "check.py"
    check.write_text(
        "import sys\n"
        "sys.modules['ssagrad'] = None  # as if it were not installed: importing it fails\n"
        "import numpy as np\n"
        "import grad_network\n"
        "rng = np.random.default_rng(0)\n"
        "params = {'W1': rng.normal(size=(2, 4)), 'b1': np.zeros(4), 'w2': rng.normal(size=4), 'b2': 0.0}\n"
        "x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0.0, 1.0, 1.0, 0.0])\n"
        "value, grads = grad_network.loss(params, x, y), grad_network.loss_grad(params, x, y)\n"
        "print(repr(float(value)), repr(grads['W1'].tolist()))\n")
    done = subprocess.run([sys.executable, str(check)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(EXAMPLES))
    try:
        import xor_mlp
    finally:
        sys.path.remove(str(EXAMPLES))
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(2, 4)), "b1": np.zeros(4), "w2": rng.normal(size=4), "b2": 0.0}
    value, grads = ssagrad.value_and_grad(xor_mlp.loss)(params, xor_mlp.X, xor_mlp.Y)
    exported_value, exported_w1 = done.stdout.strip().split(" ", 1)
    assert float(exported_value) == pytest.approx(value)
    np.testing.assert_allclose(eval(exported_w1), grads["W1"])


def test_export_refuses_what_cannot_be_written_down(capsys, tmp_path):
    source = tmp_path / "uses_array.py"
    source.write_text("import numpy as np\nWEIGHTS = np.ones(3)\n\ndef f(x):\n    return np.sum(x * WEIGHTS)\n")
    code, _, err = run(capsys, "export", f"{source}:f")
    assert code == 2 and "reads 'WEIGHTS' (ndarray)" in err and "Pass it as an argument" in err


def test_the_graph_of_the_seed_example_shows_values_and_gradients(capsys):
    code, out, _ = run(capsys, "graph", SEED, "--args", "2,1")
    assert code == 0
    for label in ("c = a + b\\n= 3", "d = b + 1\\n= 2", "e = c * d\\n= 6", "∂e/∂a = 2", "∂e/∂b = 5",
                  '"a" -> "c" [label="∂c/∂a = 1"]', '"c" -> "e" [label="∂e/∂c = 2"]', '"d" -> "e" [label="∂e/∂d = 3"]'):
        assert label in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="rendering needs Graphviz's dot")
def test_graph_renders_svg_and_png_with_graphviz(capsys, tmp_path):
    code, out, _ = run(capsys, "graph", SEED, "--args", "2,1", "-o", str(tmp_path / "e.svg"))
    assert code == 0 and out == f"wrote {tmp_path / 'e.svg'}\n"
    assert (tmp_path / "e.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "∂e/∂b = 5" in (tmp_path / "e.svg").read_text()
    code, _, _ = run(capsys, "graph", SEED, "--args", "2,1", "-o", str(tmp_path / "e.png"))
    assert code == 0 and (tmp_path / "e.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(RuntimeError, match="dot could not render svg"):
        Graph("not DOT {").pipe("svg")


def test_graph_without_graphviz_says_so_and_still_writes_dot(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)  # as on a machine without Graphviz
    code, out, err = run(capsys, "graph", SEED, "--args", "2,1", "-o", str(tmp_path / "e.svg"))
    assert code == 2 and "rendering needs Graphviz's `dot` program" in err and not (tmp_path / "e.svg").exists()
    code, out, _ = run(capsys, "graph", SEED, "--args", "2,1", "-o", str(tmp_path / "e.dot"))
    assert code == 0 and (tmp_path / "e.dot").read_text().startswith("digraph ssagrad {")
    assert ssagrad.graph(looped, 0.5, 1.5, 10)._repr_svg_() is None  # a notebook shows no picture, and no error


def test_graph_forward_mode_and_paths_on_the_command_line(capsys, tmp_path):
    code, out, _ = run(capsys, "graph", SEED, "--args", "2,1", "--mode", "forward", "--wrt", "b")
    assert code == 0 and "∂c/∂b = 1" in out and "∂d/∂b = 1" in out and "e = c * d\\n= 6\\n∂e/∂b = 5" in out
    code, out, _ = run(capsys, "graph", SEED, "--args", "2,1", "--paths", "a,b", "-o", str(tmp_path / "e.dot"))
    assert code == 0 and out.splitlines() == [
        f"wrote {tmp_path / 'e.dot'}",
        "∂e/∂a = ∂c/∂a·∂e/∂c = 1·2 = 2", "  a → c → e: 1·2 = 2",
        "∂e/∂b = ∂c/∂b·∂e/∂c + ∂d/∂b·∂e/∂d = 1·2 + 1·3 = 5", "  b → c → e: 1·2 = 2", "  b → d → e: 1·3 = 3"]
    assert (tmp_path / "e.dot").read_text().startswith("digraph ssagrad {")
    code, _, err = run(capsys, "graph", SEED, "--args", "2,1", "--mode", "forward", "--wrt", "a,b")
    assert code == 2 and "along one input" in err


def looped(x, w, n):
    for i in range(n):
        x = np.sin(x) * w
    return x


def test_a_loop_is_one_cluster_not_unrolled():
    picture = ssagrad.graph(looped, 0.5, 1.5, 10)
    assert picture.source.count("subgraph") == 1 and "for i in range(...)" in picture.source
    assert picture.source.count("sin = np.sin(x_1)") == 1


def test_notebook_display_of_a_gradient():
    html = ssagrad.grad(looped)._repr_html_()
    assert "def" in html and "looped_grad" in html
