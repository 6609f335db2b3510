"""Stage 9: compile once, reuse. Thread-safe.

Entries hang off the user's function object (weakly, so they go when it
does) and are keyed by its code object, ``wrt`` and mode: a closure made
again (a new function object) compiles again, because its free names may
resolve to other functions.
"""
import threading
import weakref


class Cache:
    def __init__(self):
        self._lock = threading.RLock()
        self._entries = weakref.WeakKeyDictionary()
        self.compiles = 0  # how many times something was compiled (for tests and benchmarks)

    def get(self, fn, key, build):
        """The cached ``build(fn)`` for ``(fn, key)``, built once."""
        full_key = (fn.__code__,) + tuple(key)
        with self._lock:
            per_function = self._entries.setdefault(fn, {})
            entry = per_function.get(full_key)
            if entry is None:
                entry = build(fn)
                self.compiles += 1
                per_function[full_key] = entry
            return entry

    def clear(self):
        with self._lock:
            self._entries.clear()


cache = Cache()
