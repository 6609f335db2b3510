"""``vjp`` compiled with Numba: a vjp's forward and backward functions joined into one,
``f_vjp(df, *args) -> (value, gradients)``, which the Numba backend rewrites and compiles as it does a
gradient (compiler/numba_backend.py).

``compile_vjp`` cuts a function's sweeps apart at what the backward sweep reads: a tuple that holds a
loop's tape as a list of tuples. Passed from one Numba function to another through Python, that list
would be boxed into Python objects and unboxed again at every pullback (and an empty one cannot be typed
at all). Joined, the tape is made and read in one function, so the rewrite lays it out in preallocated
arrays, as for ``grad``. The price: each pullback runs the forward sweep again (the Python ``vjp`` runs it
once, and again for a pullback after one that put back entries written into arrays).
"""
import ast
import re

import numpy

from ..runtime.ownership import own
from . import codegen
from .errors import DifferentiationError
from .names import Namer, helper_name
from .parse import parse_function
from .pyast import comment
from .trees import clone

_MARK = "__ssagrad_vjp_comment_"


def _function_def(text: str) -> ast.FunctionDef:
    """The generated function ``text`` as a tree, its comment lines as the comment statements codegen
    renders back."""
    comments = []

    def mark(match):
        comments.append(match.group(2))
        return f"{match.group(1)}{_MARK}{len(comments) - 1}"
    tree = ast.parse(re.sub(r"^(\s*)# (.*)$", mark, text, flags=re.M)).body[0]
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                block[:] = [comment(comments[int(s.value.id[len(_MARK):])])
                            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Name)
                            and s.value.id.startswith(_MARK) else s for s in block]
    return tree


def _cells(function) -> dict:
    return dict(zip(function.__code__.co_freevars, (c.cell_contents for c in function.__closure__ or ())))


def joined(compiled, fn, array_seed: bool):
    """The generated Python function ``name_vjp(seed, *parameters)`` -> ``(value, gradients)`` of
    ``compiled`` (a CompiledVJP of ``fn``): its forward function's body, then its backward function's
    without the unpacking of ``saved`` (the names it unpacks are the forward function's own). An
    ``array_seed`` the backward sweep updates is copied first (``own``): the caller's cotangent is left
    alone, and the rewrite may update the copy in place (compiler/accumulate.py)."""
    found = compiled.__dict__.setdefault("joined", {}).get(array_seed)
    if found is not None:
        return found
    forward = _function_def(codegen.source_text(compiled.forward.__code__.co_filename))
    backward = _function_def(codegen.source_text(compiled.backward.__code__.co_filename))
    seed = backward.args.args[1].arg
    outputs = forward.body[-1].value.elts   # the values, then the saved tuple
    first = backward.body[0] if backward.body else None
    unpacks = isinstance(first, ast.Assign) and isinstance(first.value, ast.Name) \
        and first.value.id == backward.args.args[0].arg
    sweep = backward.body[1 if unpacks else 0:-1]
    if array_seed and any(isinstance(n, ast.Name) and n.id == seed and isinstance(n.ctx, ast.Store)
                          for n in ast.walk(ast.Module(sweep, []))):
        copied = ast.Call(helper_name("own", own), [ast.Name(seed, ast.Load())], [])
        sweep = [comment("the caller's cotangent: a copy to update"),
                 ast.Assign([ast.Name(seed, ast.Store())], copied, lineno=0)] + sweep
    body = forward.body[:-1] + sweep
    values = outputs[:-1]
    value = values[0] if len(values) == 1 else ast.Tuple(values, ast.Load())
    result = ast.Tuple([value, backward.body[-1].value], ast.Load())
    # names bound at compile time (helpers, callees' functions): marked for codegen to bind them again
    helpers, forward_cells = {}, _cells(compiled.forward)
    for name, value_ in list(forward_cells.items()) + list(_cells(compiled.backward).items()):
        if name in compiled.helpers:
            if helpers.setdefault(name, value_) is not value_:
                raise DifferentiationError(f"internal: {name!r} names two objects in the forward and backward "
                                           f"functions of {compiled.name}", None)
    names = set()
    for node in ast.walk(ast.Module(body + [ast.Expr(result)], [])):
        if isinstance(node, ast.Name):
            names.add(node.id)
            if node.id in helpers and isinstance(node.ctx, ast.Load) and not hasattr(node, "ssagrad_helper"):
                node.ssagrad_helper = helpers[node.id]
    arguments = clone(forward.args)
    arguments.args.insert(0, ast.arg(seed))
    parsed = parse_function(fn)
    namer = Namer(names | {a.arg for a in arguments.args} | {a.arg for a in arguments.kwonlyargs})
    generated = codegen.generate(parsed, namer, f"{compiled.name}_vjp", body, result, arguments=arguments)
    found = compiled.__dict__["joined"][array_seed] = generated.bind(fn)
    return found


def jit_vjp(compiled, fn, options: dict, args, seed):
    """The joined function of ``compiled`` (a CompiledVJP of ``fn``, specialized to ``args``) compiled with
    Numba: ``function(seed, *args)`` -> ``(value, gradients)``; compiled for ``seed`` and ``args`` now
    (``args`` None: at the first call), so that what Numba cannot compile is a located error now."""
    from .numba_backend import _checked, _kinds, _options_key, _translate, compile_for
    from .shapes import signature_key
    variants = compiled.__dict__.setdefault("numba_variants", {})
    # the generic code (past SPECIALIZATIONS signatures) serves arguments of several kinds: one layout each
    array_seed = isinstance(seed, numpy.ndarray)
    key = (_options_key(options), signature_key(args) if args is not None else None, array_seed)
    found = variants.get(key)
    if found is None:
        translated = _translate(joined(compiled, fn, array_seed), fn, _kinds(fn, args), options)
        found = variants[key] = (translated, _checked(translated, lazy=True))
    translated, function = found
    if args is not None:
        compile_for(translated, (seed,) + tuple(args))
    return function


def numba_primal(dispatcher, fn, options: dict):
    """What computes the value ``vjp`` returns: the user's ``dispatcher``, or (``None``: ``jit="numba"``)
    ``fn`` compiled with Numba; what Numba cannot compile in it is a located error at the call."""
    from numba.core.errors import NumbaError

    from .numba_backend import _plain, numba_error
    function = dispatcher if dispatcher is not None else _plain(fn, options)

    def primal(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NumbaError as exc:
            raise numba_error(exc, fn) from None
    return primal


def zero_like(value):
    """A cotangent of zeros shaped like ``value`` (a number, an array, a tuple of them), to compile for."""
    if type(value) in (tuple, list):
        return type(value)(zero_like(v) for v in value)
    if isinstance(value, numpy.ndarray):
        return numpy.zeros_like(value)
    return type(value)(0)
