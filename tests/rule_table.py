"""One or more cases for every primitive with a rule, drawn by hypothesis and checked against finite differences.

A case is a scalar-valued function (defined here, so ssagrad can read its
source) plus how to draw each argument: ``A(shape, low, high)`` for a
float64 array (``shape`` None for a Python float), or a constant.
``tests/test_rule_table.py`` runs them and checks that every rule in the
registry has a case here.
"""
import builtins
import importlib.util
import math
import operator
import os
import tempfile
from dataclasses import dataclass

import numpy as np

import ssagrad.runtime as runtime
import ssagrad.runtime.numpy_grads  # noqa: F401  (runtime.numpy_grads in the cases)


@dataclass(frozen=True)
class A:
    shape: tuple | None
    low: float = -2.0
    high: float = 2.0
    away_from_zero: bool = False
    symmetric_positive: bool = False  # a well-conditioned symmetric positive-definite matrix
    distinct: bool = False   # no two entries equal (max, sort: ties are kinks)
    generic: bool = False    # a fixed well-conditioned matrix plus a small drawn part (linear algebra)


@dataclass
class Case:
    fn: object
    args: tuple
    wrt: tuple = (0,)
    note: str = ""


TABLE: dict = {}
_DIRECTORY = tempfile.mkdtemp(prefix="ssagrad-rule-table-")


def source(expression, params="x", imports="import math\nimport numpy as np\nimport ssagrad.runtime as runtime\n"):
    """``def f(<params>): return <expression>`` from a real module file (ssagrad reads source)."""
    name = f"case_{len(os.listdir(_DIRECTORY))}"
    path = os.path.join(_DIRECTORY, name + ".py")
    with open(path, "w") as handle:
        handle.write(f"{imports}\n\ndef {name}({params}):\n    return {expression}\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def case(primitive, fn, *args, wrt=(0,), note=""):
    TABLE.setdefault(primitive, []).append(Case(fn, args, wrt, note))


def unary(op):
    def unary_case(x):
        return np.sum(np.sin(op(x)))
    return unary_case


def binary(op):
    def binary_case(x, y):
        return np.sum(np.sin(op(x, y)))
    return binary_case


SHAPES = [None, (), (3,), (2, 3), (0,)]
PAIRS = [(None, None), ((), (2, 3)), ((3,), (3,)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((0, 3), (3,))]

# -- elementwise: one argument ------------------------------------------------------------
ELEMENTWISE = [
    (np.exp, -2, 2), (np.exp2, -2, 2), (np.expm1, -2, 2), (np.log, 0.2, 3), (np.log2, 0.2, 3),
    (np.log10, 0.2, 3), (np.log1p, -0.5, 3), (np.sqrt, 0.2, 3), (np.cbrt, 0.2, 3), (np.square, -2, 2),
    (np.reciprocal, 0.5, 2), (np.sin, -3, 3), (np.cos, -3, 3), (np.tan, -1.2, 1.2), (np.arcsin, -0.9, 0.9),
    (np.arccos, -0.9, 0.9), (np.arctan, -3, 3), (np.sinh, -2, 2), (np.cosh, -2, 2), (np.tanh, -3, 3),
    (np.arcsinh, -3, 3), (np.arccosh, 1.2, 3), (np.arctanh, -0.9, 0.9), (np.sinc, -2, 2),
    (np.deg2rad, -90, 90), (np.radians, -90, 90), (np.rad2deg, -2, 2), (np.degrees, -2, 2),
    (np.real, -2, 2), (np.conj, -2, 2), (np.conjugate, -2, 2), (np.copy, -2, 2),
    (np.negative, -2, 2), (np.positive, -2, 2),
]
for op, low, high in ELEMENTWISE:
    for shape in SHAPES:
        case(op, unary(op), A(shape, low, high))
for op in (np.abs, np.absolute, np.fabs, builtins.abs):
    for shape in SHAPES:
        case(op, unary(op), A(shape, away_from_zero=True))
case(np.sinc, unary(np.sinc), np.zeros(3), note="the removable singularity at 0")


def negate(x):
    return np.sum(np.sin(-x))


def plus(x):
    return np.sum(np.sin(+x))


for shape in SHAPES:
    case(operator.neg, negate, A(shape))
    case(operator.pos, plus, A(shape))

# -- elementwise: two arguments, with broadcasting -------------------------------------------


def add(x, y):
    return np.sum(np.sin(x + y))


def sub(x, y):
    return np.sum(np.sin(x - y))


def mul(x, y):
    return np.sum(np.sin(x * y))


def div(x, y):
    return np.sum(np.sin(x / y))


def power(x, y):
    return np.sum(np.sin(x ** y))


def modulo(x, y):
    return np.sum(np.sin(x % y))


BINARY = [
    (operator.add, add, (-2, 2), (-2, 2)), (np.add, binary(np.add), (-2, 2), (-2, 2)),
    (operator.sub, sub, (-2, 2), (-2, 2)), (np.subtract, binary(np.subtract), (-2, 2), (-2, 2)),
    (operator.mul, mul, (-2, 2), (-2, 2)), (np.multiply, binary(np.multiply), (-2, 2), (-2, 2)),
    (operator.truediv, div, (-2, 2), (0.5, 2)), (np.divide, binary(np.divide), (-2, 2), (0.5, 2)),
    (operator.pow, power, (0.5, 2), (-2, 2)), (np.power, binary(np.power), (0.5, 2), (-2, 2)),
    (builtins.pow, binary(builtins.pow), (0.5, 2), (-2, 2)),
    (np.arctan2, binary(np.arctan2), (0.5, 2), (0.5, 2)), (np.hypot, binary(np.hypot), (0.5, 2), (0.5, 2)),
    (np.logaddexp, binary(np.logaddexp), (-2, 2), (-2, 2)),
    (np.logaddexp2, binary(np.logaddexp2), (-2, 2), (-2, 2)),
    (np.mod, binary(np.mod), (0.1, 0.9), (1.1, 2)), (np.remainder, binary(np.remainder), (0.1, 0.9), (1.1, 2)),
    (operator.mod, modulo, (0.1, 0.9), (1.1, 2)), (np.fmod, binary(np.fmod), (0.1, 0.9), (1.1, 2)),
]
for op, fn, (xl, xh), (yl, yh) in BINARY:
    for xs, ys in PAIRS:
        case(op, fn, A(xs, xl, xh), A(ys, yl, yh), wrt=(0, 1))
# maximum and friends: x and y apart (ties are tested against a closed form elsewhere)
for op in (np.maximum, np.minimum, np.fmax, np.fmin):
    for xs, ys in PAIRS:
        case(op, binary(op), A(xs, 0.5, 2), A(ys, -2, -0.5), wrt=(0, 1))
        case(op, binary(op), A(xs, -2, -0.5), A(ys, 0.5, 2), wrt=(0, 1))
for op in (builtins.max, builtins.min):
    case(op, binary(op), A(None, 0.5, 2), A(None, -2, -0.5), wrt=(0, 1))
    case(op, binary(op), A(None, -2, -0.5), A(None, 0.5, 2), wrt=(0, 1))


def clip_both(a, lo, hi):
    return np.sum(np.sin(np.clip(a, lo, hi)))


def clip_low(a):
    return np.sum(np.sin(np.clip(a, -0.55, None)))


case(np.clip, clip_both, np.array([-1.3, -0.2, 0.3, 1.7]), -0.55, 0.85, wrt=(0, 1, 2))
case(np.clip, clip_both, A((2, 3)), A((3,), -2.5, -2.1), A((2, 1), 2.1, 2.5), wrt=(0, 1, 2))
case(np.clip, clip_both, np.array([-1.3, 0.3, 1.7]), A((3,), -0.9, -0.6), A((3,), 1.2, 1.5), wrt=(0, 1, 2))
case(np.clip, clip_low, np.array([-1.3, -0.2, 0.3, 1.7]))


def where(x, y):
    return np.sum(np.sin(np.where(x > 0.1137, x * y, y ** 2)))


def select(x, y):
    return np.sum(np.sin(np.select([x < -0.5137, x > 0.5137], [x * 2, y], x ** 2)))


for xs, ys in [((3,), (3,)), ((2, 3), (3,)), (None, None)]:
    case(np.where, where, A(xs), A(ys), wrt=(0, 1))
    case(np.select, select, A(xs), A(ys), wrt=(0, 1))

# -- reductions ---------------------------------------------------------------------------


def call(text):
    """A case ``np.sum(np.sin(<text>))`` of one array ``x``."""
    return source(f"np.sum(np.sin({text}))")


AXES = ["", ", axis=0", ", axis=-1, keepdims=True", ", axis=(0, 2)", ", keepdims=True"]
for op, name in [(np.sum, "np.sum"), (np.mean, "np.mean"), (np.prod, "np.prod"), (np.var, "np.var"),
                 (np.std, "np.std"), (np.max, "np.max"), (np.min, "np.min"), (np.amax, "np.amax"),
                 (np.amin, "np.amin")]:
    for options in AXES:  # small enough that a product stays moderate (finite differences need it)
        case(op, call(f"{name}(x{options})"), A((2, 3, 2), 0.7, 1.1, distinct=True))
for op, name in [(np.var, "np.var"), (np.std, "np.std")]:
    case(op, call(f"{name}(x, ddof=1)"), A((3, 4), 0.5, 2, distinct=True))
    case(op, call(f"{name}(x, axis=1, ddof=1)"), A((3, 4), 0.5, 2, distinct=True))
case(np.prod, call("np.prod(x, axis=1)"), np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 3.0], [1.5, 2.0, -1.0]]),
     note="zeros: the product of the others")
