"""Stage 9: compile once, reuse -- while the names it resolved still mean the same. Thread-safe.

Entries hang off the user's function object (weakly, so they go when it
does) and are keyed by its code object, ``wrt`` and mode: a closure made
again (a new function object) compiles again. Each entry also has a
``guard`` (``compiler/guard.py``): a function of no arguments, true while
every function, class or module the compile resolved a name to -- in this
function and in every function it calls, at any depth -- is still what that
name resolves to, and the functions' code and defaults are unchanged. A hit
whose guard is false compiles again; ``GradFunction`` checks the guard of
the gradient it holds before each call.
"""
import contextlib
import gc
import threading
import weakref

from . import guard


class Cache:
    def __init__(self):
        self._lock = threading.RLock()
        self._entries = weakref.WeakKeyDictionary()
        self.compiles = 0  # how many times something was compiled (for tests and benchmarks)
        self.also_clear = []  # callables that forget what was found through this cache (ssagrad/api.py)

    def get(self, fn, key, build):
        """The cached ``build(fn)`` for ``(fn, key)``, built once and again when its guard fails."""
        full_key = (fn.__code__,) + tuple(key)
        with self._lock:
            per_function = self._entries.get(fn)
            if per_function is None:
                per_function = self._entries[fn] = {}
            slot = per_function.get(full_key)
            if slot is not None and slot[0].guard():
                guard.note(slot[1])  # compiling a caller: it depends on what this callee depends on
                return slot[0]
            with guard.collecting(fn) as deps, _no_collection():
                entry = build(fn)
            entry.guard = guard.make_guard(deps)
            self.compiles += 1
            per_function[full_key] = (entry, deps)
            return entry

    def has(self, fn, key) -> bool:
        with self._lock:
            return (fn.__code__,) + tuple(key) in self._entries.get(fn, {})

    def count(self, fn, predicate) -> int:
        """How many of ``fn``'s entries have a key (code object first) for which ``predicate`` holds."""
        with self._lock:
            return sum(1 for k in self._entries.get(fn, {}) if predicate(k))

    def clear(self):
        with self._lock:
            self._entries.clear()
            for forget in self.also_clear:
                forget()


@contextlib.contextmanager
def _no_collection():
    """The cyclic garbage collector off while compiling: a compile makes tens of thousands of syntax nodes,
    none of them in cycles, and the collections they trigger cost a few percent of a first call."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


cache = Cache()
