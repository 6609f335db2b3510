"""The Numba backend: a generated gradient, rewritten where Numba needs it, compiled with ``numba.njit``.

The gradient is generated as for Python (specialized to the call's signature) and then rewritten
(compiler/numba_rewrite.py): a loop's tape becomes preallocated arrays, ``reversed(tape)`` an index loop,
``np.copy`` of a scalar a scalar, ``check_unshared`` a test that raises. Runtime helpers are compiled from
their Numba implementations (runtime/numba_helpers.py); a user function the gradient calls (its
``_forward`` and ``_backward`` functions, or the function itself where nothing flows through it) is
compiled the same way, with the same options. What Numba cannot compile is a located
``DifferentiationError``: the user's line and Numba's reason. There is no fallback to Python.
"""
import contextlib
import inspect
import itertools
import linecache
import re
import types
import weakref
from dataclasses import dataclass, field

from . import codegen
from .errors import DifferentiationError, Location

_counter = itertools.count(1)
_GENERATED = "<ssagrad "             # the file names codegen gives generated functions
_NUMBA = "<ssagrad-numba "           # ... and this backend its rewritten ones
_sources: dict = {}                  # file name -> (its text, the user function it was generated from)
_translated = weakref.WeakKeyDictionary()   # generated Python function -> {options: _Translated}


def is_dispatcher(fn) -> bool:
    """Is ``fn`` a Numba dispatcher (an ``@numba.njit`` / ``@numba.jit`` function)?"""
    return hasattr(fn, "py_func") and type(fn).__module__.startswith("numba.")


def jit_options(dispatcher) -> dict:
    """The options a dispatcher was made with, for ``numba.njit`` (``fastmath``, ``parallel``, ``cache``, ...),
    hashable (a set of fastmath flags as a frozenset: ``_thawed`` gives Numba its set back). ``cache`` is no
    target option: Numba keeps it as the dispatcher's cache object."""
    options = {k: _frozen(v) for k, v in dispatcher.targetoptions.items() if k != "nopython"}
    if type(getattr(dispatcher, "_cache", None)).__name__ not in ("NullCache", "NoneType"):
        options["cache"] = True
    return options


def _frozen(value):
    if isinstance(value, set):
        return frozenset(value)
    if isinstance(value, dict):
        return ("dict",) + tuple(sorted(value.items()))
    return value


def _thawed(options: dict) -> dict:
    """``options`` as ``numba.njit`` takes them (fastmath's flags as a set; its dict as a dict)."""
    out = {}
    for k, v in options.items():
        if isinstance(v, frozenset):
            v = set(v)
        elif isinstance(v, tuple) and v[:1] == ("dict",):
            v = dict(v[1:])
        out[k] = v
    return out


def _options_key(options: dict) -> tuple:
    return tuple(sorted(options.items(), key=lambda kv: kv[0]))


def jit_target(fn, jit, mode="reverse"):
    """``(python function, Numba options or None)`` for ``grad(fn, jit=...)``: a dispatcher is compiled
    with its own options unless ``jit=False``; ``jit="numba"`` compiles a plain function with Numba's."""
    if jit not in (None, False, "numba"):
        raise ValueError(f"jit must be 'numba', False or None (Numba for a Numba dispatcher), not {jit!r}")
    options = None
    if is_dispatcher(fn):
        options = jit_options(fn) if jit is not False else None
        fn = fn.py_func
    elif jit == "numba":
        require_numba()
        options = {}
    if options is not None and mode != "reverse":
        raise ValueError("jit='numba' compiles reverse-mode gradients; use mode='reverse'")
    return fn, options


def dispatcher_of(fn):
    """The Numba dispatcher ``fn`` is, or a bound method or ``functools.partial`` of one calls; else None."""
    import functools
    while isinstance(fn, functools.partial) or inspect.ismethod(fn):
        fn = fn.func if isinstance(fn, functools.partial) else fn.__func__
    return fn if is_dispatcher(fn) else None


