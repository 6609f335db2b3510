"""Complex numbers: the helpers of the rules that are not holomorphic, and of the FFTs.

ssagrad follows autograd's convention. For a real-valued ``L`` of a complex ``z = x + iy`` the gradient is
``dL/dx - i dL/dy`` (twice the Wirtinger derivative ``dL/dz``: the conjugate of the direction of steepest
ascent, so a descent step is ``z -= lr * np.conj(g)``). In this convention the adjoint of a holomorphic
function is the plain transpose of its derivative (``d[x] = d[result] * f'(x)``, ``g @ b.T`` for ``a @ b``,
no conjugates), so the rules of real functions serve complex values unchanged; only the functions that are
not holomorphic (``np.real``, ``np.imag``, ``np.conj``, ``np.abs``, ``np.angle``) need their own. A complex
result's gradient is that of its real part. The gradient of a real value is the real part of what arrives
(``real_like``): a real input that flows through complex values gets a real gradient.
"""
import numpy as np

from .broadcast import is_complex, zeros_like


def real_like(g, x):
    """The gradient ``g`` of ``x``: itself for a complex ``x``, its real part for a real one."""
    if is_complex(g) and not is_complex(x):
        return np.real(g)
    return g


def real_grad(g, x):
    """The gradient of ``np.real(x)`` (``x.real``): the real part of ``g``, as a complex gradient for a complex
    ``x``."""
    g = np.real(g)
    return g + 0j if is_complex(x) else g


def imag_grad(g, x):
    """The gradient of ``np.imag(x)`` (``x.imag``): ``-i`` times the real part of ``g``; 0 for a real ``x``
    (its imaginary part is the constant 0)."""
    if is_complex(x):
        return -1j * np.real(g)
    return zeros_like(x)


def conj_grad(g, x):
    """The gradient of ``np.conj(x)``: the conjugate of ``g`` (``g`` itself for a real ``x``)."""
    return np.conj(g) if is_complex(x) else real_like(g, x)


def abs_slope(x):
    """``d|x| / dx`` in the convention above: ``np.sign(x)`` for a real ``x``, ``conj(x) / |x|`` for a complex
    one (0 at 0, as for ``np.sign``)."""
    if not is_complex(x):
        return np.sign(x)
    magnitude = np.abs(x)
    zero = magnitude == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, np.conj(x) / np.where(zero, 1.0, magnitude))


def abs_slope_grad(g, x):
    """The derivative of ``abs_slope`` (second derivatives of ``np.abs``): 0 for a real ``x`` (``np.sign`` is
    piecewise constant); not supported for a complex one."""
    if is_complex(x):
        raise NotImplementedError("second derivatives through np.abs of complex values are not supported yet")
    return zeros_like(x)


def angle_grad(g, x, deg=False):
    """The gradient of ``np.angle(x)``: ``-i conj(x) / |x|**2`` times the real part of ``g`` (0 at 0); 0 for a
    real ``x`` (its angle is piecewise constant)."""
    if not is_complex(x):
        return zeros_like(x)
    squared = np.real(x * np.conj(x))
    zero = squared == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(zero, 0.0, -1j * np.conj(x) / np.where(zero, 1.0, squared))
    if deg:
        slope = slope * (180.0 / np.pi)
    return np.real(g) * slope


def angle_tangent(t, x, deg=False):
    """The tangent of ``np.angle(x)``: ``Im(conj(x) t) / |x|**2`` (0 at 0; 0 for a real ``x``)."""
    if not is_complex(x):
        return zeros_like(x)
    return np.real(t * angle_grad(1.0, x, deg))  # Re(t * slope): the tangent of a real function of x


# -- the FFTs ---------------------------------------------------------------------------------------------


def _fit_length(h, length, axis):
    """``h`` cut or padded with zeros to ``length`` along ``axis`` (an FFT's ``n`` did the reverse)."""
    now = np.shape(h)[axis]
    if now == length:
        return h
    if now > length:
        return np.take(h, np.arange(length), axis=axis)
    widths = [(0, 0)] * np.ndim(h)
    widths[axis] = (0, length - now)
    return np.pad(h, widths)


def fft_grad(g, x, n=None, axis=-1, norm=None, inverse=False):
    """The gradient of ``np.fft.fft(x, n, axis, norm)`` (``ifft`` when ``inverse``). The DFT matrix is
    symmetric, so the transpose of the transform is the transform itself (no conjugate, in this convention);
    ``n`` cut or padded ``x``, which the gradient undoes."""
    transform = np.fft.ifft if inverse else np.fft.fft
    h = _fit_length(transform(g, axis=axis, norm=norm), np.shape(x)[axis], axis)
    return real_like(h, x)


