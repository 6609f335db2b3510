"""Forward mode and what is built on both modes: jvp, vjp, jacobian, hessian, hvp, derivatives of derivatives."""
import functools
import inspect

import numpy as np

from .api import _check_differentiable_input, _fitted, _parameters, _resolve_wrt
from .compiler import compile_gradient, compile_jvp, compile_vjp
from .compiler.parse import forwarded
from .compiler.calls import user_function
from .compiler.numba_backend import dispatcher_of, jit_jvp, jit_second_order, jvp_options, with_defaults
from .compiler.numba_vjp import jit_vjp, numba_primal, zero_like
from .compiler.shapes import signature
from .tracebacks import user_facing


def _function_and_self(fn, keywords=False):
    """``(function, bound object or ())`` for a function or a bound method; for a ``functools.partial``, its
    function and arguments (its keywords: ``_keywords``, where the caller passes them on: ``keywords=True``)."""
    if inspect.ismethod(fn):
        return forwarded(fn.__func__), (fn.__self__,)
    if isinstance(fn, functools.partial):
        if fn.keywords and not keywords:
            raise TypeError("this transform does not take a functools.partial with keywords yet; grad, "
                            "value_and_grad, jvp and vjp do (or bind the keywords in a def)")
        function, bound = _function_and_self(fn.func)
        return function, bound + tuple(fn.args)
    # a functools.wraps wrapper that only forwards: the function it wraps; a Numba dispatcher: its py_func
    fn = forwarded(user_function(fn))
    if not inspect.isfunction(fn):
        raise TypeError(f"ssagrad takes a Python function defined with def (or a lambda); got {fn!r}")
    return fn, ()


def _keywords(fn) -> dict:
    """A ``functools.partial``'s keywords (nothing for anything else)."""
    return dict(fn.keywords) if isinstance(fn, functools.partial) else {}


def _is_float(value) -> bool:
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    return type(value) is float or kind == "f" or isinstance(value, np.floating)


def _like_value(tangent, value):
    """A tangent in the type of its value: a Python float for a float."""
    if type(value) is float and np.ndim(tangent) == 0:
        return float(tangent)
    return tangent


@user_facing
def jvp(fn, primals, tangents, *, jit=None):
    """Forward mode: ``(fn(*primals), J @ tangents)``, from one pass of generated tangent code.

    ``tangents`` has one entry per primal: an array (or float) shaped like it,
    or ``None`` for an argument not to differentiate. The tangent code of a Numba
    dispatcher (or with ``jit="numba"``) is compiled with Numba (docs/numba.md).
    """
    options = jvp_options(fn, jit)
    function, bound = _function_and_self(fn, keywords=True)
    primals, tangents = bound + tuple(primals), (None,) * len(bound) + tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp needs one tangent per primal: got {len(primals)} primals and {len(tangents)} tangents")
    params = _parameters(function)
    active = tuple(params[i] for i, t in enumerate(tangents) if t is not None)
    for i, t in enumerate(tangents):
        if t is not None:
            _check_differentiable_input(primals[i], params[i], function)
            if np.shape(t) != np.shape(primals[i]):
                raise ValueError(f"the tangent of {params[i]!r} has shape {np.shape(t)}, its primal "
                                 f"{np.shape(primals[i])}")
    compiled = compile_jvp(function, active)
    given = [t for t in tangents if t is not None]
    if options is not None:  # the tangent code compiled with Numba (compiler/numba_backend.py)
        primals = primals if _keywords(fn) else with_defaults(function, primals)
        function = jit_jvp(compiled, function, options, None if _keywords(fn) else primals + tuple(given))
    else:
        function = compiled.function
    value, tangent = function(*primals, **_keywords(fn), **dict(zip(compiled.parameters, given)))
    return value, _like_value(tangent, value)


jvp.ssagrad_transform = "jvp"  # differentiated code that calls jvp calls the generated tangent function