def with_defaults(function, args: tuple) -> tuple:
    """``args`` and the defaults of the parameters after them: Numba compiles code for every parameter."""
    after = list(inspect.signature(function).parameters.values())[len(args):]
    return args + tuple(p.default for p in after if p.default is not p.empty
                        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def jvp_options(fn, jit):
    """Numba options for ``ssagrad.jvp(fn, ..., jit=jit)`` (and the transforms built like it), or None (the
    code runs in Python): a dispatcher's own (or the one a partial or a bound method calls) unless
    ``jit=False``; Numba's defaults for a plain function with ``jit="numba"``."""
    if jit not in (None, False, "numba"):
        raise ValueError(f"jit must be 'numba', False or None (Numba for a Numba dispatcher), not {jit!r}")
    dispatcher = dispatcher_of(fn)
    if dispatcher is not None:
        return jit_options(dispatcher) if jit is not False else None
    if jit == "numba":
        require_numba()
        return {}
    return None


def jit_jvp(compiled, fn, options: dict, args):
    """The tangent function of ``compiled`` (a CompiledJVP of ``fn``) compiled with Numba, and compiled for
    ``args`` (the primals, then the tangents) now, so that what Numba cannot compile is reported at the
    user's line. The tangent code is not specialized to a signature: it has no tapes to lay out."""
    require_numba()
    variants = compiled.__dict__.setdefault("numba_variants", {})
    key = _options_key(options)
    found = variants.get(key)
    if found is None:
        translated = _translate(compiled.function, fn, {}, options)
        found = variants[key] = (translated, _checked(translated, lazy=True))
    translated, function = found
    if args is not None:
        compile_for(translated, args)
    return function


_derivables = weakref.WeakKeyDictionary()   # generated gradient -> {kinds: its structural rewrite}


def derivable(function, fn, kinds: dict):
    """The generated gradient ``function`` (of the user's ``fn``) with its tapes laid out as the Numba backend
    lays them out (arrays, values computed again, adjoints updated in place), as a Python function to
    differentiate again: its tangent code is then what Numba compiles (``jit_second_order``). Its other
    constructs stay Python (``np.add.at``, ``check_unshared``): the tangent code's own rewrite handles them."""
    per_kinds = _derivables.setdefault(function, {})
    key = tuple(sorted(kinds.items(), key=lambda kv: kv[0]))
    found = per_kinds.get(key)
    if found is not None:
        return found
    from . import numba_rewrite
    from ..runtime import numba_helpers
    namespace = _namespace(function)
    rewritten = numba_rewrite.rewrite(codegen.source_text(function.__code__.co_filename), namespace, kinds,
                                      numba_helpers, structural=True)
    source = rewritten.source
    new_name = f"{_NUMBA}{function.__name__} #{next(_counter)}>"
    linecache.cache[new_name] = (len(source), None, source.splitlines(True), new_name)
    _sources[new_name] = (source, fn)
    exec(compile(source, new_name, "exec"), namespace)
    found = per_kinds[key] = namespace[function.__name__]
    found.__qualname__ = getattr(function, "__qualname__", found.__name__)
    return found


def jit_second_order(fn, index: int, options: dict, args):
    """Forward over reverse, compiled with Numba: the tangent function of ``fn``'s gradient with respect to
    its argument ``index``, specialized to ``args`` -- ``function(*args, v)`` is the Hessian times ``v``.

    The gradient is generated and specialized as ``grad`` generates it for Numba, its tapes laid out as the
    Numba backend lays them out (``derivable``), differentiated in forward mode, and the tangent code
    compiled as ``jvp``'s is (``jit_jvp``), for ``args`` and a tangent like ``args[index]`` now, so that
    what Numba cannot compile is a located error now."""
    require_numba()
    from . import compile_gradient, compile_jvp
    from .shapes import signature
    sig = signature(args)
    gradient = compile_gradient(fn, (index,), False, False, bare=True, signature=sig, for_numba=True)
    differentiable = derivable(gradient.function, fn, _kinds(fn, args) if sig is not None else {})
    name = list(inspect.signature(differentiable).parameters)[index]
    tangent = compile_jvp(differentiable, (name,), tangent_only=True)
    return jit_jvp(tangent, fn, options, tuple(args) + (args[index],)), gradient.guard


def require_numba():
    try:
        import numba
    except ImportError:
        raise ImportError("jit='numba' needs Numba: python -m pip install 'ssagrad[numba]'") from None
    return numba


@dataclass
class _Translated:
    dispatcher: object
    source: str
    filename: str
    errors: list                      # located errors a SharedWrite(k) stands for
    callees: list = field(default_factory=list)   # _Translated of the generated functions it calls
    cache_key: str | None = None     # with cache=True: the hash naming its source file (None: not cached)


class NumbaGradient:
    """A ``CompiledGradient`` whose function is the Numba-compiled gradient; everything else (``.ssa``,
    ``.guard``, ``.returns_value``, ...) is the Python gradient's."""

    def __init__(self, python, translated: _Translated, function):
        self.python = python
        self.translated = translated
        self.function = function
        # read on every call: attributes of its own (__getattr__ costs about half a microsecond)
        self.returns_value, self.guard = python.returns_value, python.guard

    def __getattr__(self, name):
        return getattr(self.python, name)

    @property
    def source(self) -> str:
        seen, texts = set(), []

        def visit(t):
            if t.filename in seen:
                return
            seen.add(t.filename)
            texts.append(t.source.rstrip("\n") + "\n")
            for callee in t.callees:
                visit(callee)
        visit(self.translated)
        return "\n\n".join(texts)


def jit_gradient(compiled, fn, options: dict, args=None) -> NumbaGradient:
    """``compiled`` (a CompiledGradient of ``fn``) compiled with Numba; with ``args``, compiled for their
    types now, so that what Numba cannot compile is reported now, at the user's line."""
    require_numba()
    from .shapes import signature_key
    # the generic gradient (past SPECIALIZATIONS signatures) serves arguments of several kinds; its Numba
    # layout (tapes as arrays of the shapes at hand) is one per kind of arguments
    key = (_options_key(options), signature_key(args) if args is not None else None)
    variants = compiled.__dict__.setdefault("numba_variants", {})
    found = variants.get(key)
    if found is None:
        kinds = _kinds(fn, args)
        translated = _translate(compiled.function, fn, kinds, options)
        found = variants[key] = NumbaGradient(compiled, translated, _checked(translated, lazy=args is None))
    if args is not None:
        compile_for(found.translated, args)
    return found


def _kinds(fn, args) -> dict:
    """name -> Abstract of the function's values for ``args`` (compiler/shapes.py); {} when unknown."""
    if args is None:
        return {}
    import operator
    from . import to_ssa
    from .shapes import infer, signature
    from .ssa import COPY, Const, Op, walk
    sig = signature(args)
    if sig is None:
        return {}
    function = to_ssa(fn)
    for op in walk(function.body):
        # ``e = 0.0``: shapes.py leaves a copied constant unknown (and so a loop-carried value it starts);
        # ``+0.0`` is the same value, and an operation shapes.py runs
        if isinstance(op, Op) and op.fn is COPY and len(op.args) == 1 and isinstance(op.args[0], Const) \
                and type(op.args[0].value) in (float, int):
            op.fn = operator.pos
    return {v.name: a for v, a in infer(function, sig).items() if a is not None}


def _checked(translated: _Translated, lazy: bool):
    """The dispatcher; or, when its code checks for shared memory or compiles on its first call (``lazy``),
    a function raising the located errors instead of Numba's."""
    dispatcher = translated.dispatcher
    errors = _all_errors(translated)
    if not errors and not lazy:
        return dispatcher
    from numba.core.errors import NumbaError
    from ..runtime.numba_helpers import SharedWrite

    def gradient(*args, **kwargs):
        try:
            if not dispatcher.signatures:  # compiled now
                with _quiet_parallel():
                    return dispatcher(*args, **kwargs)
            return dispatcher(*args, **kwargs)
        except SharedWrite as exc:
            raise errors[exc.args[0]] from None
        except NumbaError as exc:
            raise numba_error(exc) from None
    return gradient


def _all_errors(translated) -> dict:
    out = {}
    for t in [translated] + translated.callees:
        out.update(dict(t.errors))
    return out


def _namespace(function) -> dict:
    """What the names in a generated function's code read: its globals, then its closure cells."""
    namespace = dict(function.__globals__)
    for name, cell in zip(function.__code__.co_freevars, function.__closure__ or ()):
        try:
            namespace[name] = cell.cell_contents
        except ValueError:  # an empty cell: the name is unbound, as in Python
            namespace.pop(name, None)
    return namespace


def _translate(function, fn, kinds: dict, options: dict) -> _Translated:
    """The generated Python ``function`` (made from the user's ``fn``), rewritten and compiled with Numba."""
    per_options = _translated.setdefault(function, {})
    key = (_options_key(options), tuple(sorted(kinds.items(), key=lambda kv: kv[0])))
    if key in per_options:
        return per_options[key]
    numba = require_numba()
    from . import numba_rewrite
    from ..runtime import numba_helpers
    filename = function.__code__.co_filename
    text = codegen.source_text(filename)
    namespace = _namespace(function)
    callees = {}
    for name in function.__code__.co_freevars:  # the names bound at compile time: helpers and callees
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, types.FunctionType) and value.__code__.co_filename.startswith(_GENERATED):
            callee = _translate(value, _user_function_of(value), {}, options)
            callees[name] = callee
            namespace[name] = callee.dispatcher
        elif isinstance(value, types.FunctionType) and not (value.__module__ or "").startswith("ssagrad."):
            namespace[name] = _plain(value, options)  # a user function called where nothing flows through it
    rewritten = numba_rewrite.rewrite(text, namespace, kinds, numba_helpers)
    source = rewritten.source
    njit_options = _thawed({k: v for k, v in options.items() if k != "cache"})
    cache_key = _cache_key(rewritten, callees, options) if options.get("cache") else None
    new_name = _cache_file(function.__name__, cache_key, source) if cache_key else None
    if new_name is None:
        cache_key, new_name = None, f"{_NUMBA}{function.__name__} #{next(_counter)}>"
    linecache.cache[new_name] = (len(source), None, source.splitlines(True), new_name)
    _sources[new_name] = (source, fn)
    _refuse_unsupported(rewritten, new_name, fn, numba_helpers)
    exec(compile(source, new_name, "exec"), namespace)
    compiled_python = namespace[function.__name__]
    dispatcher = numba.njit(cache=cache_key is not None, **njit_options)(compiled_python)
    translated = _Translated(dispatcher, source, new_name, list(rewritten.errors.items()),
                             list(callees.values()), cache_key)
    per_options[key] = translated
    return translated


