"""Pictures of the computational graph: the seed's numbers exactly, in both modes, the sum over paths, and
local derivatives on the edges checked against central differences on other functions."""
import importlib.util
import pathlib
import re
import shlex
import shutil
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

import ssagrad
from ssagrad.cli import main
from ssagrad.edges import JACOBIAN_SIZE

_path = pathlib.Path(__file__).parent.parent / "examples" / "seed_graphs.py"
_spec = importlib.util.spec_from_file_location("seed_graphs", _path)
seed_graphs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(seed_graphs)
e = seed_graphs.e

SEED_EDGES = {("a", "c"): 1.0, ("b", "c"): 1.0, ("b", "d"): 1.0, ("c", "e"): 2.0, ("d", "e"): 3.0}


def test_the_seed_edges_carry_their_local_derivatives():
    picture = ssagrad.graph(e, 2.0, 1.0)
    assert picture.local == SEED_EDGES
    for (tail, head), value in SEED_EDGES.items():
        assert f'"{tail}" -> "{head}" [label="∂{head}/∂{tail} = {value:g}"];' in picture.source


def test_reverse_mode_nodes_show_value_and_the_result_s_derivative():
    picture = ssagrad.graph(e, 2.0, 1.0)
    assert picture.mode == "reverse" and picture.output == "e"
    assert picture.values == {"a": 2.0, "b": 1.0, "c": 3.0, "d": 2.0, "e": 6.0}
    assert picture.derivatives == {"a": 2.0, "b": 5.0, "c": 2.0, "d": 3.0, "e": 1.0}
    for label in ("c = a + b\\n= 3\\n∂e/∂c = 2", "d = b + 1\\n= 2\\n∂e/∂d = 3", "∂e/∂a = 2", "∂e/∂b = 5"):
        assert label in picture.source


def test_forward_mode_nodes_show_their_derivative_along_b():
    picture = ssagrad.graph(e, 2.0, 1.0, mode="forward", wrt="b")
    assert picture.mode == "forward" and picture.wrt == ("b",)
    assert picture.derivatives == {"a": 0.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 5.0}
    assert picture.local == SEED_EDGES  # the edges do not depend on the mode
    for label in ("c = a + b\\n= 3\\n∂c/∂b = 1", "d = b + 1\\n= 2\\n∂d/∂b = 1", "e = c * d\\n= 6\\n∂e/∂b = 5"):
        assert label in picture.source
    along_a = ssagrad.graph(e, 2.0, 1.0, mode="forward", wrt="a")
    assert along_a.derivatives == {"a": 1.0, "b": 0.0, "c": 1.0, "d": 0.0, "e": 2.0}


def test_the_sum_over_paths_of_the_seed():
    picture = ssagrad.graph(e, 2.0, 1.0)
    paths = picture.paths("b")
    assert str(paths).splitlines()[0] == "∂e/∂b = ∂c/∂b·∂e/∂c + ∂d/∂b·∂e/∂d = 1·2 + 1·3 = 5"
    assert paths.products == [2.0, 3.0] and paths.total == 5.0
    assert str(picture.paths("a")).splitlines()[0] == "∂e/∂a = ∂c/∂a·∂e/∂c = 1·2 = 2"


def sigmoid_steps(x):
    z = -x
    t = np.exp(z)
    u = 1 + t
    return 1 / u


def product_of_arrays(w, x):
    y = w * x
    s = np.sum(y)
    return s * s


def matrix_layer(W, h):
    z = W @ h
    a = np.tanh(z)
    return np.sum(a * a)


def scaled_sine(u, v):
    return u * np.sin(v)


def calls_a_helper(x, y):
    h = scaled_sine(x, y)
    return h * x