@user_facing
def vjp(fn, *primals, jit=None):
    """Reverse mode for any output: ``(fn(*primals), vjp_fn)`` where ``vjp_fn(cotangent)`` returns
    ``cotangent @ J`` for each primal (``None`` for one that is not a float or float array).

    Of a Numba dispatcher (or with ``jit="numba"``; ``jit=False`` runs it in Python), the value is the
    dispatcher's and each ``vjp_fn`` call runs the derivative code compiled with Numba, both sweeps in one
    function, for cotangents shaped like the value (docs/numba.md).
    """
    options = jvp_options(fn, jit)
    function, bound = _function_and_self(fn, keywords=True)
    primals, keywords = bound + primals, _keywords(fn)
    params = _parameters(function)
    for x in primals:
        _real_only("vjp", x, "argument")
    active = tuple(p for p, x in zip(params, primals) if _is_float(x) or isinstance(x, (list, tuple, dict)))
    if options is not None:
        value, backward = _numba_vjp(fn, function, active, options, primals, keywords)
    else:
        value, backward = _python_vjp(function, active, primals, keywords)

    def vjp_fn(cotangent):
        fitted = iter(_fitted(backward(cotangent), [x for p, x in zip(params, primals) if p in active]))
        result = tuple(next(fitted) if p in active else None for p in params)
        return result[len(bound):]
    return value, vjp_fn


def _python_vjp(function, active, primals, keywords):
    """``(value, backward)``: the generated forward function run now, ``backward(cotangent)`` its backward
    function."""
    compiled = compile_vjp(function, active)
    out = compiled.forward(*primals, **keywords)
    value, saved = (out[0], out[1]) if compiled.outputs == 1 else (out[:-1], out[-1])
    _real_only("vjp", value, "result")
    fresh = [saved]

    def backward(cotangent):
        # a backward sweep that puts back entries written into arrays leaves its saved values as they were
        # before the writes: a second pullback runs the forward function again for its own
        saved_now = fresh.pop() if fresh else compiled.forward(*primals, **keywords)[-1]
        if not compiled.consumes_saved:
            fresh.append(saved_now)
        return compiled.backward(saved_now, cotangent)
    return value, backward


def _numba_vjp(fn, function, active, options, primals, keywords):
    """``(value, backward)`` compiled with Numba (compiler/numba_vjp.py): the value from the dispatcher (or
    the function compiled with Numba), ``backward(cotangent)`` one call of the vjp code specialized to
    ``primals`` and compiled for cotangents like the value. The primals are copied: the pullback is the one
    at the point given, whatever is later written into the caller's arrays."""
    primals = _copied(primals)
    value = numba_primal(dispatcher_of(fn), function, options)(*_copied(primals), **keywords)
    _real_only("vjp", value, "result")
    if not keywords:
        primals = with_defaults(function, primals)
    args = None if keywords else primals  # with keywords: generic code, compiled at the first call
    compiled = compile_vjp(function, active, signature(primals) if args is not None else None)
    pullback = jit_vjp(compiled, function, options, args, zero_like(value))

    def backward(cotangent):
        _check_cotangent(cotangent, value)
        return pullback(cotangent, *primals, **keywords)[1]
    return value, backward


def _check_cotangent(cotangent, value, where="") -> None:
    """The compiled vjp code is specialized to the value's shapes: another cotangent is refused, not
    broadcast."""
    if type(value) in (tuple, list):
        if type(cotangent) is not type(value) or len(cotangent) != len(value):
            raise ValueError(f"the cotangent{where} must be a {type(value).__name__} of {len(value)}, like the "
                             f"value: got {type(cotangent).__name__}")
        for k, (c, v) in enumerate(zip(cotangent, value)):
            _check_cotangent(c, v, f"{where}[{k}]")
    elif np.shape(cotangent) != np.shape(value):
        raise ValueError(f"the cotangent{where} has shape {np.shape(cotangent)}; with jit='numba' it must have "
                         f"the value's, {np.shape(value)}")


def _copied(values: tuple) -> tuple:
    """``values`` with their arrays (in tuples and lists too) copied."""
    def copy(value):
        if isinstance(value, np.ndarray):
            return value.copy()
        if type(value) in (tuple, list):
            return type(value)(copy(v) for v in value)
        return value
    return tuple(copy(v) for v in values)


def _real_only(transform: str, value, what: str) -> None:
    """Complex numbers reach grad, value_and_grad and jvp (docs/supported.md); these transforms would
    treat a complex value as its real part, so they refuse one instead of answering for half of it."""
    if np.iscomplexobj(value) or isinstance(value, complex):
        raise TypeError(f"ssagrad.{transform} of a complex {what} is not supported yet: take grad of a real "
                        f"loss, jvp, or split the {what} into its real and imaginary parts")


def _basis(x):
    """The unit tangents of ``x``, one per entry, shaped like it."""
    flat = np.zeros(np.size(x))
    for k in range(np.size(x)):
        flat[k] = 1.0
        yield float(flat[0]) if type(x) is float else flat.reshape(np.shape(x)).astype(np.result_type(x, 1.0))
        flat[k] = 0.0