# -- cache=True ---------------------------------------------------------------------------------------------
#
# Numba caches a function against its source file. A generated gradient has none, so with ``cache=True``
# it is written to one, named by a hash of everything its machine code depends on: its source, and what
# each name it reads from outside holds (Numba compiles global values in as constants) -- a module or a
# library function by its name, a number by its value, an array by its bytes, a called gradient by its
# own hash, a user's @njit function by its code; the Numba implementations of the runtime helpers
# (runtime/numba_helpers.py) by their text; Numba's and NumPy's versions. The same hash is the same
# machine code, so a later process finds Numba's cache for it. A value of any other kind has no such
# name, and the gradient is then compiled without a cache (as without cache=True), never from a stale one.

def cache_directory() -> str:
    """Where the generated source of cached gradients goes (Numba puts its cache beside it, or in
    ``NUMBA_CACHE_DIR``): ``SSAGRAD_NUMBA_CACHE_DIR``, else ssagrad/numba in the user's cache directory."""
    import os
    found = os.environ.get("SSAGRAD_NUMBA_CACHE_DIR")
    if found:
        return found
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ssagrad", "numba")


def _cache_file(name: str, key: str, source: str) -> str | None:
    """The path of a file holding ``source`` (written if need be, atomically, never rewritten when it holds
    it already: Numba's cache index checks the file's time stamp); None if it cannot be written."""
    import os
    import tempfile
    path = os.path.join(cache_directory(), f"{name}_{key}.py")
    try:
        with open(path, encoding="utf-8") as existing:
            if existing.read() == source:
                return path
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".tmp", dir=os.path.dirname(path))
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(source)
        os.replace(temporary, path)
    except OSError:
        return None
    return path