# each drawn operation as a function of its one moving argument: the edge's finite-difference reference
OPERATIONS = {
    sigmoid_steps: {("x", "z"): lambda v, x: -x, ("z", "t"): lambda v, z: np.exp(z),
                    ("t", "u"): lambda v, t: 1 + t, ("u", "sigmoid_steps"): lambda v, u: 1 / u},
    product_of_arrays: {("w", "y"): lambda v, w: w * v["x"], ("x", "y"): lambda v, x: v["w"] * x,
                        ("y", "s"): lambda v, y: np.sum(y), ("s", "product_of_arrays"): lambda v, s: s * s},
    matrix_layer: {("W", "z"): lambda v, W: W @ v["h"], ("h", "z"): lambda v, h: v["W"] @ h,
                   ("z", "a"): lambda v, z: np.tanh(z)},
    # a call of the user's own function is one operation: its edges are the callee's partial derivatives
    calls_a_helper: {("x", "h"): lambda v, x: scaled_sine(x, v["y"]),
                     ("y", "h"): lambda v, y: scaled_sine(v["x"], y),
                     ("h", "calls_a_helper"): lambda v, h: h * v["x"],
                     ("x", "calls_a_helper"): lambda v, x: v["h"] * x},
}
POINTS = {sigmoid_steps: (0.3,), product_of_arrays: (np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.7, -1.1])),
          matrix_layer: (np.array([[0.2, -0.4, 0.1], [0.5, 0.3, -0.2]]), np.array([1.0, -0.5, 2.0])),
          calls_a_helper: (0.7, -1.2)}


def central_jacobian(operation, values, tail, step=1e-6):
    """∂operation/∂tail at the recorded values, one central difference per entry of the tail."""
    x = np.asarray(values[tail], dtype=float)
    columns = []
    for k in range(x.size):
        shift = np.zeros_like(x)
        shift.flat[k] = step
        columns.append((np.asarray(operation(values, x + shift)) - np.asarray(operation(values, x - shift)))
                       / (2 * step))
    head_shape = np.shape(operation(values, x))
    return np.stack(columns, axis=-1).reshape(head_shape + x.shape)


@pytest.mark.parametrize("fn", list(OPERATIONS), ids=lambda f: f.__name__)
def test_edges_match_central_differences(fn):
    picture = ssagrad.graph(fn, *POINTS[fn])
    for edge, operation in OPERATIONS[fn].items():
        expected = central_jacobian(operation, picture.values, edge[0])
        assert np.shape(picture.local[edge]) == expected.shape, edge
        np.testing.assert_allclose(picture.local[edge], expected, rtol=1e-6, atol=1e-8, err_msg=str(edge))


@pytest.mark.parametrize("fn", list(OPERATIONS), ids=lambda f: f.__name__)
def test_both_modes_agree_with_ssagrad_s_own_derivatives(fn):
    args = POINTS[fn]
    reverse = ssagrad.graph(fn, *args)
    first = fn.__code__.co_varnames[0]
    gradient = ssagrad.grad(fn)(*args)
    np.testing.assert_allclose(reverse.derivatives[first], gradient, rtol=1e-12)
    direction = np.ones_like(args[0]) if np.ndim(args[0]) else 1.0
    forward = ssagrad.graph(fn, *args, mode="forward", wrt=first)
    _, tangent = ssagrad.jvp(fn, args, (direction,) + (None,) * (len(args) - 1))
    np.testing.assert_allclose(forward.derivatives[reverse.output], tangent, rtol=1e-12)


def test_the_sum_over_paths_is_the_chain_rule_on_a_second_function():
    picture = ssagrad.graph(sigmoid_steps, 0.3)
    paths = picture.paths("x")
    s = 1 / (1 + np.exp(-0.3))
    assert len(paths.terms) == 1 and paths.total == pytest.approx(s * (1 - s), rel=1e-14)
    assert str(paths).startswith("∂sigmoid_steps/∂x = ∂z/∂x·∂t/∂z·∂u/∂t·∂sigmoid_steps/∂u = -1·")