@user_facing
def jacobian(fn, wrt=0, mode="auto", *, jit=None):
    """The Jacobian of ``fn`` with respect to argument ``wrt``: shape ``output shape + input shape``.

    ``mode="forward"`` runs one tangent pass per input entry, ``"reverse"`` one
    backward pass per output entry; ``"auto"`` picks the fewer passes. ``jit`` is
    passed on to ``jvp`` and ``vjp``: of a Numba dispatcher (or with ``jit="numba"``)
    both modes run code compiled with Numba; ``jit=False`` keeps Python.
    """
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    (index,), _ = _resolve_wrt(fn, wrt if isinstance(wrt, (int, str)) else None)
    options = jvp_options(fn, jit)
    # the value, for its size: the dispatcher's; with jit="numba", a plain function compiled with Numba
    primal = numba_primal(None, fn, options) if options is not None and inspect.isfunction(fn) else fn

    @user_facing
    def jacobian_at(*args):
        x = args[index]
        _real_only("jacobian", x, "argument")
        value = primal(*_copied(args))  # copies: what fn writes into its arguments is not the caller's
        n, m = np.size(x), np.size(value)
        use = mode if mode != "auto" else ("forward" if n <= m else "reverse")
        if np.iscomplexobj(value):  # forward mode carries a complex result's derivative whole
            use = "forward"
        if use == "forward":
            columns = [np.ravel(jvp(fn, args, [e if i == index else None for i in range(len(args))], jit=jit)[1])
                       for e in _basis(x)]
            flat = np.stack(columns, axis=-1) if columns else np.zeros((m, 0))
        else:
            _, pullback = vjp(fn, *args, jit=jit)
            rows = [np.ravel(pullback(e)[index]) for e in _basis(value)]
            flat = np.stack(rows) if rows else np.zeros((0, n))
        return flat.reshape(np.shape(value) + np.shape(x))
    return jacobian_at


def _gradient_function(fn, wrt):
    """The generated gradient of ``fn`` (returning the gradient only), and its differentiated parameter."""
    function, bound = _function_and_self(fn)
    (index,), _ = _resolve_wrt(fn, wrt)
    index += len(bound)
    compiled = compile_gradient(function, (index,), False, False, bare=True)
    return compiled.function, _parameters(function)[index], bound, index


_MODES = ("forward", "reverse")


def _check_mode(mode):
    if mode not in _MODES:
        raise ValueError(f"mode must be 'forward' (forward over reverse) or 'reverse' (reverse over reverse), "
                         f"not {mode!r}")


def _second_order(fn, wrt, mode):
    """The generated gradient of ``fn``, differentiated again: ``(compiled, bound, index)`` where
    ``compiled`` is its tangent function (``mode="forward"``) or its forward and backward functions
    (``"reverse"``)."""
    _check_mode(mode)
    gradient, name, bound, index = _gradient_function(fn, wrt)
    if mode == "forward":
        return compile_jvp(gradient, (name,), tangent_only=True), bound, index
    return compile_vjp(gradient, (name,)), bound, index


def _second_order_numba(fn, wrt, mode, jit):
    """For ``hessian``/``hvp`` of a Numba dispatcher (or with ``jit="numba"``): ``((bound, index, function),
    compiled_for)`` where ``compiled_for(args)`` is the Numba-compiled tangent function of the gradient specialized to
    ``args`` (``f(*args, v)`` = H @ v; compiler/numba_backend.jit_second_order), one per argument
    signature; ``(None, None)`` for the Python derivative code."""
    options = jvp_options(fn, jit)
    if options is None:
        return None, None
    _check_mode(mode)
    if mode != "forward":
        raise ValueError("jit='numba' compiles second derivatives forward over reverse: use mode='forward' "
                         "(or jit=False for mode='reverse' in Python)")
    function, bound = _function_and_self(fn)
    (index,), _ = _resolve_wrt(fn, wrt)
    index += len(bound)
    from .compiler.shapes import signature_key
    compiled = {}

    def compiled_for(args):
        key = signature_key(args)
        found = compiled.get(key) if key is not None else None
        if found is None or not found[1]():  # new arguments, or a name the gradient resolved has changed
            found = jit_second_order(function, index, options, args)
            if key is not None:
                compiled[key] = found
        return found[0]
    return (bound, index, function), compiled_for