for options in ["", ", ord=1", ", ord=np.inf", ", ord=-np.inf", ", ord=-1", ", ord=2", ", ord=-2", ", 'fro'",
                ", ord='nuc'", ", axis=1", ", 1, 0", ", axis=1, keepdims=True", ", np.inf, (1, 0)"]:
    case(np.linalg.norm, call(f"np.linalg.norm(x{options})"), A((3, 4), 0.5, 2, distinct=True, generic=True))
for options in ["", ", 1", ", np.inf", ", 3", ", 0.5"]:
    case(np.linalg.norm, call(f"np.linalg.norm(x{options})"), A((5,), 0.5, 2, distinct=True))
for op, name in [(np.cumsum, "np.cumsum"), (np.cumprod, "np.cumprod")]:
    for options in ["", ", axis=0", ", axis=-1"]:
        case(op, call(f"{name}(x{options})"), A((3, 4), 0.5, 1.5))
case(np.cumprod, call("np.cumprod(x, axis=1)"), np.array([[1.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, -1.0]]),
     note="zeros")

# -- shapes ---------------------------------------------------------------------------------


def shaped(text):
    """A case weighting every entry of ``<text>`` differently, so misplaced gradients show."""
    return source(f"np.sum(np.sin({text}) * np.arange(np.size({text})).reshape(np.shape({text})))")


SHAPE_CASES = [
    (np.transpose, "np.transpose(x)"), (np.transpose, "np.transpose(x, (1, 2, 0))"),
    (np.transpose, "x.transpose(2, 0, 1)"), (np.transpose, "x.T"),
    (np.reshape, "np.reshape(x, (4, 6))"), (np.reshape, "x.reshape(-1)"), (np.reshape, "x.reshape(6, 4)"),
    (np.ravel, "np.ravel(x)"), (np.ravel, "x.flatten()"), (np.squeeze, "np.squeeze(x)"),
    (np.expand_dims, "np.expand_dims(x, 1)"), (np.atleast_1d, "np.atleast_1d(x)"),
    (np.atleast_2d, "np.atleast_2d(x)"), (np.atleast_3d, "np.atleast_3d(x)"),
    (np.swapaxes, "np.swapaxes(x, 0, 2)"), (np.moveaxis, "np.moveaxis(x, 0, -1)"),
    (np.broadcast_to, "np.broadcast_to(x, (5, 2, 3, 4))"), (np.tile, "np.tile(x, (2, 1, 2))"),
    (np.tile, "np.tile(x, 2)"), (np.repeat, "np.repeat(x, 2)"), (np.repeat, "np.repeat(x, 3, axis=1)"),
    (np.flip, "np.flip(x)"), (np.flip, "np.flip(x, 1)"), (np.roll, "np.roll(x, 2)"),
    (np.roll, "np.roll(x, 1, axis=2)"), (np.pad, "np.pad(x, ((1, 0), (0, 2), (1, 1)))"),
    (np.diagonal, "np.diagonal(x)"), (np.diagonal, "np.diagonal(x, 1, 0, 2)"), (np.trace, "np.trace(x)"),
    (np.trace, "np.trace(x, -1, 1, 2)"), (np.take, "np.take(x, [0, 3, 3, 1])"),
    (np.take, "np.take(x, [2, 0, 2], axis=2)"), (np.sort, "np.sort(x)"), (np.sort, "np.sort(x, axis=0)"),
]
for op, text in SHAPE_CASES:
    case(op, shaped(text), A((2, 3, 4), distinct=True))
for op, text in [(np.diag, "np.diag(x)"), (np.diag, "np.diag(x, 1)"), (np.triu, "np.triu(x)"),
                 (np.triu, "np.triu(x, 1)"), (np.tril, "np.tril(x)"), (np.tril, "np.tril(x, -1)"),
                 (np.fliplr, "np.fliplr(x)"), (np.flipud, "np.flipud(x)"), (np.sort, "np.sort(x, axis=None)")]:
    case(op, shaped(text), A((3, 4), distinct=True))
case(np.diag, shaped("np.diag(x, -1)"), A((3,)), note="vector to matrix")
case(np.squeeze, shaped("np.squeeze(x, 1)"), A((3, 1, 2)))


def take_along(x):
    return np.sum(np.sin(np.take_along_axis(x, np.array([[0, 2, 2], [1, 0, 1]]), 1)) * np.arange(6).reshape(2, 3))


def joined(a, b):
    return np.sum(np.sin(np.concatenate([a, b], axis=1)) * np.arange(10).reshape(2, 5))


def joined_flat(a, b):
    return np.sum(np.sin(np.concatenate((a, b), axis=None)) * np.arange(10))


def stacked(a, b):
    return np.sum(np.sin(np.stack([a, b], axis=1)) * np.arange(12).reshape(2, 2, 3))


def vstacked(a, b):
    return np.sum(np.sin(np.vstack([a, b])) * np.arange(6).reshape(2, 3))


def hstacked(a, b):
    return np.sum(np.sin(np.hstack([a, b])) * np.arange(7))


def split_two(x):
    p, q = np.split(x, 2, axis=1)
    return np.sum(np.sin(p) * 2 + q ** 2)


def split_uneven(x):
    p, q, r = np.array_split(x, 3)
    return np.sum(p * 3) + np.sum(np.sin(r))


def astyped(x):
    return np.sum(np.sin(x.astype(np.float64)) * (x.astype(np.int64) + 1))


case(np.take_along_axis, take_along, A((2, 3)))
case(np.concatenate, joined, A((2, 3)), A((2, 2)), wrt=(0, 1))
case(np.concatenate, joined_flat, A((2, 3)), A((4,)), wrt=(0, 1))
case(np.stack, stacked, A((2, 3)), A((2, 3)), wrt=(0, 1))
case(np.vstack, vstacked, A((3,)), A((1, 3)), wrt=(0, 1))
case(np.hstack, hstacked, A((3,)), A((4,)), wrt=(0, 1))
case(np.split, split_two, A((2, 4)))
case(np.array_split, split_uneven, A((7,)))
case(runtime.astype, astyped, A((3,), 0.1, 0.9), note="a cast to integers carries no gradient")
if hasattr(np, "astype"):
    def np_astyped(x):
        return np.sum(np.sin(np.astype(x, np.float64)))
    case(np.astype, np_astyped, A((3,)))


def index_basic(x):
    return np.sum(np.sin(x[1]) * 2) + np.sum(x[-1, 1:] ** 2) + np.sum(np.sin(x[..., ::2])) + np.sum(x[:, None, 2])


def index_fancy(x):
    return np.sum(np.sin(x[[0, 2, 2, 1]]) * np.arange(16).reshape(4, 4))


def index_mask(x):
    return np.sum(np.sin(x[x > 0]))


case(operator.getitem, index_basic, A((3, 4)))
case(operator.getitem, index_fancy, A((3, 4)), note="repeated indices accumulate")
case(operator.getitem, index_mask, A((3, 4), away_from_zero=True))

# -- products ---------------------------------------------------------------------------------


def matmul_op(a, b):
    return np.sum(np.sin(a @ b))


PRODUCT_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                  ((5, 2, 3), (1, 3, 4))]
for xs, ys in PRODUCT_SHAPES:
    case(operator.matmul, matmul_op, A(xs), A(ys), wrt=(0, 1))
    case(np.matmul, binary(np.matmul), A(xs), A(ys), wrt=(0, 1))
for xs, ys in PRODUCT_SHAPES[:4] + [((), (3,)), ((2, 3), ()), ((2, 2, 3), (4, 3, 5))]:
    case(np.dot, binary(np.dot), A(xs), A(ys), wrt=(0, 1))
for xs, ys in [((3,), (3,)), ((2, 3), (4, 3)), ((3,), (2, 2, 3)), ((), (3,))]:
    case(np.inner, binary(np.inner), A(xs), A(ys), wrt=(0, 1))
for op in (np.vdot, np.outer, np.kron):
    case(op, binary(op), A((2, 3)), A((3, 2)), wrt=(0, 1))
case(np.kron, binary(np.kron), A((3,)), A((2, 2)), wrt=(0, 1))


def tensordot_pairs(a, b):
    return np.sum(np.sin(np.tensordot(a, b, axes=([1, 2], [1, 0]))))


def tensordot_default(a, b):
    return np.sum(np.sin(np.tensordot(a, b)))


case(np.tensordot, tensordot_pairs, A((2, 3, 4)), A((4, 3, 5)), wrt=(0, 1))
case(np.tensordot, tensordot_default, A((2, 3, 4)), A((3, 4, 2)), wrt=(0, 1))


def einsum_matmul(a, b):
    return np.sum(np.sin(np.einsum("ij,jk->ik", a, b)))


def einsum_implicit(a, b):
    return np.sum(np.sin(np.einsum("ij,jk", a, b)))


def einsum_trace(a):
    return np.sin(np.einsum("ii", a))


def einsum_diagonal(a, b):
    return np.sum(np.sin(np.einsum("iij,j->i", a, b)))


def einsum_batch(a, b):
    return np.sum(np.sin(np.einsum("bij,bjk->bik", a, b)))


