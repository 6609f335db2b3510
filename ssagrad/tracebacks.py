"""A DifferentiationError nobody catches shows the user's code, not ssagrad's.

The error's own text names the user's line (file, line, column, the source line). The frames between
the user's call and the raise are the compiler's, which tell someone differentiating their function
nothing, so each public entry point re-raises such an error with those frames taken out (as JAX does):
what is left is the user's frames, the generated code's (``<ssagrad f -> f_grad>``, where a refusal
at run time happens) and the one line of ssagrad that re-raises it.
"""
import functools
import os
import types

from .compiler.errors import DifferentiationError

_HERE = os.path.dirname(os.path.abspath(__file__))


def _internal_folders() -> tuple:
    """The folders of ssagrad's own modules: the package, its compiler and its runtime (top-level
    folders in a checkout, subpackages in an install)."""
    from . import compiler, runtime
    return tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep for m in (compiler, runtime)) + (_HERE + os.sep,)


def without_internal_frames(tb):
    """The traceback ``tb`` without the frames of ssagrad's own files."""
    folders = _internal_folders()
    kept = []
    while tb is not None:
        if not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(folders):
            kept.append(tb)
        tb = tb.tb_next
    filtered = None
    for entry in reversed(kept):
        filtered = types.TracebackType(filtered, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return filtered


def user_facing(fn):
    """``fn``, a public entry point, raising its DifferentiationErrors as the user's code sees them."""
    @functools.wraps(fn)
    def entry(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DifferentiationError as error:  # raised here, so that this is the one frame of ssagrad shown
            raise error.with_traceback(without_internal_frames(error.__traceback__)) from None
    return entry
