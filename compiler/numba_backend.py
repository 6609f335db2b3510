"""The Numba backend: a generated gradient, rewritten where Numba needs it, compiled with ``numba.njit``.

The gradient is generated as for Python (specialized to the call's signature) and then rewritten
(compiler/numba_rewrite.py): a loop's tape becomes preallocated arrays, ``reversed(tape)`` an index loop,
``np.copy`` of a scalar a scalar, ``check_unshared`` a test that raises. Runtime helpers are compiled from
their Numba implementations (runtime/numba_helpers.py); a user function the gradient calls (its
``_forward`` and ``_backward`` functions, or the function itself where nothing flows through it) is
compiled the same way, with the same options. What Numba cannot compile is a located
``DifferentiationError``: the user's line and Numba's reason. There is no fallback to Python.
"""
import inspect
import itertools
import linecache
import re
import types
import weakref
from dataclasses import dataclass, field

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
    """The options a dispatcher was made with, for ``numba.njit`` (``fastmath``, ``cache``, ...)."""
    return {k: v for k, v in dispatcher.targetoptions.items() if k != "nopython"}


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
    numba = require_numba()
    key = tuple(sorted(options.items()))
    variants = compiled.__dict__.setdefault("numba_variants", {})
    found = variants.get(key)
    if found is None:
        kinds = _kinds(fn, args)
        translated = _translate(compiled.function, fn, kinds, options)
        found = variants[key] = NumbaGradient(compiled, translated, _checked(translated, lazy=args is None))
    if args is not None:
        try:
            types_ = tuple(numba.typeof(a) for a in args)
        except ValueError:
            types_ = None
        if types_ is not None and types_ not in found.translated.dispatcher.signatures:
            _compile(found.translated, types_)
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
    key = (tuple(sorted(options.items())), tuple(sorted(kinds.items(), key=lambda kv: kv[0])))
    if key in per_options:
        return per_options[key]
    numba = require_numba()
    from . import numba_rewrite
    from ..runtime import numba_helpers
    filename = function.__code__.co_filename
    text = "".join(linecache.getlines(filename))
    namespace = _namespace(function)
    callees = []
    for name in function.__code__.co_freevars:  # the names bound at compile time: helpers and callees
        if name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, types.FunctionType) and value.__code__.co_filename.startswith(_GENERATED):
            callee = _translate(value, _user_function_of(value), {}, options)
            callees.append(callee)
            namespace[name] = callee.dispatcher
        elif isinstance(value, types.FunctionType) and not (value.__module__ or "").startswith("ssagrad."):
            namespace[name] = _plain(value, options)  # a user function called where nothing flows through it
    rewritten = numba_rewrite.rewrite(text, namespace, kinds, numba_helpers)
    source = rewritten.source
    new_name = f"{_NUMBA}{function.__name__} #{next(_counter)}>"
    linecache.cache[new_name] = (len(source), None, source.splitlines(True), new_name)
    _sources[new_name] = (source, fn)
    _refuse_unsupported(rewritten, new_name, fn, numba_helpers)
    exec(compile(source, new_name, "exec"), namespace)
    compiled_python = namespace[function.__name__]
    dispatcher = numba.njit(**options)(compiled_python)
    translated = _Translated(dispatcher, source, new_name, list(rewritten.errors.items()), callees)
    per_options[key] = translated
    return translated


_plain_jitted = weakref.WeakKeyDictionary()


def _plain(fn, options):
    """A user's plain Python function, compiled with Numba with the gradient's options."""
    numba = require_numba()
    per = _plain_jitted.setdefault(fn, {})
    key = tuple(sorted(options.items()))
    if key not in per:
        per[key] = numba.njit(**options)(fn)
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
    for name, line in rewritten.helper_uses:
        value = rewritten.namespace.get(name)
        if callable(value) and getattr(value, "__module__", "").startswith("ssagrad.runtime") \
                and value not in numba_helpers.SUPPORTED and not isinstance(value, type):
            raise DifferentiationError(
                f"jit='numba': the gradient needs the helper {name}(), which has no Numba implementation "
                f"yet (runtime/numba_helpers.py); use the Python gradient (no jit) for this function",
                locate(filename, line) or _definition(fn))


def _compile(translated: _Translated, types_) -> None:
    """Numba's compile for ``types_``; whatever stops it (a typing error, or one Numba raises while
    lowering) reported as a located DifferentiationError."""
    try:
        translated.dispatcher.compile(types_)
    except Exception as exc:  # noqa: BLE001 -- every failure of Numba's compiler is reported, located
        raise numba_error(exc, _sources[translated.filename][1]) from None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def numba_error(exc, fn=None) -> DifferentiationError:
    """Numba's compile error as ssagrad's: the user's line the failing generated line comes from (else
    ``fn``'s definition), and Numba's reason in one sentence."""
    text = _ANSI.sub("", str(exc))
    frames = re.findall(r'File "(<ssagrad-numba [^"]*>)", line (\d+)', text)
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
    if location is None:
        location = _definition(fn)
    return DifferentiationError(f"jit='numba': Numba cannot compile the gradient of this line: {reason}{what}. "
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