case(np.einsum, einsum_matmul, A((2, 3)), A((3, 4)), wrt=(0, 1))
case(np.einsum, einsum_implicit, A((2, 3)), A((3, 4)), wrt=(0, 1))
case(np.einsum, einsum_trace, A((3, 3)))
case(np.einsum, einsum_diagonal, A((3, 3, 2)), A((2,)), wrt=(0, 1))
case(np.einsum, einsum_batch, A((2, 3, 4)), A((2, 4, 5)), wrt=(0, 1))

# -- linear algebra -------------------------------------------------------------------------


def well_conditioned(x):
    # diagonally dominant for entries in [-2, 2]: never singular (x + 4I is singular at x = 2 - 4I, all 2s)
    return x + 9.0 * np.eye(x.shape[-1])


def inv(x):
    return np.sum(np.sin(np.linalg.inv(x + 9.0 * np.eye(3))))


def det(x):
    return np.linalg.det(x + 9.0 * np.eye(3))


def slogdet(x):
    sign, logdet = np.linalg.slogdet(x + 9.0 * np.eye(3))
    return logdet * sign


def solve_vector(a, b):
    return np.sum(np.sin(np.linalg.solve(a + 9.0 * np.eye(3), b)))


def solve_matrix(a, b):
    return np.sum(np.sin(np.linalg.solve(a + 9.0 * np.eye(3), b)))


def cholesky(x):
    return np.sum(np.sin(np.linalg.cholesky(x @ x.T + 3.0 * np.eye(3))))


def cholesky_raw(s):
    return np.sum(np.sin(np.linalg.cholesky(s)))


def eigh(x):
    w, v = np.linalg.eigh(x @ x.T + np.diag([1.0, 2.0, 3.0]))
    return np.sum(np.sin(w)) + np.sum(v[0] * v[1]) + np.sum(v[2] ** 2 * v[0] ** 2)


def eigh_values(s):
    return np.sum(np.linalg.eigh(s)[0] ** 2)


def qr(x):
    q, r = np.linalg.qr(x)
    return np.sum(np.sin(q) * 2) + np.sum(np.cos(r))


def svd_values(x):
    return np.sum(np.sin(np.linalg.svd(x, compute_uv=False)))


def svdvals(x):
    return np.sum(np.linalg.svdvals(x) ** 2)


def lstsq(a, b):
    return np.sum(np.sin(np.linalg.lstsq(a, b, rcond=None)[0]))


def pinv(x):
    return np.sum(np.sin(np.linalg.pinv(x)))


SPD = A((3, 3), symmetric_positive=True)
case(np.linalg.inv, inv, A((3, 3)))
case(np.linalg.det, det, A((3, 3)))
case(np.linalg.slogdet, slogdet, A((3, 3)))
case(np.linalg.solve, solve_vector, A((3, 3)), A((3,)), wrt=(0, 1))
case(np.linalg.solve, solve_matrix, A((3, 3)), A((3, 2)), wrt=(0, 1))
case(np.linalg.cholesky, cholesky, A((3, 3)))
case(np.linalg.cholesky, cholesky_raw, SPD, note="reads the lower triangle, as NumPy does")
case(np.linalg.eigh, eigh, A((3, 3), generic=True))
case(np.linalg.eigh, eigh_values, SPD)
case(np.linalg.qr, qr, A((4, 3), generic=True))
case(np.linalg.qr, qr, A((3, 3), generic=True))
case(np.linalg.svd, svd_values, A((4, 3), generic=True))
case(np.linalg.svdvals, svdvals, A((3, 4), generic=True))
case(np.linalg.lstsq, lstsq, A((5, 3), generic=True), A((5,)), wrt=(0, 1))
case(np.linalg.lstsq, lstsq, A((5, 3), generic=True), A((5, 2)), wrt=(0, 1))
case(np.linalg.pinv, pinv, A((4, 3), generic=True))
case(np.linalg.pinv, pinv, A((2, 4), generic=True))

# -- math and builtins ------------------------------------------------------------------------
MATH = [
    (math.exp, -2, 2), (math.expm1, -2, 2), (math.log, 0.2, 3), (math.log1p, -0.5, 3), (math.log2, 0.2, 3),
    (math.log10, 0.2, 3), (math.sqrt, 0.2, 3), (math.sin, -3, 3), (math.cos, -3, 3), (math.tan, -1.2, 1.2),
    (math.asin, -0.9, 0.9), (math.acos, -0.9, 0.9), (math.atan, -3, 3), (math.sinh, -2, 2),
    (math.cosh, -2, 2), (math.tanh, -3, 3), (math.asinh, -3, 3), (math.acosh, 1.2, 3), (math.atanh, -0.9, 0.9),
]


def scalar(op):
    def scalar_case(x):
        return 3.0 * op(x)
    return scalar_case


for op, low, high in MATH:
    case(op, scalar(op), A(None, low, high))
case(math.fabs, scalar(math.fabs), A(None, away_from_zero=True))


def log_base(x, base):
    return math.log(x, base)


def scalar2(op):
    def scalar2_case(x, y):
        return op(x, y) * 2.0
    return scalar2_case


case(math.log, log_base, A(None, 0.5, 3), A(None, 1.5, 3), wrt=(0, 1))
for op in (math.atan2, math.hypot, math.pow):
    case(op, scalar2(op), A(None, 0.5, 2), A(None, 0.5, 2), wrt=(0, 1))


def as_float(x):
    return float(x) * 3.0


def builtin_sum_list(x, y):
    return sum([x, y * 2, x]) * 3.0


def builtin_sum_array(x):
    return np.sum(np.sin(sum(x)))


case(builtins.float, as_float, A(None))
case(builtins.sum, builtin_sum_list, A(None), A(None), wrt=(0, 1))
case(builtins.sum, builtin_sum_array, A((3, 2)))


# -- building lists -------------------------------------------------------------------------


def appending(x, y):
    items = [x]
    items.append(y * 2.0)
    items.append(np.sin(x))
    return np.sum(np.stack(items) ** 2)


def as_array(x, y):
    return np.sum(np.sin(np.array([x, y * 2.0])) * np.array([[1.0], [2.0]])) + np.sum(np.asarray(x) ** 2)


case(runtime.appended, appending, A((3,)), A((3,)), wrt=(0, 1))
case(np.array, as_array, A((3,)), A((3,)), wrt=(0, 1))
case(np.asarray, as_array, A(None), A(None), wrt=(0, 1))

# -- runtime helpers with rules (generated code calls them; derivatives of derivatives differentiate it) ----


def masked_division(x, y):
    return np.sum(np.sin(runtime.safe_div(x, y)))


case(runtime.safe_div, masked_division, A((3,)), A((3,), 0.5, 2), wrt=(0, 1))


def grown(x, y):
    return np.sum(np.sin(runtime.broadcast_like(x, y) * y))


case(runtime.broadcast_like, grown, A((3,)), A((2, 3)), wrt=(0, 1))


# -- the runtime helpers generated gradients call, differentiated again (reverse over reverse) ---------------


def through(text, params="g"):
    """A case weighting every entry of ``<text>`` differently (from 1), so misplaced gradients show."""
    return source(f"np.sum(np.sin({text}) * np.arange(1.0, np.size({text}) + 1.0).reshape(np.shape({text})))",
                  params)


def helper(primitive, text, *args, wrt=(0,), note=""):
    """A case of a runtime helper in ``g`` (and the other arguments its ``wrt`` names)."""
    params = ", ".join(["g", "x", "y"][:len(args)])
    case(primitive, through(text, params), *args, wrt=wrt, note=note)


for gs, xs in [((2, 3), (3,)), ((2, 3), (2, 1)), ((3,), (2, 3)), ((), (2, 3)), (None, None), ((3, 1), (1, 3))]:
    helper(runtime.unbroadcast, "runtime.unbroadcast(g, x)", A(gs), A(xs))
for op, name in [(runtime.unsum, "unsum"), (runtime.unmean, "unmean")]:
    for options, gs, xs in [("", (), (2, 3)), ("", None, None), (", axis=1", (2,), (2, 3)),
                            (", 0", (3, 4), (2, 3, 4)), (", axis=(0, 2), keepdims=True", (1, 3, 1), (2, 3, 4))]:
        helper(op, f"runtime.{name}(g, x{options})", A(gs), A(xs))
TIES = np.array([[1.0, 1.0, 0.0], [2.0, 0.5, 2.0]])
helper(runtime.extremum_grad, "runtime.extremum_grad(g, x, np.max(x, axis=1), axis=1)", A((2,)),
       A((2, 3), distinct=True), wrt=(0, 1), note="a's own derivative is zero away from ties")
helper(runtime.extremum_grad, "runtime.extremum_grad(g, x, np.min(x))", A(()), TIES, note="ties share")
helper(runtime.cumsum_grad, "runtime.cumsum_grad(g, x)", A((6,)), A((2, 3)))
helper(runtime.cumsum_grad, "runtime.cumsum_grad(g, x, 1)", A((2, 3)), A((2, 3)))
for options, gs in [("", None), (", axis=1, ddof=1", (2,)), (", axis=0, keepdims=True", (1, 3))]:
    helper(runtime.var_grad, f"runtime.var_grad(g, x{options})", A(gs), A((2, 3)), wrt=(0, 1))

for text, gs, xs in [("runtime.unindex(g, x, 1)", (3,), (2, 3)), ("runtime.unindex(g, x, [0, 2, 2])", (3, 3), (4, 3)),
                     ("runtime.unindex(g, x, (1, 2))", (), (2, 3)),
                     ("runtime.unindex(g, x, np.array([True, False, True]))", (2, 2), (3, 2))]:
    helper(runtime.unindex, text, A(gs), A(xs))