def _helpers_digest() -> str:
    import hashlib
    from ..runtime import numba_helpers
    found = _helpers_digest.__dict__.get("value")
    if found is None:
        with open(numba_helpers.__file__, "rb") as source:
            found = _helpers_digest.value = hashlib.sha256(source.read()).hexdigest()
    return found


def _cache_key(rewritten, callees: dict, options: dict) -> str | None:
    """The hash naming a cached gradient's file (see above), or None when a value it reads has no name."""
    import hashlib

    import numba
    import numpy
    parts = [rewritten.source, numba.__version__, numpy.__version__, _helpers_digest(),
             repr(_options_key(options))]
    for name in sorted({name for name, _ in rewritten.helper_uses}):
        callee = callees.get(name)
        part = ("callee", callee.cache_key) if callee is not None else _fingerprint(rewritten.namespace[name])
        if part is None or part == ("callee", None):
            return None
        parts.append((name, part))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


_LIBRARIES = ("builtins", "math", "cmath", "operator", "numpy", "numba", "ssagrad")


def _fingerprint(value):
    """What identifies ``value`` across processes as far as compiled code is concerned, or None."""
    import hashlib
    import marshal

    import numpy
    if value is None or type(value) in (bool, int, float, complex, str, bytes):
        return (type(value).__name__, repr(value))
    if isinstance(value, tuple):
        parts = tuple(_fingerprint(v) for v in value)
        return None if None in parts else ("tuple",) + parts
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__)
    if isinstance(value, numpy.ndarray):
        data = numpy.ascontiguousarray(value).tobytes()
        return ("array", value.dtype.str, value.shape, hashlib.sha256(data).hexdigest())
    if isinstance(value, numpy.generic):
        return ("scalar", value.dtype.str, value.tobytes().hex())
    if isinstance(value, numpy.ufunc):
        return ("ufunc", value.__name__)
    if is_dispatcher(value):  # a user's @njit function: its code (what it calls is Numba's own business)
        code = marshal.dumps(value.py_func.__code__)
        return ("dispatcher", value.py_func.__module__, value.py_func.__qualname__,
                hashlib.sha256(code).hexdigest(), repr(_options_key(jit_options(value))))
    module = getattr(value, "__module__", None) or ""
    if module.split(".")[0] in _LIBRARIES and getattr(value, "__qualname__", None):
        return ("object", module, value.__qualname__)
    return None