def rfft_grad(g, x, n=None, axis=-1, norm=None):
    """The gradient of ``np.fft.rfft(x, n, axis, norm)``: the transpose of the first ``n // 2 + 1`` rows of the
    DFT matrix is the FFT of ``g`` padded with zeros to ``n``; ``x`` is real, so its real part."""
    length = np.shape(x)[axis] if n is None else n
    h = np.real(np.fft.fft(g, n=length, axis=axis, norm=norm))
    return _fit_length(h, np.shape(x)[axis], axis)


def irfft_grad(g, x, n=None, axis=-1, norm=None):
    """The gradient of ``np.fft.irfft(x, n, axis, norm)`` with respect to the half spectrum ``x``. The result is
    ``Re(x_0) + 2 Re(sum of x_k w^k) (+ Re(x_{n/2}) for an even n)``, scaled as ``ifft`` scales: the gradient
    is ``ifft(g)``'s first ``n // 2 + 1`` entries, doubled except the first (and, for an even ``n``, the last),
    whose imaginary parts ``irfft`` ignores."""
    return real_like(_irfft_transpose(g, np.shape(x)[axis], n, axis, norm), x)


def _irfft_transpose(g, half, n, axis, norm):
    length = 2 * (half - 1) if n is None else n
    kept = length // 2 + 1
    h = np.take(np.fft.ifft(g, n=length, axis=axis, norm=norm), np.arange(kept), axis=axis)
    factor = np.full(kept, 2.0)
    factor[0] = 1.0
    if length % 2 == 0:
        factor[-1] = 1.0
    shape = [1] * np.ndim(h)
    shape[axis] = kept
    return _fit_length(h * np.reshape(factor, shape), half, axis)


def refuse_complex(what, *values):
    """Raise for complex values in a rule written for real ones (a Hermitian factorization, a norm of a
    matrix): its numbers would be wrong, not just slow."""
    for value in values:
        if value is not None and is_complex(value):
            raise NotImplementedError(f"{what} of complex values has no gradient rule yet (ssagrad differentiates "
                                      f"complex arithmetic, np.real/imag/conj/abs/angle, exp, log, matmul and "
                                      f"np.fft; see docs/supported.md, Complex numbers)")


def _fft_axes(x, s, axes):
    if axes is None:
        return tuple(range(np.ndim(x))) if s is None else tuple(range(np.ndim(x) - len(s), np.ndim(x)))
    return tuple(a % np.ndim(x) for a in axes)


def fftn_grad(g, x, s=None, axes=None, norm=None, inverse=False):
    """The gradient of ``np.fft.fftn(x, s, axes, norm)`` (and ``fft2``; ``ifftn``, ``ifft2`` when ``inverse``):
    the same transform of ``g`` (a product of symmetric DFT matrices), cut or padded back to ``x``'s shape."""
    axes = _fft_axes(x, s, axes)
    if len(set(axes)) != len(axes):
        raise NotImplementedError("an n-dimensional FFT over a repeated axis has no gradient rule")
    transform = np.fft.ifftn if inverse else np.fft.fftn
    h = transform(g, axes=axes, norm=norm)
    for axis in axes:
        h = _fit_length(h, np.shape(x)[axis], axis)
    return real_like(h, x)


def _distinct(axes):
    if len(set(axes)) != len(axes):
        raise NotImplementedError("an n-dimensional FFT over a repeated axis has no gradient rule")
    return axes


def rfftn_grad(g, x, s=None, axes=None, norm=None):
    """The gradient of ``np.fft.rfftn(x, s, axes, norm)`` (and ``rfft2``), which is ``rfft`` along the last
    axis and then ``fft`` along the others: their transposes in the reverse order."""
    axes = _distinct(_fft_axes(x, s, axes))
    h = g
    for axis in axes[:-1]:
        h = _fit_length(np.fft.fft(h, axis=axis, norm=norm), np.shape(x)[axis], axis)
    return rfft_grad(h, x, None if s is None else s[-1], axes[-1], norm)


def irfftn_grad(g, x, s=None, axes=None, norm=None):
    """The gradient of ``np.fft.irfftn(x, s, axes, norm)`` (and ``irfft2``) in the half spectrum ``x``:
    ``ifft`` along all axes but the last, then ``irfft`` along it; their transposes in the reverse order."""
    axes = _distinct(_fft_axes(x, s, axes))
    h = _irfft_transpose(g, np.shape(x)[axes[-1]], None if s is None else s[-1], axes[-1], norm)
    for axis in axes[:-1]:
        h = _fit_length(np.fft.ifft(h, axis=axis, norm=norm), np.shape(x)[axis], axis)
    return real_like(h, x)


def sign_grad(g, x):
    """The gradient of ``np.sign``: zero for a real ``x`` (piecewise constant). A complex ``x``'s sign is
    ``x / |x|``, which is not constant: not written yet, and refused rather than answered with zeros."""
    if np.iscomplexobj(x):
        raise NotImplementedError("the derivative of np.sign of a complex value is not supported yet; "
                                  "write x / np.abs(x)")
    return zeros_like(x)