for op, name in [(runtime.zero_at, "zero_at"), (runtime.written_part, "written_part")]:
    for index, gs in [("1", (2, 3)), ("[0, 2, 2]", (4, 3)), ("np.array([True, False, True])", (3,))]:
        helper(op, f"runtime.{name}(g, {index})", A(gs), note="repeated indices: the last write wins")
for op, name in [(runtime.set_at, "set_at"), (runtime.added_at, "added_at")]:
    for index, xs, vs in [("[0, 2, 2]", (4, 3), (3, 3)), ("1", (2, 3), ()), ("(slice(None), 1)", (2, 3), (2,))]:
        helper(op, f"runtime.{name}(g, {index}, x)", A(xs), A(vs), wrt=(0, 1))
helper(runtime.untake, "runtime.untake(g, x, [0, 3, 3, 1])", A((4,)), A((2, 3)))
helper(runtime.untake, "runtime.untake(g, x, [2, 0, 2], axis=1)", A((2, 3)), A((2, 3)))
helper(runtime.untake_along_axis, "runtime.untake_along_axis(g, x, np.array([[0, 2, 2], [1, 0, 1]]), 1)", A((2, 3)),
       A((2, 3)))
for options, gs in [("", (2, 3)), (", axis=0", (2, 3)), (", axis=None", (6,))]:
    helper(runtime.unsort, f"runtime.unsort(g, x{options})", A(gs), A((2, 3), distinct=True))
for text, gs, xs in [("runtime.untile(g, x, (2, 1))", (4, 3), (2, 3)), ("runtime.untile(g, x, 2)", (6,), (3,)),
                     ("runtime.unrepeat(g, x, 2)", (12,), (2, 3)), ("runtime.unrepeat(g, x, 3, axis=1)", (2, 9), (2, 3)),
                     ("runtime.unrepeat(g, x, [1, 0, 2], axis=1)", (2, 3), (2, 3)),
                     ("runtime.unpad(g, x, ((1, 0), (0, 2)))", (3, 5), (2, 3)),
                     ("runtime.undiagonal(g, x)", (3,), (3, 4)), ("runtime.undiagonal(g, x, 1, 0, 2)", (3, 2), (2, 3, 4)),
                     ("runtime.undiag(g, x)", (3, 3), (3,)), ("runtime.undiag(g, x, -1)", (4, 4), (3,)),
                     ("runtime.undiag(g, x, 1)", (3,), (3, 4)), ("runtime.untrace(g, x)", None, (3, 4)),
                     ("runtime.untrace(g, x, -1, 1, 2)", (2,), (2, 3, 4))]:
    helper(getattr(runtime, text.split("(")[0].split(".")[1]), text, A(gs), A(xs))
helper(runtime.astype_grad, "runtime.astype_grad(g, x, np.float64)", A((3,)), A((3,)))
helper(runtime.astype_grad, "runtime.astype_grad(g, x, np.int64)", A((3,)), A((3,)), note="no gradient: integers")
helper(runtime.array_grad, "runtime.array_grad(g, x)", A((2, 3)), A((2, 3)))
helper(runtime.sinc_derivative, "runtime.sinc_derivative(g, np.sinc(g))", A((4,), away_from_zero=True))
helper(runtime.sinc_derivative, "runtime.sinc_derivative(g, np.sinc(g))", A(None, 1e-4, 2e-3),
       note="near 0, where the closed form cancels: the series")


def weigh(v):
    return np.sum(np.sin(v) * np.arange(1.0, np.size(v) + 1.0).reshape(np.shape(v)))


def pieces_of_concatenate(g, x, y):
    parts = runtime.unconcatenate(g, [x, y], 1)
    return np.sum(np.sin(parts[0]) * 2.0) + np.sum(parts[1] ** 3)


def one_piece_of_concatenate(g, x, y):
    return np.sum(np.sin(runtime.unconcatenate(g, [x, y], axis=None)[1]))


def pieces_of_stack(g, x, y):
    parts = runtime.unstack(g, [x, y], 1)
    return np.sum(np.sin(parts[0]) * 2.0) + np.sum(parts[1] ** 3)


def pieces_of_vstack(g, x, y):
    parts = runtime.unvstack(g, [x, y])
    return np.sum(np.sin(parts[0]) * 2.0) + np.sum(parts[1] ** 3)


def pieces_of_hstack(g, x, y):
    parts = runtime.unhstack(g, [x, y])
    return np.sum(np.sin(parts[0]) * 2.0) + np.sum(parts[1] ** 3)


def joined_pieces(p, q):
    return np.sum(np.sin(runtime.unsplit([p, q], [p, q], np.zeros((2, 5)), 1)) * np.arange(10.0).reshape(2, 5))


def joined_pieces_one_missing(p):
    return np.sum(np.sin(runtime.unsplit([None, p], [np.zeros(3), p], np.zeros(7))) * np.arange(7.0))


def list_helpers(a, b):
    items = [a, b * 2.0, np.sin(a)]
    head = runtime.head_grad(items)
    return (np.sum(np.sin(runtime.last_grad(items, b)) * 3.0) + np.sum(head[1] ** 2)
            + np.sum(np.sin(runtime.item_grad(items, 0, a))))


def array_pieces(g):
    parts = runtime.array_grad(g, [np.ones(3), np.ones(3)])
    return np.sum(np.sin(parts[0])) + np.sum(parts[1] ** 2 * 3.0)


def select_pieces(g, x):
    parts = runtime.select_grads(g, [x > 0.5, x < -0.5], [x, 2.0])
    return np.sum(np.sin(parts[0]) * np.arange(1.0, 5.0)) + np.sin(parts[1])


def select_tangents(a, b, x):
    return weigh(runtime.select_tangent([x > 0.5, x < -0.5], [a, b], [a, b]))


def select_tangents_one_missing(a, x):
    return weigh(runtime.select_tangent([x > 0.5, x < -0.5], [a, None], [a, x]))


case(runtime.unconcatenate, pieces_of_concatenate, A((2, 5)), A((2, 3)), A((2, 2)))
case(runtime.unconcatenate, one_piece_of_concatenate, A((10,)), A((2, 3)), A((4,)), note="a piece nothing used")
case(runtime.unstack, pieces_of_stack, A((2, 2, 3)), A((2, 3)), A((2, 3)))
case(runtime.unvstack, pieces_of_vstack, A((2, 3)), A((3,)), A((1, 3)))
case(runtime.unhstack, pieces_of_hstack, A((7,)), A((3,)), A((4,)))
case(runtime.unsplit, joined_pieces, A((2, 3)), A((2, 2)), wrt=(0, 1))
case(runtime.unsplit, joined_pieces_one_missing, A((4,)), note="a piece with no gradient is zeros")
case(runtime.head_grad, list_helpers, A((3,)), A((3,)), wrt=(0, 1))
case(runtime.last_grad, list_helpers, A(()), A(()), wrt=(0, 1))
case(runtime.item_grad, list_helpers, A((2,)), A((2,)), wrt=(0, 1))
case(runtime.array_grad, array_pieces, A((2, 3)))
case(runtime.select_grads, select_pieces, A((4,)), A((4,)))
case(runtime.select_tangent, select_tangents, A((4,)), A((4,)), A((4,)), wrt=(0, 1))
case(runtime.select_tangent, select_tangents_one_missing, A((4,)), A((4,)))

# products: L(g, a, b) (the gradient in a) is linear in g and b; a gives only the shape; R(g, a, b) the other way
PRODUCTS = [(np.matmul, "matmul", PRODUCT_SHAPES), (np.dot, "dot", PRODUCT_SHAPES[:4] + [((), (3,)), ((2, 3), ())]),
            (np.inner, "inner", [((3,), (3,)), ((2, 3), (4, 3)), ((), (3,))]), (np.outer, "outer", [((2, 3), (3, 2))])]
for product, name, shapes in PRODUCTS:
    for xs, ys in shapes:
        gs = np.shape(product(np.zeros(xs), np.zeros(ys)))
        helper(getattr(runtime, f"{name}_grad_left"), f"runtime.{name}_grad_left(g, x, y)", A(gs), A(xs), A(ys),
               wrt=(0, 2))
        helper(getattr(runtime, f"{name}_grad_right"), f"runtime.{name}_grad_right(g, x, y)", A(gs), A(xs), A(ys),
               wrt=(0, 1))
for axes, xs, ys, gs in [("([1, 2], [1, 0])", (2, 3, 4), (4, 3, 5), (2, 5)), ("2", (2, 3, 4), (3, 4, 2), (2, 2))]:
    helper(runtime.tensordot_grad_left, f"runtime.tensordot_grad_left(g, x, y, {axes})", A(gs), A(xs), A(ys),
           wrt=(0, 2))
    helper(runtime.tensordot_grad_right, f"runtime.tensordot_grad_right(g, x, y, {axes})", A(gs), A(xs), A(ys),
           wrt=(0, 1))
helper(runtime.vdot_grad, "runtime.vdot_grad(g, x, y)", A(()), A((2, 3)), A((3, 2)), wrt=(0, 2))
helper(runtime.kron_grad, "runtime.kron_grad(g, x, y, 0)", A((6, 6)), A((2, 3)), A((3, 2)), wrt=(0, 2))
helper(runtime.kron_grad, "runtime.kron_grad(g, x, y, 1)", A((2, 6)), A((3,)), A((2, 2)), wrt=(0, 1))