@user_facing
def hvp(fn, wrt=None, mode="forward", *, jit=None):
    """Hessian-vector products without forming the Hessian: ``hvp(f)(*args, v)`` = H @ v.

    One pass per product over the generated gradient code: its tangent (``mode="forward"``, forward over
    reverse) or its backward sweep seeded with ``v`` (``"reverse"``, reverse over reverse: ``v @ H``,
    the same for the symmetric Hessian). Of a Numba dispatcher (or with ``jit="numba"``), the forward-over-
    reverse code is compiled with Numba (docs/numba.md); ``jit=False`` keeps Python.
    """
    where, numba_for = _second_order_numba(fn, wrt, mode, jit)
    if numba_for is not None:
        bound, index, function = where

        @user_facing
        def numba_product(*args_and_vector):
            *args, v = args_and_vector
            args = with_defaults(function, bound + tuple(args))
            _real_only("hvp", args[index], "argument")
            return numba_for(args)(*args, v)
        return numba_product
    compiled, bound, index = _second_order(fn, wrt, mode)

    @user_facing
    def product(*args_and_vector):
        *args, v = args_and_vector
        args = bound + tuple(args)
        _real_only("hvp", args[index], "argument")
        if mode == "forward":
            return compiled.function(*args, **{compiled.parameters[0]: v})
        _, saved = compiled.forward(*args)
        return compiled.backward(saved, v)[0]
    return product


@user_facing
def hessian(fn, wrt=None, mode="forward", *, jit=None):
    """The Hessian of a scalar function, one pass over the generated gradient code per input entry:
    forward mode over it (``mode="forward"``, a column a pass) or reverse mode over it (``"reverse"``: the
    gradient run forwards, then its backward sweep, a row a pass). Of a Numba dispatcher (or with
    ``jit="numba"``), the forward-over-reverse code is compiled with Numba (docs/numba.md); ``jit=False``
    keeps Python."""
    where, numba_for = _second_order_numba(fn, wrt, mode, jit)
    if numba_for is not None:
        bound, index, function = where

        @user_facing
        def numba_hessian_at(*args):
            args = with_defaults(function, bound + args)
            x = args[index]
            _real_only("hessian", x, "argument")
            product = numba_for(args)
            lines = [np.ravel(product(*args, e)) for e in _basis(x)]
            flat = np.stack(lines, axis=-1) if lines else np.zeros((0, 0))
            return flat.reshape(np.shape(x) + np.shape(x))
        return numba_hessian_at
    compiled, bound, index = _second_order(fn, wrt, mode)

    @user_facing
    def hessian_at(*args):
        args = bound + args
        x = args[index]
        _real_only("hessian", x, "argument")
        if mode == "forward":
            lines = [np.ravel(compiled.function(*args, **{compiled.parameters[0]: e})) for e in _basis(x)]
        else:  # a fresh forward run each row: a backward sweep puts back entries the gradient wrote into arrays
            lines = [np.ravel(compiled.backward(compiled.forward(*args)[1], e)[0]) for e in _basis(x)]
        flat = np.stack(lines, axis=-1 if mode == "forward" else 0) if lines else np.zeros((0, 0))
        return flat.reshape(np.shape(x) + np.shape(x))
    return hessian_at


class Derivative:
    """The derivative of a scalar function of a scalar, taken again: ``grad(grad(f))``, ``grad(grad(grad(f)))``.

    Each order differentiates the generated code of the previous one (which is just more Python): its
    tangent function (``mode="forward"``, the default) or its gradient (``"reverse"``).
    """

    def __init__(self, function, name, seeds, order, mode="forward"):
        _check_mode(mode)
        self.name = name
        self.mode = mode
        self.order = order
        self.index = _parameters(function).index(name)
        if mode == "forward":
            self.compiled = compile_jvp(function, (name,), tangent_only=True)
            self.seeds = {**seeds, self.compiled.parameters[0]: 1.0}
        else:
            self.compiled = compile_gradient(function, (self.index,), False, False, bare=True)
            self.seeds = seeds

    @property
    def source(self) -> str:
        return self.compiled.source

    @user_facing
    def __call__(self, *args):
        if self.index < len(args) and np.ndim(args[self.index]) != 0:
            raise TypeError(f"grad of grad is the derivative of a function of one number; {self.name!r} has shape "
                            f"{np.shape(args[self.index])}: use ssagrad.hessian or ssagrad.hvp for arrays")
        return self.compiled.function(*args, **self.seeds)

    def __repr__(self):
        return f"<ssagrad derivative of order {self.order} with respect to {self.name} ({self.mode} mode)>"