def test_array_nodes_show_shape_and_values_or_norm():
    picture = ssagrad.graph(product_of_arrays, *POINTS[product_of_arrays])
    assert '"y" [label="y = w * x\\n= (3,) [0.3, -1.4, -0.55]' in picture.source
    assert "∂y/∂w = diag (3,) [0.3, 0.7, -1.1]" in picture.source  # an elementwise product: a diagonal
    big = np.linspace(-1.0, 1.0, JACOBIAN_SIZE + 1)
    wide = ssagrad.graph(product_of_arrays, big, big)
    assert f"= ({big.size},) norm {np.linalg.norm(big * big):.4g}" in wide.source
    # past JACOBIAN_SIZE entries, the tangent along all-ones stands in for the Jacobian
    assert f"∂y/∂w·1 = ({big.size},) norm" in wide.source
    np.testing.assert_allclose(wide.local[("w", "y")], big)


def test_paths_through_a_helper_call_sum_to_the_gradient():
    picture = ssagrad.graph(calls_a_helper, 0.7, -1.2)
    paths = picture.paths("x")
    assert len(paths.terms) == 2 and paths.total == pytest.approx(ssagrad.grad(calls_a_helper)(0.7, -1.2), rel=1e-14)


def writes_into(x, w):
    y = x * 2.0
    y[0] = w
    return np.sum(y * y)


def test_a_write_into_an_array_is_a_node_of_its_own_without_a_label():
    picture = ssagrad.graph(writes_into, np.array([1.0, 2.0, 3.0]), 0.5)
    assert '"y" -> "y\'" [label=""];' in picture.source and '"y\'" -> "mul"' in picture.source
    assert ('w', 'y') not in picture.local
    np.testing.assert_allclose(picture.derivatives["x"], ssagrad.grad(writes_into)(np.array([1.0, 2.0, 3.0]), 0.5))


def returns_two(x):
    return x * 2.0, x + 1.0


def test_several_results_are_drawn_in_forward_mode_only():
    with pytest.raises(ValueError, match="returns several values"):
        ssagrad.graph(returns_two, 1.0)
    assert ssagrad.graph(returns_two, 1.0, mode="forward").derivatives == {"x": 1.0, "mul": 2.0, "add": 1.0}


def parameters_in_a_dict(params, x):
    return np.sum(np.tanh(x @ params["W"]) * params["b"])


def test_a_dict_of_parameters_is_summarized_and_differentiated():
    params = {"W": np.ones((2, 3)), "b": 0.5}
    picture = ssagrad.graph(parameters_in_a_dict, params, np.array([0.1, 0.2]))
    assert "params (input)\\n= {W: (2, 3), b: 0.5}" in picture.source
    expected = ssagrad.grad(parameters_in_a_dict)(params, np.array([0.1, 0.2]))
    np.testing.assert_allclose(picture.derivatives["params"]["W"], expected["W"])


def test_paths_refuse_what_they_cannot_list():
    with pytest.raises(ValueError, match="Jacobian: paths are listed for graphs of scalars"):
        ssagrad.graph(product_of_arrays, *POINTS[product_of_arrays]).paths("w")


def branchy(x, y):
    if x > 0:
        z = x * y
    else:
        z = x + y
    return z * 2.0


@pytest.mark.parametrize("x, dx", [(1.5, 6.0), (-1.5, 2.0)])
def test_a_branch_s_paths_go_through_the_side_taken(x, dx):
    picture = ssagrad.graph(branchy, x, 3.0)
    assert picture.paths("x").total == dx == picture.derivatives["x"]


def test_integers_named_in_wrt_are_numbers_and_otherwise_refused():
    assert ssagrad.graph(e, 2, 1, wrt=("a", "b")).local == SEED_EDGES
    with pytest.raises(ValueError, match="pass floats"):
        ssagrad.graph(e, 2, 1)