def owned(x):  # the memory model's private copy of an argument written into (compiler/aliasing.py)
    return np.sum(np.sin(runtime.own(x)) * x)


case(runtime.own, owned, A((3,)))
case(runtime.own, owned, A(None))


# -- building arrays from values --------------------------------------------------------------


def weighted(text):
    """A case of x and y weighting every entry of ``<text>`` differently, so misplaced gradients show."""
    return through(text, "x, y")


NESTED = [("np.array([[x, x * 2.0], [y ** 2, 1.5]])", [None, ()]),
          ("np.array(((x, y), (y, np.sin(x)), (x - y, 0.5)))", [None, ()]),
          ("np.array([[x, x * 2.0], [y ** 2, x - y]])", [None, (), (3,), (2, 3)]),
          ("np.array([[[x, y]], [[y, x]]])", [None, (), (3,), (2, 3)]), ("np.array(x)", [None, (), (3,), (2, 3)]),
          ("np.array([x, y], dtype=np.float64)", [None, (3,)]), ("np.array([x, y], copy=True)", [(2, 3)])]
for text, shapes in NESTED:
    for xs in shapes:
        case(np.array, weighted(text), A(xs), A(xs), wrt=(0, 1))
        case(np.asarray, weighted(text.replace("np.array", "np.asarray")), A(xs), A(xs), wrt=(0, 1))

LINSPACE = [
    ("np.linspace(x, y, 5)", None, None), ("np.linspace(x, y, num=4, endpoint=False)", None, None),
    ("np.linspace(x, y, 1)", None, None), ("np.linspace(x, y, 1, endpoint=False)", None, None),
    ("np.linspace(x, y, 4)", (3,), (3,)), ("np.linspace(x, y, 4, axis=-1)", (3,), (2, 1)),
    ("np.linspace(x, y, 3, axis=1)", (), (2, 3)), ("np.linspace(x, y, 3, False, axis=2)", (3,), (2, 1)),
    ("np.linspace(x, 2.0, 6)", None, None), ("np.linspace(-1.0, y, 6)", (), (2,)),
]
for text, xs, ys in LINSPACE:
    case(np.linspace, weighted(text), A(xs), A(ys), wrt=(0, 1))
case(np.arange, weighted("np.arange(x, 3.0, y)"), A(None, 0.1, 0.2), A(None, 0.5, 0.55), wrt=(0, 1),
     note="six samples wherever x and y are drawn: the length is piecewise constant")
case(np.arange, weighted("np.arange(x, 2.5)"), A(None, 0.1, 0.4), 0.0, note="start only")
case(np.arange, weighted("np.arange(x)"), A(None, 3.1, 3.9), 0.0, note="stop alone: 0, 1, 2, 3")
for text, xs, ys in [("np.full((2, 3), x)", None, None), ("np.full((2, 3), x)", (3,), None),
                     ("np.full(4, x) * y", (), (4,)), ("np.full((2, 1), x)", (2, 1), None)]:
    case(np.full, weighted(text), A(xs), A(ys), wrt=(0, 1))
for text, xs, ys in [("np.full_like(y, x)", None, (2, 3)), ("np.full_like(y, x)", (3,), (2, 3))]:
    case(np.full_like, weighted(text), A(xs), A(ys), wrt=(0, 1))
# an integer result rounds the fill value: piecewise constant (x drawn between two integers)
case(np.full, weighted("np.full((2, 3), x, dtype=np.int64) * y"), A(None, 0.1, 0.9), A((2, 3)), wrt=(0, 1))
case(np.full_like, weighted("np.full_like(y.astype(np.int64), x) * y"), A(None, 1.1, 1.9), A((3,)), wrt=(0, 1))
for xs, ys in [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (2, 1)), ((), ()), ((2, 3, 2), (2, 1, 2))]:
    case(np.column_stack, weighted("np.column_stack([x, y])"), A(xs), A(ys), wrt=(0, 1))
if hasattr(np, "row_stack"):
    for xs, ys in [((3,), (3,)), ((3,), (2, 3)), ((), ())]:
        case(np.row_stack, weighted("np.row_stack((x, y))"), A(xs), A(ys), wrt=(0, 1),
             note="deprecated in NumPy 2: it warns")
JOINED = [
    ("np.r_[x, y]", (3,), (2,)), ("np.r_[x, 0:3, y, 2.0]", (3,), ()), ("np.r_[x, y]", (2, 3), (1, 3)),
    ("np.r_[x]", (3,), None), ("np.r_[x, y]", None, None), ("np.r_[[x, y], y]", (), ()),
    ("np.r_[x, 0.5:2.5:5j]", (2,), None), ("np.c_[x, y]", (3,), (3,)), ("np.c_[x, 0:3, y]", (3,), (3, 2)),
    ("np.c_[x, y]", (), ()), ("np.c_[x, y]", (2, 2, 3), (2, 2, 1)), ("np.c_[x]", (3,), None),
]
for text, xs, ys in JOINED:
    case(operator.getitem, weighted(text), A(xs), A(ys), wrt=(0, 1) if "y" in text else (0,))


def heaviside_at_zero(x):
    return np.sum(np.sin(np.heaviside(np.array([0.0, -1.0, 0.0, 2.0]), x)) * np.arange(1.0, 5.0))


case(np.heaviside, binary(np.heaviside), A((3,), away_from_zero=True), A((3,)), wrt=(0, 1))
case(np.heaviside, heaviside_at_zero, A(()), note="the second argument is the value at 0")
case(np.heaviside, heaviside_at_zero, A((4,)))
case(math.copysign, scalar2(math.copysign), A(None, away_from_zero=True), A(None, away_from_zero=True),
     wrt=(0, 1))


def replacing_zeros(x, y):
    return np.sum(np.sin(runtime.replace_zero(x, y)) * np.arange(1.0, 4.0))


case(runtime.replace_zero, replacing_zeros, A((3,), away_from_zero=True), A(()), wrt=(0, 1))
case(runtime.replace_zero, replacing_zeros, np.array([0.0, 1.5, 0.0]), A(()), wrt=(1,),
     note="a zero takes the replacement's gradient")

# -- the rest of NumPy's array API (runtime/numpy_grads.py) ---------------------------------------------------

for text in ["np.diff(x)", "np.diff(x, 2)", "np.diff(x, axis=0)", "np.diff(x, n=2, axis=-1, prepend=0.5)",
             "np.diff(x, 0)", "np.diff(x, axis=1, append=x[:, :1] ** 2)"]:
    case(np.diff, shaped(text), A((3, 4)))
for text, xs, ys in [("np.diff(x, prepend=y)", (3,), None), ("np.diff(x, append=y, axis=0)", (2, 3), (1, 3)),
                     ("np.diff(x, 1, 0, y, y)", (3, 2), (2, 2))]:
    case(np.diff, weighted(text), A(xs), A(ys), wrt=(0, 1))
for text, xs, ys in [("np.cross(x, y)", (3,), (3,)), ("np.cross(x, y)", (4, 3), (3,)),
                     ("np.cross(x, y, axisa=0, axisb=0)", (3, 2), (3, 1)),
                     ("np.cross(x, y, axis=0)", (3, 2), (3, 2)), ("np.cross(x, y, axisc=0)", (2, 3), (2, 3))]:
    case(np.cross, weighted(text), A(xs), A(ys), wrt=(0, 1))
for text in ["np.gradient(x[0])", "np.gradient(x, axis=1)", "np.gradient(x, 0.5, axis=0)",
             "np.gradient(x, edge_order=2)[1]", "np.gradient(x, 2.0, 0.5)[0] * 3.0",
             "np.gradient(x[1], np.array([0.0, 0.5, 1.5, 1.75]), edge_order=2)"]:
    case(np.gradient, shaped(text), A((3, 4)))
case(np.gradient, weighted("np.gradient(x, y)"), A((5,)), A(None, 0.5, 2.0), wrt=(0, 1), note="a spacing")
case(np.gradient, weighted("np.gradient(x, y, axis=1)"), A((2, 4)), A(None, 0.5, 2.0), wrt=(0, 1))


def gradient_both(x, h):
    gx, gy = np.gradient(x, h)
    return np.sum(np.sin(gx) * 2.0) + np.sum(gy ** 2)


def gradient_one_used(x):
    parts = np.gradient(x)
    return np.sum(np.sin(parts[1]))


case(np.gradient, gradient_both, A((3, 4)), A(None, 0.5, 2.0), wrt=(0, 1), note="unpacked")
case(np.gradient, gradient_one_used, A((3, 4)), note="a list, indexed later")
for text, xs, ys in [("np.append(x, y)", (2, 3), (4,)), ("np.append(x, y, axis=0)", (2, 3), (1, 3)),
                     ("np.append(x, y, 1)", (2, 3), (2, 2)), ("np.append(x, y)", None, (3,))]:
    case(np.append, weighted(text), A(xs), A(ys), wrt=(0, 1))


def split_list(x):
    parts = np.split(x, 2)
    return np.sum(np.sin(parts[0]) * 2.0) + np.sum(parts[1] ** 3)


def split_indexed(x):
    return np.sum(np.sin(np.array_split(x, 3, axis=1)[2])) + np.sum(np.array_split(x, 3, axis=1)[0] ** 2)


def hsplit(x):
    a, b = np.hsplit(x, 2)
    return np.sum(np.sin(a) * 2.0) + np.sum(b ** 3)