def derivative_of(inner, mode="forward"):
    """``grad`` of a ``GradFunction`` or a ``Derivative``: one order more, by differentiating its generated
    code in ``mode``."""
    if isinstance(inner, Derivative):
        return Derivative(inner.compiled.function, inner.name, inner.seeds, inner.order + 1, mode)
    if len(inner.wrt) != 1 or inner._tuple_result or inner._bound_to or getattr(inner, "_bound_keywords", None):
        raise TypeError("grad of grad takes the gradient of a function of one differentiated argument; "
                        "for several, or for arrays, use ssagrad.hessian or ssagrad.hvp")
    compiled = compile_gradient(inner._function, inner.wrt, False, False, bare=True)
    return Derivative(compiled.function, inner._params[inner.wrt[0]], {}, 2, mode)


def _result_location(fn):
    """Where ``fn`` returns its value (its last ``return``), for errors about the result."""
    import ast
    from .compiler.parse import parse_function
    try:
        parsed = parse_function(fn)
    except Exception:
        return None
    returns = [n for n in ast.walk(parsed.tree) if isinstance(n, ast.Return)]
    return parsed.locate(returns[-1]) if returns else None


class AuxGradFunction:
    """``grad(f, has_aux=True)`` and ``value_and_grad(f, has_aux=True)``, as in JAX: ``f`` returns ``(loss,
    aux)``; a call returns ``(gradients, aux)``, or ``((loss, aux), gradients)`` with the value. ``aux``
    carries no derivative: the backward sweep is seeded with 1 for ``loss`` and zeros for ``aux``.

    Compiled as ``vjp`` compiles (a forward function returning the pair and what the backward sweep reads,
    and a backward function); ``.source`` shows both.
    """

    def __init__(self, fn, wrt=None, with_value=False):
        from .api import _resolve_wrt
        self._function, self._bound_to = _function_and_self(fn, keywords=True)
        self._keywords = _keywords(fn)
        visible, self._tuple_result = _resolve_wrt(fn, wrt)
        self._params = _parameters(self._function)
        self.wrt = tuple(i + len(self._bound_to) for i in visible)
        self.with_value = with_value
        self.primal = fn
        self.__name__ = getattr(fn, "__name__", None)
        self.__qualname__ = getattr(fn, "__qualname__", None)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    @property
    def compiled(self):
        return compile_vjp(self._function, tuple(self._params[i] for i in self.wrt))

    @property
    def source(self) -> str:
        """The generated forward and backward functions."""
        compiled = self.compiled
        return "\n\n".join(compiled.sources + [s for c in compiled.callees for s in c.sources])

    @user_facing
    def __call__(self, *args, **kwargs):
        from .api import _argument, _check_differentiable_input, _fitted
        from .compiler import DifferentiationError
        from .runtime import zeros_like
        args, kwargs = self._bound_to + args, {**self._keywords, **kwargs}
        inputs = [_argument(args, kwargs, i, self._params[i], self._function) for i in self.wrt]
        for value, i in zip(inputs, self.wrt):
            _check_differentiable_input(value, self._params[i], self._function)
        compiled = self.compiled
        out = compiled.forward(*args, **kwargs)
        pair, saved = (out[0], out[1]) if compiled.outputs == 1 else (out[:-1], out[-1])
        name = self._function.__name__
        if not isinstance(pair, tuple) or len(pair) != 2:
            what = f"a tuple of {len(pair)} values" if isinstance(pair, tuple) else type(pair).__name__
            raise DifferentiationError(f"has_aux=True needs a function that returns a pair (loss, aux); {name}() "
                                       f"returned {what}", _result_location(self._function))
        loss, aux = pair
        if np.ndim(loss) != 0 or not _is_float(loss):
            raise DifferentiationError(f"has_aux=True: the first value {name}() returns is what is differentiated, "
                                       f"and must be a floating-point scalar; it is {type(loss).__name__} of shape "
                                       f"{np.shape(loss)}", _result_location(self._function))
        seed = (np.ones_like(loss) if isinstance(loss, np.ndarray) else 1.0, zeros_like(aux))
        gradients = compiled.backward(saved, seed)  # one for each wrt parameter, in order
        grads = _fitted(gradients, inputs)
        grads = grads if self._tuple_result else grads[0]
        return ((loss, aux), grads) if self.with_value else (grads, aux)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        import functools
        return functools.partial(self, instance)

    def __repr__(self):
        kind = "value_and_grad" if self.with_value else "grad"
        names = ", ".join(self._params[i] for i in self.wrt)
        return f"<ssagrad.{kind}(has_aux=True) of {self._function.__qualname__} with respect to {names}>"