def test_forward_mode_needs_one_input():
    with pytest.raises(ValueError, match="along one input"):
        ssagrad.graph(e, 2.0, 1.0, mode="forward", wrt=("a", "b"))
    with pytest.raises(ValueError, match="mode must be"):
        ssagrad.graph(e, 2.0, 1.0, mode="sideways")


def test_docs_show_the_pictures_ssagrad_draws():
    text = (pathlib.Path(__file__).parent.parent / "docs" / "modes.md").read_text()
    reverse, forward = re.findall(r"```dot\n(.*?)```", text, re.S)
    assert reverse == ssagrad.graph(e, 2.0, 1.0).source
    assert forward == ssagrad.graph(e, 2.0, 1.0, mode="forward", wrt="b").source
    assert str(ssagrad.graph(e, 2.0, 1.0).paths("b")) in text



ROOT = pathlib.Path(__file__).parent.parent
PICTURES = ["seed_graph_reverse.svg", "seed_graph_forward.svg"]  # in docs/, shown side by side in docs/modes.md
SVG = "{http://www.w3.org/2000/svg}"


def run_documented_command(name, output):
    """Run the command docs/modes.md says draws ``docs/<name>``, writing ``output`` instead."""
    commands = [line for line in (ROOT / "docs" / "modes.md").read_text().splitlines()
                if line.startswith("ssagrad graph ") and f"-o docs/{name}" in line]
    assert len(commands) == 1, f"docs/modes.md should give the one command that draws docs/{name}"
    argv = shlex.split(commands[0].split("#")[0])[1:]
    argv[1] = str(ROOT / argv[1])  # examples/seed_graphs.py:e, from the repository's root
    argv[argv.index("-o") + 1] = str(output)
    assert main(argv) == 0
    return output.read_text()


def dot_contents(source):
    """What a DOT text draws, as Graphviz's SVG names it: the lines of text, the nodes and the edges."""
    labels = re.findall(r'label="((?:[^"\\]|\\.)*)"', source)
    texts = sorted(line.replace('\\"', '"').replace("\\\\", "\\")
                   for label in labels for line in label.split("\\n") if line)
    nodes = set(re.findall(r'^  "([^"]+)" \[', source, re.M))
    edges = {f"{tail}->{head}" for tail, head in re.findall(r'^  "([^"]+)" -> "([^"]+)"', source, re.M)}
    return texts, nodes, edges


def svg_contents(svg_text):
    """The same three read back from an SVG: its <text> lines, and the titles of its nodes and edges."""
    root = ElementTree.fromstring(svg_text)
    texts = sorted(t.text for t in root.iter(f"{SVG}text"))
    titles = {kind: {g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == kind}
              for kind in ("node", "edge")}
    return texts, titles["node"], titles["edge"]


@pytest.mark.parametrize("name", PICTURES)
def test_the_pictures_in_the_docs_are_what_ssagrad_draws_today(name, tmp_path):
    """Needs no Graphviz: every line of text, node and edge of today's DOT is in the committed SVG, and no other."""
    assert f'<img src="{name}"' in (ROOT / "docs" / "modes.md").read_text()
    today = dot_contents(run_documented_command(name, tmp_path / "today.dot"))
    assert len(today[0]) == 21 and len(today[1]) == 5 and len(today[2]) == 5  # the title, 5 nodes of 3 lines, 5 edges
    assert svg_contents((ROOT / "docs" / name).read_text()) == today


@pytest.mark.skipif(shutil.which("dot") is None, reason="rendering SVG needs Graphviz's dot")
@pytest.mark.parametrize("name", PICTURES)
def test_the_documented_command_renders_the_committed_picture(name, tmp_path):
    """With Graphviz: the command in docs/modes.md draws what is committed (the coordinates may differ between
    Graphviz versions; the text, the nodes and the edges may not)."""
    rendered = run_documented_command(name, tmp_path / name)
    assert svg_contents(rendered) == svg_contents((ROOT / "docs" / name).read_text())