def hsplit_vector(x):
    parts = np.hsplit(x, [1, 3])
    return np.sum(np.sin(parts[2])) + np.sum(parts[0] ** 2)


def vsplit(x):
    a, b, c = np.vsplit(x, 3)
    return np.sum(np.sin(a) * 2.0) + np.sum(c ** 3)


def dsplit(x):
    parts = np.dsplit(x, [1])
    return np.sum(np.sin(parts[1]) * 2.0) + np.sum(parts[0] ** 3)


case(np.split, split_list, A((4, 3)), note="a list, indexed later")
case(np.array_split, split_indexed, A((2, 5)), note="indexed where called")
case(np.hsplit, hsplit, A((3, 4)))
case(np.hsplit, hsplit_vector, A((5,)))
case(np.vsplit, vsplit, A((3, 2)))
case(np.dsplit, dsplit, A((2, 2, 3)))
for text in ["np.rot90(x)", "np.rot90(x, 2)", "np.rot90(x, -1, (1, 2))", "np.rot90(x, k=3, axes=(2, 0))"]:
    case(np.rot90, shaped(text), A((2, 3, 4)))
for text in ["np.rollaxis(x, 2)", "np.rollaxis(x, 0, 3)", "np.rollaxis(x, -1, 1)", "np.rollaxis(x, 1, -1)"]:
    case(np.rollaxis, shaped(text), A((2, 3, 4)))
for text in ["np.partition(x, 1)", "np.partition(x, (0, 2), axis=0)", "np.partition(x, 5, axis=None)",
             "np.partition(x, -1)"]:
    case(np.partition, shaped(text), A((3, 4), distinct=True))
NANS = np.array([[1.5, np.nan, -0.5], [np.inf, 0.25, -np.inf]])
case(np.nan_to_num, shaped("np.nan_to_num(x)"), A((2, 3)))
case(np.nan_to_num, unary(np.nan_to_num), A(None))
case(np.nan_to_num, weighted("np.nan_to_num(x + np.array([[0.0, np.nan, 0.0], [np.inf, 0.0, -np.inf]]), "
                             "nan=y, posinf=y * 2.0, neginf=-y ** 2)"), A((2, 3)), A(None), wrt=(0, 1),
     note="NaN and infinities take the replacements' gradients")

for text in ["np.add.reduce(x)", "np.add.reduce(x, axis=1)", "np.add.reduce(x, 2, keepdims=True)",
             "np.add.reduce(x, axis=None)", "np.add.reduce(x, (0, 2))"]:
    case(np.add.reduce, shaped(text), A((2, 3, 4)))
for text in ["np.add.accumulate(x)", "np.add.accumulate(x, axis=2)"]:
    case(np.add.accumulate, shaped(text), A((2, 3, 4)))
for text in ["np.multiply.reduce(x)", "np.multiply.reduce(x, axis=1, keepdims=True)"]:
    case(np.multiply.reduce, shaped(text), A((2, 3, 4), 0.5, 1.5))
for text in ["np.multiply.accumulate(x)", "np.multiply.accumulate(x, axis=-1)"]:
    case(np.multiply.accumulate, shaped(text), A((2, 3, 4), 0.5, 1.5))
for op, name in [(np.maximum.reduce, "np.maximum.reduce"), (np.minimum.reduce, "np.minimum.reduce"),
                 (np.maximum.accumulate, "np.maximum.accumulate"), (np.minimum.accumulate, "np.minimum.accumulate")]:
    for options in ["", ", axis=1", ", axis=-1"]:
        case(op, shaped(f"{name}(x{options})"), A((3, 4), distinct=True))
case(np.maximum.reduce, shaped("np.maximum.reduce(x, axis=0, keepdims=True)"), A((3, 4), distinct=True))
for op, name in [(np.multiply.outer, "np.multiply.outer"), (np.add.outer, "np.add.outer"),
                 (np.subtract.outer, "np.subtract.outer")]:
    for xs, ys in [((3,), (2,)), ((2, 2), (3,)), ((), (2, 3)), ((3,), ())]:
        case(op, weighted(f"{name}(x, y)"), A(xs), A(ys), wrt=(0, 1))

EINSUM = [("np.einsum('...ij,...jk->...ik', x, y)", (2, 3, 4), (4, 2)),
          ("np.einsum('...ij,...jk->...ik', x, y)", (2, 1, 3, 4), (3, 4, 2)),
          ("np.einsum('i...,i...->...', x, y)", (3, 2), (3, 1)), ("np.einsum('...i,...i', x, y)", (2, 3), (3,)),
          ("np.einsum('ij...,j->i...', x, y)", (2, 3, 4), (3,)),
          ("np.einsum(x, [0, 1], y, [1, 2], [0, 2])", (2, 3), (3, 4)), ("np.einsum(x, [0, 1], y, [1, 2])", (2, 3), (3, 4)),
          ("np.einsum(x, [0, 0], y, [0], [0])", (3, 3), (3,)),
          ("np.einsum(x, [Ellipsis, 0], y, [0, Ellipsis], [Ellipsis])", (2, 3), (3, 2)),
          ("np.einsum(x, [1, 2], [2, 1])", (2, 3), None)]
for text, xs, ys in EINSUM:
    case(np.einsum, weighted(text), A(xs), A(ys), wrt=(0, 1) if "y" in text else (0,))

# -- linear algebra: the rest ---------------------------------------------------------------------------


def eig_values(x):
    w, v = np.linalg.eig(x @ x.T + np.diag([1.0, 2.0, 3.0]) + 0.1 * np.triu(x, 1))
    return np.sum(np.sin(w))


def eig_vectors(x):
    w, v = np.linalg.eig(x)
    return np.sum(np.sin(w)) + np.sum(v[0] * v[1]) + np.sum(v[2] ** 2 * v[0] ** 2)


def eigvals(x):
    return np.sum(np.linalg.eigvals(x) ** 2 * np.arange(1.0, 4.0))


def eigvalsh(x):
    return np.sum(np.sin(np.linalg.eigvalsh(x + np.diag([0.0, 3.0, 6.0]))) * np.arange(1.0, 4.0))


def eigvalsh_upper(x):
    return np.sum(np.sin(np.linalg.eigvalsh(x + np.diag([0.0, 3.0, 6.0]), UPLO="U")) * np.arange(1.0, 4.0))


def eigh_upper(x):
    w, v = np.linalg.eigh(x + np.diag([0.0, 3.0, 6.0]), UPLO="U")
    return np.sum(np.sin(w)) + np.sum(v[0] * v[1]) + np.sum(v[2] ** 2 * v[0] ** 2)