_plain_jitted = weakref.WeakKeyDictionary()


def _plain(fn, options):
    """A user's plain Python function, compiled with Numba with the gradient's options (and cached, with
    ``cache=True``, when Numba can cache it: it has a source file)."""
    numba = require_numba()
    per = _plain_jitted.setdefault(fn, {})
    key = _options_key(options)
    if key not in per:
        njit_options = _thawed({k: v for k, v in options.items() if k != "cache"})
        try:
            per[key] = numba.njit(cache=bool(options.get("cache")), **njit_options)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available" (no source file)
            per[key] = numba.njit(**njit_options)(fn)
    return per[key]


def _user_function_of(generated):
    """The user function a generated ``name_forward``/``name_backward`` function was made from (for
    locating errors), found by the qualified name its file name records; None if it cannot be."""
    match = re.match(r"<ssagrad (\S+) -> ", generated.__code__.co_filename)
    if not match:
        return None
    value = generated.__globals__
    for part in match.group(1).split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return None
    value = getattr(value, "py_func", value)
    return value if inspect.isfunction(value) else None


def _refuse_unsupported(rewritten, filename, fn, numba_helpers):
    """A runtime helper with no Numba implementation: a located error before Numba is asked."""
    from ..runtime import containers
    for name, line in rewritten.helper_uses:
        value = rewritten.namespace.get(name)
        if value is containers.appended:  # what numba_rewrite could not grow in place
            raise DifferentiationError(
                "jit='numba': the tangent code grows this list by copying it (appended), which has no Numba "
                "version: a list is grown in place only when it is made in the function (a list display) "
                "and nothing reads an older version of it, or keeps one, after an append "
                "(compiler/numba_versions.py); use jit=False (Python) for it",
                locate(filename, line) or _definition(fn))
        if callable(value) and getattr(value, "__module__", "").startswith("ssagrad.runtime") \
                and value not in numba_helpers.SUPPORTED and not isinstance(value, type):
            raise DifferentiationError(
                f"jit='numba': the gradient needs the helper {name}(), which has no Numba implementation "
                f"yet (runtime/numba_helpers.py); use the Python gradient (no jit) for this function",
                locate(filename, line) or _definition(fn))


@contextlib.contextmanager
def _quiet_parallel():
    """Numba's warning that ``parallel=True`` found nothing to run in parallel, silenced: a gradient keeps
    the option (its array expressions may run in parallel), but its loops are serial (docs/numba.md)."""
    import warnings

    from numba.core.errors import NumbaPerformanceWarning
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?s).*no transformation for parallel execution was possible",
                                category=NumbaPerformanceWarning)
        yield


