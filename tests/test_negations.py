"""Negations carried to the statements that read them (compiler/negations.py): the same values, to the bit.

Random straight-line programs of generated-looking statements (``t = -(a * b)``, ``c = t + a``, copies,
names read twice or stored again) run before and after the rewrite on the same arrays; every name the
program returns must be identical, and a negation may go but never move to
another statement (on to a larger array).
"""
import ast

import numpy as np
from hypothesis import given, settings, strategies as st

from ssagrad.compiler.negations import carry_negations

INPUTS = ("a", "b", "c")


@st.composite
def programs(draw):
    names = list(INPUTS)
    lines = []
    for i in range(draw(st.integers(1, 9))):
        x, y = draw(st.sampled_from(names[-4:])), draw(st.sampled_from(names))  # mostly recent values
        form = draw(st.sampled_from(["-{x}", "-({x} {op} {y})", "{x} {op} {y}", "{y} {op} {x}", "{x}",
                                     "-{x} {op} {y}"]))
        op = draw(st.sampled_from(["+", "-", "*", "/", "@"]))
        fresh = len(names) == 3 or draw(st.integers(0, 3)) > 0
        target = f"t{i}" if fresh else draw(st.sampled_from(names[3:]))  # or a name stored again
        lines.append(f"{target} = " + form.format(x=x, y=y, op=op))
        if target not in names:
            names.append(target)
    last = lines[-1].split(" = ")[0]
    return "\n".join(lines), [last] + draw(st.lists(st.sampled_from(names), max_size=2))


def _run(body, returned, values):
    namespace = dict(values)
    with np.errstate(all="ignore"):
        exec(compile(ast.Module(body, []), "<program>", "exec"), {}, namespace)
    return [namespace[n] for n in returned]


def _negations(body) -> int:
    return sum(isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) for s in body for n in ast.walk(s))


@settings(max_examples=1000, deadline=None)
@given(programs(), st.integers(0, 2 ** 32 - 1))
def test_the_same_values_to_the_bit(program, seed):
    source, returned = program
    rng = np.random.default_rng(seed)
    values = {n: rng.normal(size=(3, 3)) for n in INPUTS}
    result = ast.Tuple([ast.Name(n, ast.Load()) for n in returned], ast.Load())
    before = _run(ast.parse(source).body, returned, values)
    body = carry_negations(ast.parse(source).body, result)
    ast.fix_missing_locations(ast.Module(body, []))
    after = _run(body, returned, values)
    for x, y in zip(before, after):
        assert np.array_equal(x, y, equal_nan=True), (source, ast.unparse(ast.Module(body, [])))
    for old, new in zip(ast.parse(source).body, body):  # a negation goes, or stays where it was
        assert _negations([new]) <= _negations([old]), (source, ast.unparse(ast.Module(body, [])))


def test_a_negation_read_once_rides_on_its_reader():
    body = ast.parse("t = -(a / b)\nu = t * c\nv = -u\nw = c + t2\nt2 = -a\nz = v + t2").body
    body = carry_negations(body, ast.Name("z", ast.Load()))
    assert ast.unparse(ast.Module(body, [])) == "t = a / b\nu = t * c\nv = u\nw = c + t2\nt2 = a\nz = v - t2"