def svd_vectors(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    # products within one singular vector, or of u_k and v_k together: unchanged when svd flips a pair's sign
    return (np.sum(u[0] * u[1]) + np.sum(np.sin(s)) + np.sum(vh[:, 0] * vh[:, 1] * 2.0)
            + np.sum(np.sin(u[0] * vh[:, 0])))


def svd_u_only(x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return np.sum((u[0] * u[1]) ** 2 * np.arange(1.0, np.size(s) + 1.0))


def svd_square(x):
    u, s, vh = np.linalg.svd(x)
    return np.sum(np.sin(u * vh.T)) + np.sum(s)


def norm_of_list(x, y):
    return np.linalg.norm([x, y * 2.0, 1.5]) + np.linalg.norm([x, y], ord=1)


def norm_of_arrays(x, y):
    return np.linalg.norm([x, y], axis=0) @ np.arange(1.0, 4.0)


case(np.linalg.eig, eig_values, A((3, 3), generic=True))
case(np.linalg.eig, eig_vectors, np.diag([1.0, 2.5, 4.0]) + np.triu(np.full((3, 3), 0.7), 1)
     + np.tril(np.full((3, 3), 0.1), -1), note="a fixed matrix with a real, well-separated spectrum")
case(np.linalg.eigvals, eigvals, np.array([[2.0, 0.3, -0.4], [0.1, -1.0, 0.5], [0.2, 0.3, 0.7]]))
case(np.linalg.eigvalsh, eigvalsh, A((3, 3), -0.4, 0.4), note="reads the lower triangle")
case(np.linalg.eigvalsh, eigvalsh_upper, A((3, 3), -0.4, 0.4), note="reads the upper triangle")
case(np.linalg.eigh, eigh_upper, A((3, 3), -0.4, 0.4), note="UPLO='U': reads the upper triangle")
case(np.linalg.svd, svd_vectors, A((4, 3), generic=True))
case(np.linalg.svd, svd_vectors, A((3, 5), generic=True))
case(np.linalg.svd, svd_u_only, A((5, 2), generic=True))
case(np.linalg.svd, svd_square, A((3, 3), generic=True), note="full_matrices=True, square")
case(np.linalg.norm, norm_of_list, A(None, 0.5, 2), A(None, 0.5, 2), wrt=(0, 1))
case(np.linalg.norm, norm_of_arrays, A((3,), 0.5, 2), A((3,), 0.5, 2), wrt=(0, 1))

# -- powers at zero ------------------------------------------------------------------------------------------


def zero_power(x):
    return np.sum(np.sin(x) * x ** 0) + np.sum(np.power(x, 0.0)) + pow(x[0], 0) * 2.0


def power_of_zero(y):
    return np.sum(np.sin(np.power(np.zeros(3), y) * np.arange(1.0, 4.0)))


case(operator.pow, zero_power, np.array([0.0, 1.5, 0.0]), note="x ** 0 at x = 0: slope 0")
case(np.power, zero_power, A((3,)))
case(builtins.pow, zero_power, np.array([0.0, -0.5]))
case(math.pow, scalar2(math.pow), A(None, 0.5, 2), 0.0, note="math.pow(x, 0.0)")
case(math.pow, scalar2(math.pow), 0.0, 0.0, note="math.pow(0.0, 0.0): slope 0")
case(np.power, power_of_zero, A((3,), 1.5, 2.5), note="0 ** y: no gradient in y")
for xs, ys in [((3,), (3,)), ((2, 3), ()), (None, None)]:
    case(runtime.power_slope, weighted("runtime.power_slope(x, y)"), A(xs, 0.5, 2), A(ys, -2, 2), wrt=(0, 1))
case(runtime.power_slope, weighted("runtime.power_slope(x, np.array([0.0, 1.0, 2.5]))"), np.array([0.0, 0.0, 1.2]),
     0.0, note="at x = 0 and y in {0, 1}")

# the helpers of those rules, differentiated again (reverse over reverse)
NG = "runtime.numpy_grads"
for text, gs, xs in [(f"{NG}.diff_grad(g, x)", (3, 3), (3, 4)), (f"{NG}.diff_grad(g, x, 2, 0, 0.5, None, 0)", (2, 4), (3, 4)),
                     (f"{NG}.diff_grad(g, x, 1, 0, None, np.ones((2, 4)), 2)", (4, 4), (3, 4)),
                     (f"{NG}.diff_tangent(g, x)", (3, 4), (3, 4)), (f"{NG}.diff_tangent(g, x, 1, 0, None, np.ones((2, 4)), 2)", (2, 4), (3, 4)),
                     (f"{NG}.diff_tangent(g, x, 2, -1, 0.5, None, 0)", (), (3, 4)),
                     (f"{NG}.gradient_grad(g, x, (0.5,), 1)", (3, 4), (3, 4)), (f"{NG}.gradient_grad(g, x, (), None, 2)", (5,), (5,)),
                     (f"{NG}.gradient_tangent(g, x, (), None, 2)[1]", (3, 4), (3, 4)),
                     (f"{NG}.gradient_tangent(g, x, (2.0,), 0)", (4, 2), (4, 2)),
                     (f"{NG}.unappend(g, x, np.ones(4), None, 0)", (10,), (2, 3)),
                     (f"{NG}.unappend(g, np.ones((2, 3)), x, 0, 1)", (3, 3), (1, 3)),
                     (f"{NG}.append_part(g, x, np.ones((1, 3)), 0, 0)", (2, 3), (2, 3)),
                     (f"{NG}.append_part(g, np.ones(3), x, None, 1)", (2, 2), (2, 2)),
                     (f"{NG}.unrollaxis(g, x, 2)", (4, 2, 3), (2, 3, 4)), (f"{NG}.unrollaxis(g, x, 0, 3)", (3, 4, 2), (2, 3, 4)),
                     (f"{NG}.outer_sum_grad(g, x, np.ones(2), 0)", (3, 2), (3,)),
                     (f"{NG}.outer_sum_grad(g, np.ones((2, 2)), x, 1)", (2, 2, 3), (3,)), (f"{NG}.upper(g)", (3, 3), None)]:
    fn = getattr(runtime.numpy_grads, text.split("(")[0].split(".")[-1])
    helper(fn, text, A(gs), A(xs))
for name, text in [("unpartition", "np.partition(x, 1)"), ("partition_tangent", "np.partition(x, (0, 2), axis=0)"),
                   ("accumulate_extremum_grad", "np.maximum.accumulate(x, 1), 1"),
                   ("accumulate_extremum_tangent", "np.minimum.accumulate(x, 0), 0")]:
    axis = "" if "accumulate" in name else (", 0" if "axis=0" in text else "")
    helper(getattr(runtime.numpy_grads, name), f"{NG}.{name}(g, x, {text}{axis})", A((3, 4)), A((3, 4), distinct=True))
helper(runtime.numpy_grads.unsplit_along, f"{NG}.unsplit_along([g, x], [g, x], np.zeros((2, 5)), 'h')", A((2, 3)),
       A((2, 2)), wrt=(0, 1))
helper(runtime.numpy_grads.unsplit_along, f"{NG}.unsplit_along([None, g], [np.zeros((1, 2, 2)), g], np.zeros((1, 2, 5)), 'd')",
       A((1, 2, 3)), note="a piece with no gradient is zeros")
for name, other in [("cross_grad_left", 2), ("cross_grad_right", 1)]:
    helper(getattr(runtime.numpy_grads, name), f"{NG}.{name}(g, x, y)", A((4, 3)), A((4, 3)), A((3,)), wrt=(0, other))
    helper(getattr(runtime.numpy_grads, name), f"{NG}.{name}(g, x, y, axis=0)", A((3, 2)), A((3, 2)), A((3, 2)),
           wrt=(0, other))


def eigh_grad_through(g_w, y, x):
    w, v = np.linalg.eigh(x + np.diag([0.0, 3.0, 6.0]))
    return weigh(runtime.eigh_grad(g_w, v * y, w, v))  # g_v flips with v's columns: no sign to follow


def eigh_grad_of_values(g_w, x):
    w, v = np.linalg.eigh(x + np.diag([0.0, 3.0, 6.0]), UPLO="U")
    return weigh(runtime.eigh_grad(g_w, None, w, v))


def eigvalsh_grad_through(g, x):
    return weigh(runtime.numpy_grads.eigvalsh_grad(g, x + np.diag([0.0, 3.0, 6.0]))
                 + runtime.numpy_grads.eigvalsh_grad(g ** 2, x + np.diag([1.0, 3.0, 5.0]), "U"))


case(runtime.eigh_grad, eigh_grad_through, A((3,)), A((3, 3)), A((3, 3), -0.4, 0.4), wrt=(0, 1, 2))
case(runtime.eigh_grad, eigh_grad_of_values, A((3,)), A((3, 3), -0.4, 0.4), wrt=(0, 1))
case(runtime.numpy_grads.eigvalsh_grad, eigvalsh_grad_through, A((3,)), A((3, 3), -0.4, 0.4), wrt=(0, 1))


SPREAD = np.diag([0.0, 4.0, 8.0]) + np.array([[0.0, 0.2, -0.1], [0.3, 0.0, 0.2], [-0.2, 0.1, 0.0]])
# (a full matrix: at a triangular one, as hypothesis's zeros make, LAPACK may return the eigenvalues in another
# order after a perturbation, and finite differences would cross that jump)


def eig_grad_through(g_w, y, x):
    w, v = np.linalg.eig(x + SPREAD)
    return weigh(runtime.numpy_grads.eig_grad(g_w, v * y, w, v))  # g_v flips with v's columns, as it would


def eigvals_grad_through(g, x):
    return weigh(runtime.numpy_grads.eigvals_grad(g, x + SPREAD))


case(runtime.numpy_grads.eig_grad, eig_grad_through, A((3,)), A((3, 3)), A((3, 3), -0.4, 0.4), wrt=(0, 1, 2),
     note="Gershgorin discs apart: a real, distinct spectrum")
case(runtime.numpy_grads.eigvals_grad, eigvals_grad_through, A((3,)), A((3, 3), -0.4, 0.4), wrt=(0, 1))


def svd_grad_through(y, z, x):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    # cotangents that flip with their singular vectors, as svd's own would: no sign to follow
    return weigh(runtime.numpy_grads.svd_grad((u * y, s * z[0], vh * z[1]), (u, s, vh), x, False))


for xs in [(4, 3), (3, 5), (3, 3)]:
    k = min(xs)
    case(runtime.numpy_grads.svd_grad, svd_grad_through, A((xs[0], k)), A((2, 1)), A(xs, generic=True), wrt=(0, 1, 2))


def einsum_grads_through(g, x, y):
    return weigh(runtime.einsum_grads(g, "ij,jk->ik", (x, y))[0]) + weigh(runtime.einsum_grads(g, "ij,jk->ik", (x, y))[1])


def einsum_rest_grads_through(g, x, y):
    parts = runtime.numpy_grads.einsum_rest_grads(g, x, ([0, 1], y, [1, 2], [0, 2]))
    return weigh(parts[1]) + weigh(runtime.numpy_grads.einsum_rest_grads(g[:, 0], "...i,...i->...", (x, y[:, 0]))[0])


def einsum_first_grad_through(g, x, y):
    return weigh(runtime.numpy_grads.einsum_first_grad(g, x, ([0, 1], y, [1, 2], [0, 2])))


case(runtime.einsum_grads, einsum_grads_through, A((2, 4)), A((2, 3)), A((3, 4)), wrt=(0, 1, 2))
case(runtime.numpy_grads.einsum_rest_grads, einsum_rest_grads_through, A((2, 4)), A((2, 3)), A((3, 4)), wrt=(0, 1, 2))
case(runtime.numpy_grads.einsum_first_grad, einsum_first_grad_through, A((2, 4)), A((2, 3)), A((3, 4)), wrt=(0, 2))

# -- containers, attributes and methods (compiler/rules/containers.py, compiler/rules/builtins.py) -------------
from ssagrad.compiler.rules import containers as _containers  # noqa: E402


def dict_display(x, y):
    d = {"a": x, "b": np.sin(y)}
    return np.sum(d["a"] * d["b"]) + np.sum(dict(a=x, b=y)["b"] ** 2) + np.sum(dict(zip(["u"], [x * y]))["u"])


def dict_comprehension(x, y):
    d = {k: v * 2.0 for k, v in {"a": x, "b": y, "c": x * y}.items() if k != "c"}
    return np.sum(d["a"] * np.cos(d["b"]))


def dict_copy(x, y):
    return np.sum(dict({"a": x, "b": y})["a"] * y)


def lists_and_tuples(x, y):
    t = tuple([x, y ** 2])
    items = list(t)
    return np.sum(items[0] * t[1]) + np.sum(list(x)[0])


def set_of_constants(x):
    return np.sum(x ** 2) * len({1.0, 2.0, 2.0}) + len(frozenset([1, 2])) * np.sum(x)


class _Scaled:
    def __init__(self, scale):
        self.scale = scale

    def helper(self, x):
        return np.sin(x) * self.scale

    def loss(self, x):
        return np.sum(self.helper(x) ** 2)


_SCALED = _Scaled(1.5)


case(_containers.dict_of, dict_display, A((3,)), A((3,)), wrt=(0, 1))
case(_containers.with_entry, dict_comprehension, A((3,)), A((3,)), wrt=(0, 1))
case(builtins.dict, dict_copy, A((3,)), A((3,)), wrt=(0, 1))
case(builtins.list, lists_and_tuples, A((3,)), A((3,)), wrt=(0, 1))
case(builtins.tuple, lists_and_tuples, A((2, 3)), A((2, 3)), wrt=(0, 1))
case(builtins.set, set_of_constants, A((3,)), note="a set of differentiated values is refused: see test_everyday_python")
case(builtins.frozenset, set_of_constants, A((3,)), note="as set")
case(_containers.dispatches_to, _SCALED.loss, A((3,)))


class _Holds:
    """self.act(x) of a function the object holds (runtime/held.py): a NumPy function, one of yours."""

    def __init__(self, act, scale):
        self.act, self.scale = act, scale

    def loss(self, x):
        return np.sum(self.act(x * self.scale) ** 2)

    def pair(self, x, y):
        r, t = self.act(x, y)
        return np.sum(r * np.cos(t))


def _two_values(a, b):
    return a * b, np.sin(a) + b


def _squash(z):
    return z / (1.0 + z ** 2)


def held_without_gradient(x):  # the helpers of a held call, run where nothing is differentiated through them
    value, saved = runtime.held.call_held(np.tanh, 0.5)
    backward = runtime.held.held_backward(saved, 1.0)
    return np.sum(x ** 2) * value + len(backward) + runtime.held.held_tangent(np.tanh, (0.5,), (1.0,)) * np.sum(x)


import ssagrad.runtime.held  # noqa: E402,F401  (runtime.held in the cases)
from ssagrad.runtime.held import call_held as _call_held, held_backward as _held_backward  # noqa: E402
from ssagrad.runtime.held import held_tangent as _held_tangent  # noqa: E402

case(_call_held, _Holds(np.tanh, 0.7).loss, A((3,)))
case(_call_held, _Holds(_squash, 1.3).loss, A((2, 3)))
case(_call_held, _Holds(_two_values, 1.0).pair, A((3,)), A((3,)), wrt=(0, 1), note="a held function returning a pair")
case(_held_backward, held_without_gradient, A((3,)), note="differentiated again it refuses (second derivatives): "
     "see test_everyday_python")
case(_held_tangent, held_without_gradient, A((3,)), note="as held_backward")
case(builtins.getattr, _SCALED.loss, A((2, 3)), note="self.scale is read, not differentiated: dataclass "
     "arguments are checked in tests/test_everyday_python.py (the table draws arrays)")

# -- complex numbers: real arguments through complex values (tests/test_complex.py differentiates complex ones) --
WEIGHTS = "np.arange(1.0, 1.0 + np.size(x)).reshape(np.shape(x))"
for shape in [(3,), (2, 3)]:
    case(np.imag, source(f"np.sum(np.imag(x * (1.0 + 2.0j)) * np.imag(np.exp(1j * x)) * {WEIGHTS})"), A(shape))
    case(np.real, source("np.sum(np.real((x + 1j * y) ** 2) * np.real(np.exp(1j * y)))", "x, y"), A(shape),
         A(shape), wrt=(0, 1))
    case(np.conj, source("np.sum(np.real(np.conj(x * (1.0 + 2.0j) + y) * (2.0 - 1.0j) * x))", "x, y"), A(shape),
         A(shape), wrt=(0, 1))
    case(np.conjugate, source("np.sum(np.imag(np.conjugate(np.exp(1j * x) * y)))", "x, y"), A(shape), A(shape),
         wrt=(0, 1))
    case(np.angle, source("np.sum(np.angle(x + 1j * y) * x)", "x, y"), A(shape), A(shape, away_from_zero=True),
         wrt=(0, 1))
    case(np.abs, source("np.sum(np.abs(x + 1j * y) ** 3)", "x, y"), A(shape), A(shape, away_from_zero=True),
         wrt=(0, 1))
case(np.angle, source("np.angle(x + 1j * y, deg=True) * x", "x, y"), A(None, away_from_zero=True),
     A(None, away_from_zero=True), wrt=(0, 1))
case(np.sign, source("np.sum(np.sign(x) * x ** 2)"), A((3,), away_from_zero=True))
case(runtime.complex_grads.abs_slope, source("np.sum(runtime.complex_grads.abs_slope(x) * x ** 2)"),
     A((3,), away_from_zero=True))
helper(runtime.complex_grads.real_like, "runtime.complex_grads.real_like(g, x)", A((3,)), A((3,)))
SPECTRUM = "np.sum(np.real(s) * np.arange(1.0, 1.0 + np.size(s)).reshape(np.shape(s)) + np.imag(s) ** 2)"
for fn, name in [(np.fft.fft, "fft"), (np.fft.ifft, "ifft")]:
    for options, shape in [("", (5,)), (", n=7", (5,)), (", n=3, axis=0", (4, 2)), (", norm='ortho'", (2, 4)),
                           (", axis=0, norm='forward'", (3, 2))]:
        case(fn, source(SPECTRUM.replace("(s)", f"(np.fft.{name}(x + 1j * y{options}))"), "x, y"),
             A(shape), A(shape), wrt=(0, 1))
    case(fn, source(SPECTRUM.replace("(s)", f"(np.fft.{name}(x))")), A((4,)), note="a real argument")
for fn, name in [(np.fft.fft2, "fft2"), (np.fft.fftn, "fftn"), (np.fft.ifft2, "ifft2"), (np.fft.ifftn, "ifftn")]:
    for options, shape in [("", (3, 4)), (", s=(4, 2), axes=(0, 1)", (3, 4)), (", axes=(0, 2), norm='ortho'", (2, 3, 2)),
                           (", norm='forward'", (2, 2, 3))]:
        case(fn, source(SPECTRUM.replace("(s)", f"(np.fft.{name}(x + 1j * y{options}))"), "x, y"),
             A(shape), A(shape), wrt=(0, 1))
    case(fn, source(SPECTRUM.replace("(s)", f"(np.fft.{name}(x))")), A((2, 3)), note="a real argument")
for fn, name in [(np.fft.rfft2, "rfft2"), (np.fft.rfftn, "rfftn")]:
    for options, shape in [("", (3, 4)), ("", (2, 5)), (", s=(4, 3), axes=(0, 1)", (3, 4)), (", s=(2, 6), axes=(0, 1)", (3, 5)),
                           (", axes=(0, 2), norm='ortho'", (2, 3, 4)), (", axes=(1, 0)", (3, 4))]:
        case(fn, source(SPECTRUM.replace("(s)", f"(np.fft.{name}(x{options}))")), A(shape))
for fn, name in [(np.fft.irfft2, "irfft2"), (np.fft.irfftn, "irfftn")]:
    for options, shape in [("", (3, 4)), (", s=(4, 5), axes=(0, 1)", (3, 3)), (", s=(2, 4), axes=(0, 1)", (3, 4)),
                           (", axes=(0, 2), norm='forward'", (2, 3, 3)), (", axes=(1, 0)", (3, 4))]:
        case(fn, source(f"np.sum(np.fft.{name}(x + 1j * y{options}) ** 2 * np.cos(np.fft.{name}(x{options})))",
                        "x, y"), A(shape), A(shape), wrt=(0, 1))
for fn, name in [(np.fft.fftshift, "fftshift"), (np.fft.ifftshift, "ifftshift")]:
    for options, shape in [("", (5,)), ("", (3, 4)), (", axes=1", (2, 3))]:
        case(fn, source(f"np.sum(np.sin(np.fft.{name}(x{options})) * {WEIGHTS})"), A(shape))
for options, shape in [("", (5,)), ("", (6,)), (", n=8", (5,)), (", n=3, axis=0", (4, 2)), (", norm='ortho'", (2, 4))]:
    case(np.fft.rfft, source(SPECTRUM.replace("(s)", f"(np.fft.rfft(x{options}))")), A(shape))
for options, shape in [("", (5,)), (", n=7", (4,)), (", n=5", (6,)), (", n=4, axis=0", (3, 2)),
                       (", norm='ortho'", (2, 4)), (", norm='forward'", (4,))]:
    case(np.fft.irfft, source(f"np.sum(np.fft.irfft(x + 1j * y{options}) ** 2 * np.cos(np.fft.irfft(x{options})))",
                              "x, y"), A(shape), A(shape), wrt=(0, 1))

import rule_table_scipy  # noqa: E402,F401  (the SciPy rules' cases, where SciPy is installed)