def compile_for(translated: _Translated, args) -> None:
    """``translated`` compiled for the types of ``args`` now (unless it is already), so that what Numba cannot
    compile is reported now, at the user's line; arguments Numba has no type for are left to the call."""
    numba = require_numba()
    try:
        types_ = tuple(numba.typeof(a) for a in args)
    except ValueError:
        return
    if types_ not in translated.dispatcher.signatures:
        _compile(translated, types_)


def _compile(translated: _Translated, types_) -> None:
    """Numba's compile for ``types_``; whatever stops it (a typing error, or one Numba raises while
    lowering) reported as a located DifferentiationError."""
    try:
        with _quiet_parallel():
            translated.dispatcher.compile(types_)
    except Exception as exc:  # noqa: BLE001 -- every failure of Numba's compiler is reported, located
        raise numba_error(exc, _sources[translated.filename][1]) from None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def numba_error(exc, fn=None) -> DifferentiationError:
    """Numba's compile error as ssagrad's: the user's line the failing generated line comes from (else
    ``fn``'s definition), and Numba's reason in one sentence."""
    text = _ANSI.sub("", str(exc))
    frames = [(name, line) for name, line in re.findall(r'File "([^"]*)", line (\d+)', text) if name in _sources]
    reason = next((line.strip() for line in text.splitlines() if line.strip()
                   and not line.startswith(("Failed in ", "During:", "File ", "- Resolution failure",
                                            "Resolution failure"))
                   and "nopython" not in line), "Numba cannot compile it")
    location = None
    for filename, line in reversed(frames):  # the innermost generated line that leads to the user's
        location = locate(filename, int(line))
        if location is not None:
            break
    what = ""
    if frames:
        source = _sources.get(frames[-1][0], ("", None))[0].splitlines()
        number = int(frames[-1][1])
        if 0 < number <= len(source):
            what = f" (in the generated gradient: `{source[number - 1].strip()}`)"
    of = "the gradient of this line"
    if location is None and fn is not None:  # else the user's own code (a primal compiled for jit="numba")
        import os  # Numba names the file relative to the working directory
        own = [int(line) for name, line in re.findall(r'File "([^"]*)", line (\d+)', text)
               if os.path.abspath(name) == os.path.abspath(fn.__code__.co_filename)]
        location, of = (_user_line(fn, own[-1]), "this line") if own else (_definition(fn), of)
    return DifferentiationError(f"jit='numba': Numba cannot compile {of}: {reason}{what}. "
                                f"Its Python gradient (no jit) can run it", location)


def locate(filename: str, lineno: int) -> Location | None:
    """The user's line a line of rewritten generated code comes from: the line its '# adjoint of line N'
    comment names (the backward sweep), or the user statement that defines the names it assigns."""
    text, fn = _sources.get(filename, ("", None))
    if fn is None:
        return None
    from . import to_ssa
    from .ssa import Op, walk
    function = to_ssa(fn)
    by_name, by_line = {}, {}
    for op in walk(function.body):
        if isinstance(op, Op) and getattr(op, "node", None) is not None:
            location = function.parsed.locate(op.node)
            for target in op.targets:
                by_name.setdefault(target.name, location)
            if location is not None:
                by_line.setdefault(location.lineno, location)
    lines = text.splitlines()
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        match = re.match(r"\s*# adjoint of line (\d+)", lines[k])
        if match:
            return by_line.get(int(match.group(1))) or _user_line(fn, int(match.group(1)))
        if re.match(r"\s*# the result's own gradient", lines[k]):
            break
    # the forward sweep: the names the line assigns are the SSA's, which know their user line
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        names = re.findall(r"[A-Za-z_]\w*", lines[k].split("=")[0]) if "=" in lines[k] else []
        for name in names:
            if by_name.get(name) is not None:
                return by_name[name]
    return _definition(fn)


def _user_line(fn, lineno: int) -> Location:
    filename = fn.__code__.co_filename
    line = linecache.getline(filename, lineno)
    return Location(filename, lineno, len(line) - len(line.lstrip()), None, line, fn.__name__)


def _definition(fn) -> Location | None:
    if fn is None:
        return None
    return _user_line(fn, fn.__code__.co_firstlineno)
