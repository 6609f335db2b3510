"""Every rule in the registry against central finite differences, with hypothesis-drawn inputs."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ssagrad
from rule_table import TABLE, A
from ssagrad.check import TOLERANCE, numerical_grad
from ssagrad.compiler.rules import registered_adjoints


def name_of(primitive):
    module = getattr(primitive, "__module__", None) or "numpy"
    return f"{module}.{getattr(primitive, '__name__', primitive)}"


CASES = [(primitive, index, c) for primitive, cases in TABLE.items() for index, c in enumerate(cases)]
IDS = [f"{name_of(p)}[{i}]-{c.fn.__name__}" for p, i, c in CASES]


def draw(data, spec):
    if not isinstance(spec, A):
        return spec
    if spec.shape is None:
        if spec.away_from_zero:
            return data.draw(st.one_of(st.floats(0.1, spec.high), st.floats(spec.low, -0.1)))
        return data.draw(st.floats(spec.low, spec.high))
    if spec.away_from_zero:
        element = st.one_of(st.floats(0.1, spec.high), st.floats(spec.low, -0.1))
    else:
        element = st.floats(spec.low, spec.high)
    value = data.draw(hnp.arrays(np.float64, spec.shape, elements=element))
    if spec.symmetric_positive:
        value = value @ value.T + 3.0 * np.eye(spec.shape[0])
    if spec.distinct:  # a ramp keeps entries apart wherever hypothesis made them equal
        value = value + 0.0137 * np.arange(value.size).reshape(value.shape)
        # ... but can bring two others within a finite-difference step of a tie (a kink): skip those
        assume(value.size < 2 or np.min(np.diff(np.sort(value, axis=None))) > 1e-3)
    if spec.generic:  # well away from rank deficiency and repeated singular values
        fixed = np.random.default_rng(7).normal(size=spec.shape)
        u, _, vt = np.linalg.svd(fixed, full_matrices=False)
        value = u @ np.diag(np.arange(1.0, min(spec.shape) + 1.0) * 1.5) @ vt + 0.1 * value
    return value


@pytest.mark.parametrize("primitive, index, case", CASES, ids=IDS)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_rule(primitive, index, case, data):
    args = tuple(draw(data, spec) for spec in case.args)
    value = case.fn(*args)
    grads = ssagrad.grad(case.fn, wrt=case.wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    scale = max(1.0, float(np.max(np.abs(value), initial=0.0)))
    tolerance = 1e-3 if "float32" in case.note else TOLERANCE
    for position, g in zip(case.wrt, grads):
        x = args[position]
        assert np.shape(g) == np.shape(x)
        assert type(g) is type(x) or isinstance(x, np.ndarray)
        expected = numerical_grad(case.fn, args, position)
        np.testing.assert_allclose(g, expected, rtol=tolerance, atol=tolerance * scale,
                                   err_msg=f"{case.fn.__name__}: d/d(argument {position})")


def test_every_rule_in_the_registry_has_a_case():
    built_in = [p for p, template in registered_adjoints().items()
                if template.fn.__module__.startswith("ssagrad.compiler.rules")]
    missing = [name_of(p) for p in built_in if p not in TABLE]
    assert not missing, f"rules without a test case in tests/rule_table.py: {missing}"


def test_docs_list_of_functions_is_generated_from_the_registry():
    import pathlib

    from ssagrad.compiler.rules.catalog import markdown
    path = pathlib.Path(__file__).parent.parent / "docs" / "functions.md"
    assert path.read_text() == markdown(), "regenerate: python -m ssagrad.compiler.rules.catalog > docs/functions.md"


@pytest.mark.parametrize("primitive, index, case", CASES, ids=IDS)
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_tangent_rule_agrees_with_the_gradient(primitive, index, case, data):
    """Forward mode: <grad f, v> == jvp(f)(x; v), for a random tangent v of each argument (every rule has one)."""
    args = tuple(draw(data, spec) for spec in case.args)
    directions = [np.random.default_rng(index).normal(size=np.shape(args[i])) for i in case.wrt]
    tangents = [None] * len(args)
    for i, v in zip(case.wrt, directions):
        tangents[i] = float(v) if type(args[i]) is float else v.astype(np.result_type(args[i], 1.0))
    value, derivative = ssagrad.jvp(case.fn, args, tangents)
    grads = ssagrad.grad(case.fn, wrt=case.wrt)(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    expected = sum(float(np.sum(g * v)) for g, v in zip(grads, directions))
    assert value == pytest.approx(case.fn(*args), rel=1e-12, abs=1e-12)
    assert derivative == pytest.approx(expected, rel=1e-8, abs=1e-8 * max(1.0, abs(expected)))
