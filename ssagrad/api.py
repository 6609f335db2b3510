"""``grad`` and ``value_and_grad``: callable gradient objects around the compiler."""
import dataclasses
import difflib
import functools
import inspect
import linecache
import numbers
import types
import weakref
from dataclasses import dataclass, field

import numpy as np

from .compiler import SPECIALIZATIONS, DifferentiationError, Location, cache, compile_gradient
from .tracebacks import user_facing, without_internal_frames
from .compiler.numba_backend import jit_gradient, jit_target, with_defaults
from .compiler.parse import forwarded
from .compiler.shapes import signature, signature_key
from .runtime.complex_grads import is_complex
from .runtime.containers import fill, leaves


def _definition_location(fn) -> Location:
    code = fn.__code__
    line = linecache.getline(code.co_filename, code.co_firstlineno)
    return Location(code.co_filename, code.co_firstlineno, len(line) - len(line.lstrip()), None, line, fn.__name__)


def _parameters(fn) -> list[str]:
    """The parameter names of a function (without ``self`` for a bound method), read from its code object
    (``inspect.signature`` is slow, and ``grad(f)`` inside a training loop calls this every time)."""
    if inspect.ismethod(fn):
        return _parameters(fn.__func__)[1:]
    code = getattr(fn, "__code__", None)
    if code is None or code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return list(inspect.signature(fn).parameters)
    return list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])


def _resolve_wrt(fn, wrt) -> tuple[tuple[int, ...], bool]:
    """``wrt`` as parameter indices, and whether the gradients come as a tuple."""
    params = _parameters(fn)
    if wrt is None:
        skip = 1 if params and params[0] in ("self", "cls") and len(params) > 1 else 0
        wrt, tuple_result = skip, False
    elif isinstance(wrt, (int, str)) and not isinstance(wrt, bool):
        tuple_result = False
    elif isinstance(wrt, (tuple, list)) and wrt and all(isinstance(w, (int, str)) and not isinstance(w, bool)
                                                        for w in wrt):
        tuple_result = True
    else:
        raise TypeError(f"wrt must be a parameter index, a parameter name, or a non-empty tuple of them; "
                        f"got {wrt!r}")
    indices = []
    for w in (wrt if tuple_result else (wrt,)):
        if isinstance(w, str):
            if w not in params:
                close = difflib.get_close_matches(w, params, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise DifferentiationError(f"wrt={w!r}: {fn.__name__}() has no parameter {w!r} "
                                           f"(its parameters: {', '.join(params) or 'none'}){hint}",
                                           _definition_location(fn))
            indices.append(params.index(w))
        else:
            if not -len(params) <= w < len(params):
                raise DifferentiationError(f"wrt={w}: {fn.__name__}() has {len(params)} parameter(s) "
                                           f"({', '.join(params) or 'none'}), so wrt must be in "
                                           f"0..{len(params) - 1}", _definition_location(fn))
            indices.append(w % len(params))
    return tuple(indices), tuple_result


def _argument(args, kwargs, index, name, defaults_fn):
    if index < len(args):
        return args[index]
    if name in kwargs:
        return kwargs[name]
    return inspect.signature(defaults_fn).parameters[name].default


def _check_differentiable_input(value, name, fn):
    if type(value) is float or (type(value) is np.ndarray and value.dtype.kind == "f"):
        return  # the common case, decided without the checks below
    if isinstance(value, (dict, list, tuple)):
        for path, leaf in leaves(value):
            _check_differentiable_input(leaf, name + path, fn)
        return
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if isinstance(value, (bool, np.bool_)) or kind == "b":
        problem = "a boolean"
    elif isinstance(value, numbers.Integral) or kind in ("i", "u"):
        problem = "an integer"
    else:  # complex numbers are differentiated (autograd's convention: docs/supported.md, Complex numbers)
        return
    raise DifferentiationError(
        f"cannot differentiate with respect to {name!r}: it is {problem} ({type(value).__name__}"
        f"{'' if kind is None else ' of dtype ' + str(value.dtype)}). Gradients are defined for floating-point "
        f"(and complex) inputs: pass a float (e.g. {name}=float(...) or .astype(float)).",
        _definition_location(fn))


def _fit(gradient, like):
    """The gradient in the type, dtype and shape of the input it belongs to, never read-only."""
    if type(like) is np.ndarray and type(gradient) is np.ndarray and gradient.shape == like.shape \
            and gradient.dtype == like.dtype and gradient.flags.writeable:  # the usual case, first: every call
        return gradient
    if isinstance(like, (dict, list, tuple)):
        return fill(gradient, like, _fit)
    if dataclasses.is_dataclass(like) and not isinstance(like, type):
        return _fit_dataclass(gradient, like)
    if type(like) is float:
        return float(np.real(gradient) if is_complex(gradient) else gradient)
    if type(like) is complex:
        return complex(gradient)
    if isinstance(like, np.ndarray):
        if like.dtype.kind != "c" and np.iscomplexobj(gradient):
            gradient = np.real(gradient)  # a real input's gradient is the real part (autograd's convention)
        if (not isinstance(gradient, np.ndarray) or gradient.dtype != like.dtype
                or gradient.shape != like.shape or not gradient.flags.writeable):
            return np.array(np.broadcast_to(gradient, like.shape), dtype=like.dtype)
        return gradient
    if isinstance(like, np.generic):
        return like.dtype.type(np.real(gradient) if like.dtype.kind != "c" else gradient)
    return gradient


def _fitted(gradients, inputs) -> tuple:
    """Each gradient fitted to its input (``_fit``), no two sharing memory: the gradients of ``x + c`` are one
    array in the generated code (``return dc, dc``), and the second gets its own copy, so that writing into
    one gradient never changes another."""
    out, owners = [], set()
    for gradient, like in zip(gradients, inputs):
        gradient = _fit(gradient, like)
        if type(gradient) is np.ndarray:
            owner = id(gradient if gradient.base is None else gradient.base)
            if owner in owners:
                gradient = gradient.copy()
            owners.add(owner)
        out.append(gradient)
    return tuple(out)


_DIRECT = "direct"  # in GradFunction._checked: exact gradients, and nothing else to return


def _exact(compiled, gradients, args, wrt, tuple_result) -> bool:
    """Will this specialized gradient's results always be what ``_fitted`` would make of them?

    A Python float for a float input always is, when the result's types cannot change from call to call:
    in code compiled by Numba (typed by the arguments) or in one straight run of statements calling no user
    function. In such straight code an array is too when, on this call with C-contiguous arguments, it was
    a new writeable array owning its memory in its input's dtype and shape: what the code allocates depends
    on the arguments' kinds, not on their values."""
    straight = getattr(compiled, "generated", None) is not None and not compiled.callees \
        and compiled.generated.straight
    if not (straight or hasattr(compiled, "translated")):
        return False
    contiguous = all(a.flags.c_contiguous for a in args if type(a) is np.ndarray)
    owners = set()
    for gradient, i in zip(gradients if tuple_result else (gradients,), wrt):
        like = args[i]
        if type(gradient) is float and type(like) is float:
            continue
        if not (straight and type(gradient) is np.ndarray and type(like) is np.ndarray and gradient.base is None
                and gradient.flags.writeable and gradient.dtype == like.dtype and gradient.shape == like.shape
                and id(gradient) not in owners and all(gradient is not a for a in args) and contiguous):
            return False
        owners.add(id(gradient))
    return True


def _fit_dataclass(gradient, like):
    """The gradient of a dataclass instance (``p.W`` read in the function): an instance of the same class, each
    float or array field (or container of them) its gradient, zeros where none arrived, and None in the other
    fields (an int, a string: nothing to differentiate). Made without calling ``__init__`` or ``__post_init__``."""
    if isinstance(gradient, np.ndarray) and gradient.dtype == object and gradient.ndim == 0:
        gradient = gradient.item()  # zeros_like of the instance, plus what arrived
    part = gradient if isinstance(gradient, dict) else {}
    out = object.__new__(type(like))
    for f in dataclasses.fields(like):
        value = getattr(like, f.name)
        numeric = isinstance(value, (float, np.floating, dict, list, tuple)) or dataclasses.is_dataclass(value) \
            or isinstance(value, np.ndarray) and value.dtype.kind == "f"
        object.__setattr__(out, f.name, fill(part.get(f.name), value, _fit) if numeric else None)
    return out


_SCALARS = (float, np.float64, np.float32)


def _counts(value) -> bool:
    """Is ``value`` a bool or an integer (``np.allclose``, ``np.argmax``, ``len``)? Its gradient is not a
    zero: it has none (piecewise constant), so grad refuses it."""
    kind = type(value)
    if kind is bool or kind is int:
        return True
    dtype = getattr(value, "dtype", None)
    return isinstance(dtype, np.dtype) and dtype.kind in "biu"


def _integer_result(name, value, location=None):
    return DifferentiationError(
        f"grad needs a function with a floating-point result; {name}() returned {type(value).__name__} "
        f"{value!r}, a bool or an integer, which has no gradient (it is piecewise constant). Differentiate a "
        f"floating-point quantity instead (a loss, or a smooth stand-in for a count or a test).", location)
_EAGER = (float, np.float64, np.float32, np.ndarray, type(None))


def _all_eager(value, gradients, tuple_result) -> bool:
    """The common case, decided fast: plain NumPy results, nothing for Dask to compute."""
    return type(value) in _EAGER and (all(type(g) in _EAGER for g in gradients) if tuple_result
                                      else type(gradients) in _EAGER)


def _is_lazy(x) -> bool:
    return hasattr(x, "__dask_graph__") and x.__dask_graph__() is not None


def _compute_lazy(value, gradients, inputs, tuple_result, with_value):
    """With Dask data: gradients of NumPy inputs (and the value, for value_and_grad) are computed, in one
    ``dask.compute`` so the forward values they share are computed once; gradients of Dask inputs stay lazy."""
    grads = list(gradients) if tuple_result else [gradients]
    wanted = [i for i, (g, x) in enumerate(zip(grads, inputs)) if _is_lazy(g) and not _is_lazy(x)]
    take_value = with_value and _is_lazy(value) and (wanted or not any(_is_lazy(x) for x in inputs))
    if not wanted and not take_value:
        return value, gradients
    import dask
    results = dask.compute(*([value] if take_value else []), *[grads[i] for i in wanted])
    if take_value:
        value, results = results[0], results[1:]
    for i, computed in zip(wanted, results):
        grads[i] = computed
    return value, (tuple(grads) if tuple_result else grads[0])


@dataclass
class _Shared:
    """What every ``grad(f, wrt=...)`` of one function and options shares."""

    wrt: tuple
    tuple_result: bool
    params: list
    variants: dict = field(default_factory=dict)
    checked: dict = field(default_factory=dict)


_PREPARED = weakref.WeakKeyDictionary()  # function -> options -> _Shared
cache.also_clear.append(_PREPARED.clear)  # its gradients came from the compiler's cache


class GradFunction:
    """The gradient of a Python function, compiled from its source on first use.

    Calling it returns the gradient (or ``(value, gradient)`` for
    ``value_and_grad``); ``.source`` is the generated code, ``.ssa`` the SSA
    listing and ``.primal`` the original function.
    """

    def __init__(self, fn, wrt=None, with_value=False, mode="reverse", checkpoint=False, jit=None):
        original = fn
        fn, self._jit = jit_target(fn, jit, mode)  # a Numba dispatcher: its py_func, compiled with its options
        self._bound_to = ()  # a bound method: its object, passed first
        self._bound_keywords = {}  # a functools.partial's keywords
        function = forwarded(fn)  # a functools.wraps wrapper that only forwards: the function it wraps
        if type(fn) is types.MethodType:
            self._bound_to, function = (fn.__self__,), forwarded(fn.__func__)
        if isinstance(fn, functools.partial):  # its arguments come first, its keywords with the call's
            self._bound_to, self._bound_keywords, function = tuple(fn.args), dict(fn.keywords), forwarded(fn.func)
        if type(function) is not types.FunctionType and not inspect.isfunction(function):
            raise TypeError(f"ssagrad.grad takes a Python function defined with def; got {fn!r}")
        # functools.update_wrapper, without its generic attribute loop (grad(f) may be made in a loop)
        self.__module__, self.__name__ = getattr(fn, "__module__", None), getattr(fn, "__name__", None)
        self.__qualname__, self.__doc__ = getattr(fn, "__qualname__", None), getattr(fn, "__doc__", None)
        self.__dict__.update(getattr(fn, "__dict__", {}))
        self.__wrapped__ = fn
        self.primal = original
        self._function = function
        if mode not in ("reverse", "forward"):
            raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
        # grad(f) made again (in a loop, say) finds what the first one worked out, and its gradients
        prepared = _PREPARED.get(function)
        if prepared is None:
            prepared = _PREPARED[function] = {}
        jit_key = None if self._jit is None else tuple(sorted(self._jit.items()))
        key = (wrt, with_value, checkpoint, len(self._bound_to), jit_key, tuple(self._bound_keywords))
        try:
            shared = prepared.get(key)
        except TypeError:  # an unhashable wrt (a list): worked out again
            prepared, key, shared = {}, None, None
        if shared is None:
            visible, tuple_result = _resolve_wrt(fn, wrt)
            shared = prepared[key] = _Shared(tuple(i + len(self._bound_to) for i in visible), tuple_result,
                                             _parameters(function))
        self.wrt, self._tuple_result, self._params = shared.wrt, shared.tuple_result, shared.params
        self._variants = shared.variants   # signature key -> the gradient specialized to such arguments
        self._checked = shared.checked     # the same, with its _exact, once such arguments passed the checks
        self.with_value = with_value
        self._compiled = None
        self._last = None     # the gradient the last call ran (what .source shows)
        self.mode = mode
        self.checkpoint = checkpoint
        # no partial's keywords, bound object or forward mode: a call's arguments are the function's as given
        self._plain = not self._bound_keywords and not self._bound_to and mode != "forward"

    @property
    def compiled(self):
        """The compiled gradient; compiled again when a name it resolved (a helper it calls, a global
        alias of a NumPy function, a module attribute) now resolves to another object."""
        compiled = self._compiled
        if compiled is None or not compiled.guard():
            compiled = self._compiled = compile_gradient(self._function, self.wrt, self._tuple_result,
                                                         self.with_value, checkpoint=self.checkpoint)
            if self._jit is not None:
                compiled = self._compiled = jit_gradient(compiled, self._function, self._jit)
        return compiled

    def compiled_for(self, args):
        """The gradient specialized to arguments like ``args`` (their kinds, dtypes and shapes; the values
        of ints), compiled on the first call with such arguments; the generic one for arguments of other
        kinds (containers, Dask arrays) and past ``SPECIALIZATIONS`` signatures."""
        key = signature_key(args)
        if key is None:
            return self.compiled
        compiled = self._variants.get(key)
        if compiled is None or not compiled.guard():
            compiled = compile_gradient(self._function, self.wrt, self._tuple_result, self.with_value,
                                        checkpoint=self.checkpoint, signature=signature(args),
                                        for_numba=self._jit is not None)
            if self._jit is not None:  # the specialized gradient, compiled by Numba for these arguments
                compiled = jit_gradient(compiled, self._function, self._jit, args)
            if len(self._variants) < SPECIALIZATIONS or key in self._variants:
                self._variants[key] = compiled
        return compiled

    @property
    @user_facing
    def source(self) -> str:
        """The generated gradient function (the tangent function in forward mode), as Python source: the
        one the last call ran (specialized to its arguments), or the generic one before any call."""
        if self.mode == "forward":
            from .compiler import compile_jvp
            return compile_jvp(self._function, tuple(self._params[i] for i in self.wrt)).source
        return (self._last or self.compiled).source

    @user_facing
    def source_for(self, *args, **kwargs) -> str:
        """The generated gradient that a call with these arguments runs."""
        if self.mode == "forward":
            return self.source
        return (self.compiled_for(self._bound_to + args) if not kwargs else self.compiled).source

    @property
    @user_facing
    def ssa(self) -> str:
        """The function in SSA form, one operation a line."""
        return self.compiled.ssa

    def __call__(self, *args, **kwargs):
        try:
            if not self._plain:
                if self._bound_keywords:
                    kwargs = {**self._bound_keywords, **kwargs}
                if self.mode == "forward":
                    return self._forward(args, kwargs)
                if self._bound_to:
                    args = self._bound_to + args
            if args and type(args[0]) is float and not kwargs:  # a scalar kernel's floats: their types are
                key = tuple(map(type, args))                     # their key (see signature_key)
                checked = self._checked.get(key)
                if checked is None:
                    key = signature_key(args)
                    checked = self._checked.get(key)
            else:
                key = signature_key(args) if not kwargs else None
                checked = self._checked.get(key)
            if checked is not None:  # arguments of a kind already seen and checked
                compiled, how = checked
                if compiled.guard():
                    if how is _DIRECT:  # the generated function's result is what the caller gets
                        self._last = compiled
                        return compiled.function(*args)
                    return self._run(compiled, how, args)
            return self._call_checked(args, kwargs, key)
        except DifferentiationError as error:  # the user's code, not the compiler's (ssagrad/tracebacks.py)
            raise error.with_traceback(without_internal_frames(error.__traceback__)) from None

    def _call_checked(self, args, kwargs=None, key=None):
        kwargs = kwargs or {}
        if self._jit is not None and not kwargs:  # Numba compiles the gradient for every parameter
            args = with_defaults(self._function, args)
        compiled = self._last = self.compiled_for(args) if not kwargs else self.compiled
        inputs = [_argument(args, kwargs, i, self._params[i], self._function) for i in self.wrt]
        for value, i in zip(inputs, self.wrt):
            _check_differentiable_input(value, self._params[i], self._function)
        if compiled.returns_value:
            value, gradients = compiled.function(*args, **kwargs)
        else:
            value, gradients = None, compiled.function(*args, **kwargs)
        if compiled.returns_value and type(value) not in _SCALARS and _counts(value):
            raise _integer_result(self._function.__name__, value, compiled.result_location())
        if compiled.returns_value and type(value) not in _SCALARS and np.ndim(value) != 0:
            raise DifferentiationError(
                f"grad needs a function with a scalar result; {self._function.__name__}() returned "
                f"{type(value).__name__} of shape {np.shape(value)}. Reduce it to a scalar first "
                f"(np.sum, np.mean, a loss), or take the Jacobian of a non-scalar result instead.",
                compiled.result_location())
        if not _all_eager(value, gradients, self._tuple_result):
            value, gradients = _compute_lazy(value, gradients, inputs, self._tuple_result, self.with_value)
        elif key is not None and self._variants.get(key) is compiled and max(self.wrt) < len(args):
            # later calls with such arguments take the short way (_run); not a parameter left at its default
            exact = _exact(compiled, gradients, args, self.wrt, self._tuple_result)
            direct = exact and not compiled.returns_value and not self.with_value
            self._checked[key] = (compiled, _DIRECT if direct else exact)
        if self._tuple_result:
            gradients = _fitted(gradients, inputs)
        else:
            gradients = _fit(gradients, inputs[0])
        return (value, gradients) if self.with_value else gradients

    def _run(self, compiled, exact, args):
        """A call with NumPy arguments of a signature seen before: no checks that cannot fail again, and the
        gradients as they come when they are ``exact`` (see ``_exact``)."""
        self._last = compiled
        if not compiled.returns_value:
            gradients = compiled.function(*args)
            value = None
        else:
            value, gradients = compiled.function(*args)
            if type(value) not in _SCALARS and (np.ndim(value) != 0 or _counts(value)):
                return self._call_checked(args)  # which raises the located error
        if not exact:
            gradients = _fitted(gradients, [args[i] for i in self.wrt]) if self._tuple_result else \
                _fit(gradients, args[self.wrt[0]])
        return (value, gradients) if self.with_value else gradients

    def _forward(self, args, kwargs):
        """Forward mode: one tangent pass per entry of each differentiated argument."""
        from .transforms import _basis, jvp
        if kwargs:
            raise TypeError("grad(mode='forward') takes positional arguments")
        args = self._bound_to + args
        grads, value = [], None
        for i in self.wrt:
            entries = []
            complex_input = np.iscomplexobj(args[i])
            for e in _basis(args[i]):
                tangents = [e if j == i else None for j in range(len(args))]
                value, t = jvp(self._function, args, tangents)
                if complex_input:  # d/dx - i d/dy (autograd's convention): a second pass along i e
                    tangents[i] = 1j * e
                    t = np.real(t) - 1j * np.real(jvp(self._function, args, tangents)[1])
                entries.append(np.real(t) if np.iscomplexobj(t) and not complex_input else t)
            g = np.reshape(np.array(entries, dtype=np.result_type(args[i], 1.0)), np.shape(args[i])) \
                if entries else np.zeros_like(args[i])
            grads.append(_fit(g, args[i]))
        if value is None:
            value = self._function(*args)
        if _counts(value):
            raise _integer_result(self._function.__name__, value)
        if np.ndim(value) != 0:
            raise DifferentiationError(f"grad needs a function with a scalar result; {self._function.__name__}() "
                                       f"returned shape {np.shape(value)}; use ssagrad.jacobian")
        gradients = tuple(grads) if self._tuple_result else grads[0]
        return (value, gradients) if self.with_value else gradients

    def _repr_html_(self):
        """In Jupyter: the generated code, highlighted when pygments is installed."""
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
            return highlight(self.source, PythonLexer(), HtmlFormatter(noclasses=True))
        except ImportError:
            import html
            return f"<pre>{html.escape(self.source)}</pre>"

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return functools.partial(self, instance)

    def __repr__(self):
        names = ", ".join(self._params[i] for i in self.wrt)
        kind = "value_and_grad" if self.with_value else "grad"
        return f"<ssagrad.{kind} of {self.primal.__qualname__} with respect to {names}>"


@user_facing
def grad(fn=None, *, wrt=None, mode=None, checkpoint=False, has_aux=False, jit=None):
    """The gradient of ``fn`` (a scalar-valued function) with respect to ``wrt``.

    ``wrt`` is a parameter index or name (default: the first parameter), or a
    tuple of them for a tuple of gradients. Works as ``@grad`` and
    ``@grad(wrt=...)``. ``mode="forward"`` takes one tangent pass per input
    entry instead of one backward pass (for functions of few inputs); the
    default is ``"reverse"``. The gradient of a gradient (of a function of one
    scalar) is its second derivative, and so on: the generated derivative code
    differentiated again, in forward mode unless ``mode="reverse"`` is given.
    ``checkpoint=True`` makes ``for`` loops keep every ~sqrt(n)-th state
    instead of a tape entry per iteration, and run each segment again in the
    backward sweep: O(sqrt(n)) memory for about one more forward pass.
    ``has_aux=True``, as in JAX: ``fn`` returns ``(loss, aux)``; calls return ``(gradient, aux)``, and
    ``aux`` (any value: a dict of metrics, predictions) carries no derivative.
    ``jit="numba"`` compiles the gradient with ``numba.njit`` (docs/numba.md); a Numba dispatcher
    (an ``@numba.njit`` function) is differentiated through its ``py_func`` and compiled with its own
    options unless ``jit=False``.
    """
    if fn is None:
        return lambda f: grad(f, wrt=wrt, mode=mode, checkpoint=checkpoint, has_aux=has_aux, jit=jit)
    if jit and (has_aux or isinstance(fn, GradFunction)):
        raise ValueError("jit='numba' compiles first-order gradients without has_aux (docs/numba.md)")
    if has_aux:
        return _with_aux(fn, wrt, False, mode, checkpoint)
    if isinstance(fn, GradFunction) or type(fn).__name__ == "Derivative":  # a derivative of a derivative
        from .transforms import derivative_of
        return derivative_of(fn, mode or "forward")
    return GradFunction(fn, wrt, mode=mode or "reverse", checkpoint=checkpoint, jit=jit)


@user_facing
def value_and_grad(fn=None, *, wrt=None, checkpoint=False, has_aux=False, jit=None):
    """Like :func:`grad`, but calls return ``(value, gradient)`` from one pass (``((loss, aux), gradient)``
    with ``has_aux=True``)."""
    if fn is None:
        return lambda f: value_and_grad(f, wrt=wrt, checkpoint=checkpoint, has_aux=has_aux, jit=jit)
    if jit and has_aux:
        raise ValueError("jit='numba' compiles first-order gradients without has_aux (docs/numba.md)")
    if has_aux:
        return _with_aux(fn, wrt, True, None, checkpoint)
    return GradFunction(fn, wrt, with_value=True, checkpoint=checkpoint, jit=jit)


def _with_aux(fn, wrt, with_value, mode, checkpoint):
    if mode not in (None, "reverse") or checkpoint:
        raise ValueError("has_aux=True works in reverse mode without checkpointing (mode='forward' and "
                         "checkpoint=True are not supported with it yet)")
    from .transforms import AuxGradFunction
    return AuxGradFunction(fn, wrt, with_value)
