"""Tolerances of gradient cases whose gradient sums over many values (tools/golden/grad.py's OPS).

Each rule gets the call's arguments by Keras parameter name, the forward outputs and the cotangents (numpy)
and bounds what summing in another order can change: a float32 sum of N terms is off by at most
gamma_(N-1) = (N-1) u / (1 - (N-1) u) times the sum of their magnitudes (u = 2^-24, Higham), doubled
because two implementations each round their own way. As in the forward catalogue, only the accumulation
counts (the forward set checks the outputs the gradient is made of at the default tolerance): a rule
returns None, the default (atol = rtol = 1e-6), when its bound stays within the default atol, else
{"atol", "rtol", "why"}.
"""
import numpy as np

U32 = 2.0 ** -24
DEFAULT_ATOL = 1e-6


def gamma(n) -> float:
    return n * U32 / (1 - n * U32)


def softmax(call, outputs, cotangents):
    """y_i (g_i - sum_j g_j y_j): the sum of N products, each y_i times it."""
    rows = _rows(call, outputs[0], cotangents[0])
    if rows is None:
        return None
    y, g, n = rows
    bound = y * gamma(n - 1) * np.abs(g * y).sum(axis=1, keepdims=True)
    return _tolerance(bound, f"softmax's gradient y * (g - sum(g * y)) sums N={n} products: "
                             "y_i gamma_(N-1) sum|g y|")


def log_softmax(call, outputs, cotangents):
    """g_i - p_i sum_j g_j with p = exp(output): the sum of N cotangents, each p_i times it."""
    rows = _rows(call, np.exp(outputs[0].astype(np.float64)), cotangents[0])
    if rows is None:
        return None
    p, g, n = rows
    bound = p * gamma(n - 1) * np.abs(g).sum(axis=1, keepdims=True)
    return _tolerance(bound, f"log_softmax's gradient g - exp(out) * sum(g) sums N={n} cotangents: "
                             "exp(out_i) gamma_(N-1) sum|g|")


def sparsemax(call, outputs, cotangents):
    """The sum of g where the output is positive (M values) goes back through the threshold's cumulative
    sum of at most N values: off by (gamma_(M-1) + gamma_(N-1)) times sum|g| over those M. (Keras's
    threshold often leaves no output positive: the gradient is then exactly 0.)"""
    rows = _rows(call, outputs[0], cotangents[0])
    if rows is None:
        return None
    out, g, n = rows
    support = out > 0
    m = support.sum(axis=1, keepdims=True)
    total = np.where(support, np.abs(g), 0.0).sum(axis=1, keepdims=True)
    bound = np.broadcast_to((gamma(np.maximum(m - 1, 0)) + gamma(n - 1)) * total, g.shape)
    return _tolerance(bound, f"sparsemax's gradient sums g over the M positive outputs and spreads it back "
                             f"through a cumulative sum of at most N={n} values: (gamma_(M-1) + gamma_(N-1)) "
                             "sum|g| over the M")


def _rows(call, values, cotangent):
    """(values, cotangent, N): float64 rows of the N elements each reduction over `call`'s axis covers;
    None for an empty tensor."""
    values = np.asarray(values, dtype=np.float64)
    axes = _axes(call.get("axis", -1), values.ndim)
    if values.size == 0:
        return None
    n = int(np.prod([values.shape[a] for a in axes]))

    def rows(a):
        return np.moveaxis(np.asarray(a, dtype=np.float64), axes, range(-len(axes), 0)).reshape(-1, n)

    return rows(values), rows(cotangent), n


def _axes(axis, ndim) -> tuple:
    """Keras's axis: None for all, an int, or a tuple (empty: each element alone); a 0-d x has none."""
    if axis is None or ndim == 0:
        return tuple(range(ndim))
    if isinstance(axis, tuple):
        return tuple(a % ndim for a in axis)
    return (axis % ndim,)


def _tolerance(bound, why):
    finite = bound[np.isfinite(bound)]
    atol = 2 * float(finite.max()) if finite.size else 0.0
    if atol <= DEFAULT_ATOL:
        return None
    return {"atol": DEFAULT_ATOL + atol, "rtol": 1e-6,
            "why": f"{why} <= {atol / 2:.3g} each, x2 for two implementations: atol 1e-6 + {atol:.3g}"}


# ---------------------------------------------------------------- activations
# An elementwise gradient sums nothing, but where it is a difference of nearly equal terms (gelu's tails)
# or the small factor 1 - s of a saturated sigmoid (glu), the few ulps by which two float32 tanh or
# sigmoid implementations differ from the true function move it far more than the default tolerance.
# These rules carry that error through the gradient's derivative in the function's value, per element:
# |g| |d grad / d t| ULPS spacing(t), doubled for two implementations.
TANH_ULPS = 6  # measured against float64: libtensorflow's float32 tanh 5.5 ulps, XLA's 3.8
LOGISTIC_ULPS = 4  # 1 / (1 + exp(-x)) in float32: exp's 2 ulps, the sum's and the division's one each


def _spacing32(v):
    return np.spacing(np.abs(np.asarray(v, dtype=np.float32))).astype(np.float64)


def gelu(call, outputs, cotangents):
    """approximate=True: x's gradient 0.5 (1 + t) + 0.5 x (1 - t^2) w', t = tanh(w), w = c (x + 0.044715 x^3),
    moves by |0.5 - x t w'| per unit of t (none where float32 t is exactly +-1, as every tanh saturates). The
    exact form (erfc) has no rule here: what TF.js's erfc and exp make of its tails is measured in
    src/golden/tolerances.ts."""
    if not call.get("approximate", True):
        return None
    x, g = _f64(call["x"]), _f64(cotangents[0])
    c = np.sqrt(2 / np.pi)
    with np.errstate(all="ignore"):
        t = np.tanh(c * (x + 0.044715 * x ** 3))
        dw = c * (1 + 3 * 0.044715 * x ** 2)
        value = g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dw)
        bound = np.abs(g) * np.abs(0.5 - x * t * dw) * TANH_ULPS * _spacing32(t) * (np.abs(np.float32(t)) != 1)
    return _elementwise(bound, value, f"gelu's gradient 0.5 (1 + t) + 0.5 x (1 - t^2) w' cancels in the tails, "
                                      f"where it moves by |0.5 - x t w'| per unit of t = tanh(w): |g| |0.5 - x t w'| "
                                      f"{TANH_ULPS} ulp(t)")


def glu(call, outputs, cotangents):
    """x = [a, b] along the axis, s = sigmoid(b): a's gradient g s, b's g a s (1 - s), which moves by
    |g a (1 - 2 s)| per unit of s, relatively 1 / (1 - s) as s saturates (none where float32 s is 0 or 1)."""
    x, g = _f64(call["x"]), _f64(cotangents[0])
    axis = call.get("axis", -1)
    a, b = np.split(x, 2, axis=axis)
    with np.errstate(all="ignore"):
        s = 1 / (1 + np.exp(-b))
        s32 = np.float32(s)
        ds = LOGISTIC_ULPS * _spacing32(s) * ((s32 != 0) & (s32 != 1))
        value = np.concatenate([g * s, g * a * s * (1 - s)], axis=axis)
        bound = np.concatenate([np.abs(g) * ds, np.abs(g * a * (1 - 2 * s)) * ds], axis=axis)
    return _elementwise(bound, value, f"glu's gradient g a s (1 - s) moves by |g a (1 - 2 s)| per unit of "
                                      f"s = sigmoid(b), relatively 1 / (1 - s) as s saturates: |g a (1 - 2 s)| "
                                      f"{LOGISTIC_ULPS} ulp(s)")


def _elementwise(bound, value, why):
    """{atol, rtol} covering twice `bound` at every finite element: relative where the gradient's value is
    1 or more, absolute below, so one huge element does not loosen the small ones."""
    finite = np.isfinite(bound) & np.isfinite(value)
    large = finite & (np.abs(value) >= 1)
    small = finite & ~large
    rel = 2 * float((bound[large] / np.abs(value[large])).max()) if large.any() else 0.0
    atol = 2 * float(bound[small].max()) if small.any() else 0.0
    if max(rel, atol) <= DEFAULT_ATOL:
        return None
    return {"atol": DEFAULT_ATOL + atol, "rtol": 1e-6 + rel,
            "why": f"{why}, x2 for two implementations: atol 1e-6 + {atol:.3g} where the gradient is below 1, "
                   f"rtol 1e-6 + {rel:.3g} of it above"}


# ---------------------------------------------------------------- normalization and losses
# Their gradients sum a cotangent back over the reduced axes (a reduction's transpose is a broadcast, so
# the sums come from the products and broadcasts that follow it) and cancel: batch norm's and layer
# norm's sum(g * x) - mean * sum(g), the variance's 2 (x - m) gv / N less its own mean. Each rule runs
# the backward computation in float64 twice over, on the values and on their magnitudes (every operand
# |.|, every subtraction an addition: Higham's running bound), with K the roundings on the longest path
# (the forward's sums included, as the gradient reads their results): float32 in any order is off by at
# most gamma_K times the magnitude. Where nothing cancels that is gamma_K of the value, an rtol; what the
# magnitude exceeds the value by, where terms cancel, sets the atol. The float32 mean's own error,
# gamma_N mean|x|, joins the magnitude of each value centred on it.


class _Dual:
    """A float64 value of the backward computation with its magnitude."""

    def __init__(self, v, m=None):
        self.v = np.asarray(v, dtype=np.float64)
        self.m = np.abs(self.v) if m is None else np.asarray(m, dtype=np.float64)

    @staticmethod
    def of(x):
        return x if isinstance(x, _Dual) else _Dual(x)

    def __add__(self, other):
        o = _Dual.of(other)
        return _Dual(self.v + o.v, self.m + o.m)

    def __sub__(self, other):
        o = _Dual.of(other)
        return _Dual(self.v - o.v, self.m + o.m)

    def __mul__(self, other):
        o = _Dual.of(other)
        return _Dual(self.v * o.v, self.m * o.m)

    def __truediv__(self, exact):
        """Division by a value taken as exact (a divisor's own error is counted apart)."""
        return _Dual(self.v / exact, self.m / np.abs(exact))

    def __neg__(self):
        return _Dual(-self.v, self.m)

    def sum(self, axes):
        return _Dual(self.v.sum(axis=axes, keepdims=True), self.m.sum(axis=axes, keepdims=True))

    def mean(self, axes):
        n = _count(self.v.shape, axes)
        return self.sum(axes) / n

    def sum_to(self, shape):
        """numpy broadcasting's transpose: summed back to `shape` (leading dims, and dims of size 1)."""
        lead = self.v.ndim - len(shape)
        axes = tuple(i for i in range(self.v.ndim) if i < lead or (shape[i - lead] == 1 and self.v.shape[i] != 1))
        summed = self.sum(axes)
        return _Dual(summed.v.reshape(shape), summed.m.reshape(shape))


def _f64(value):
    return np.asarray(value, dtype=np.float64)


def _count(shape, axes) -> int:
    return int(np.prod([shape[a] for a in axes]))


def _kept(shape, axes):
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _split(k, gradients, why, rel=0.0, absolute=0.0):
    """{atol, rtol} from the gradients' values and magnitudes (finite ones): gamma_K plus `rel` (a relative
    error carried from the forward) of each value, gamma_K of what its magnitude exceeds it by, plus an
    `absolute` bound. x2 for two implementations."""
    v = np.concatenate([g.v.ravel() for g in gradients])
    m = np.concatenate([g.m.ravel() for g in gradients])
    finite = np.isfinite(v) & np.isfinite(m)
    if not finite.any():
        return None
    excess = max(float((m[finite] - np.abs(v[finite])).max()), 0.0)
    rtol, atol = 2 * (gamma(k) + rel), 2 * (gamma(k) * excess + absolute)
    if rtol * float(m[finite].max()) + atol <= DEFAULT_ATOL:
        return None
    return {"atol": DEFAULT_ATOL + atol, "rtol": 1e-6 + rtol,
            "why": f"{why}: K={k}; float32 in any order is off by <= gamma_K times the gradient on magnitudes: "
                   f"rtol 1e-6 + {rtol:.3g} of the value, atol 1e-6 + {atol:.3g} where terms cancel (x2 for two "
                   "implementations)"}


def _centred(x, axes, n):
    """x - mean, with the float32 mean's error gamma_N mean|x| in its magnitude, and the mean."""
    mean = x.mean(axis=axes, keepdims=True)
    with np.errstate(invalid="ignore"):
        return _Dual(x - mean, np.abs(x - mean) + gamma(n) * np.abs(x).mean(axis=axes, keepdims=True)), mean


def _moments_t(c, axes, n, gm, gv):
    """The transpose of (jnp.mean, jnp.var): gm / N + 2 gv (x - m) / N less its own mean."""
    squares = c * (gv * (2 / n))
    return squares + gm / n - squares.mean(axes)


def moments(call, outputs, cotangents):
    x = _f64(call["x"])
    axes = _axes(call["axes"], x.ndim)
    n = _count(x.shape, axes)
    if x.size == 0:
        return None
    gm, gv = (_Dual(_f64(c).reshape(_kept(x.shape, axes))) for c in cotangents)
    with np.errstate(invalid="ignore"):
        dx = _moments_t(_centred(x, axes, n)[0], axes, n, gm, gv)
    return _split(n + 6, [dx], f"moments' gradient gm / N + 2 gv (x - m) / N less its mean sums N={n} terms")


def batch_normalization(call, outputs, cotangents):
    x, g = _f64(call["x"]), _Dual(_f64(cotangents[0]))
    axis = call["axis"] % max(x.ndim, 1)
    length = np.asarray(call["mean"]).shape[0]
    shape = tuple(length if d == axis else 1 for d in range(x.ndim))
    mean, variance = (_f64(call[k]).reshape(shape) for k in ("mean", "variance"))
    scale = _f64(call["scale"]).reshape(shape) if call["scale"] is not None else np.ones(shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = 1 / np.sqrt(variance + call["epsilon"])
        ct_res = g.sum_to(shape)
        ct_inv = (g * x).sum_to(shape) - ct_res * mean
        grads = [(g * (r * scale)).sum_to(x.shape), ct_res * (r * scale), ct_inv * r, ct_inv * (scale * -0.5 * r ** 3)]
    m = g.v.size // max(length, 1)
    return _split(m + 8, grads, f"batch_normalization's gradients sum g and g * x over M={m} values per channel, "
                                "then cancel (sum(g x) - mean sum(g))")


def normalize(call, outputs, cotangents):
    x = _f64(call["x"]).reshape(np.shape(outputs[0]))
    g = _Dual(_f64(cotangents[0]))
    if x.size == 0:
        return None
    order, eps = int(call["order"]), 1e-7 if call["epsilon"] is None else call["epsilon"]
    axes = _axes(call["axis"], x.ndim)
    n = _count(x.shape, axes)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gx = (g * x).sum(axes)
        if order == 2:
            inv = 1 / np.sqrt((x ** 2).sum(axis=axes, keepdims=True))
            capped = inv > 1 / eps
            dx = g * np.minimum(inv, 1 / eps) - gx * (x * inv ** 3)
        else:
            norm, slope = _norm_and_slope(x, axes, order)
            capped = norm < eps
            denom = np.maximum(norm, eps)
            # Below 2^-63, float32's denom**2 is 0 and JAX's gradient inf or NaN: no bound to take there.
            denom = np.where(denom < 2.0 ** -63, np.nan, denom)
            dx = g / denom - gx * (slope / denom ** 2)
    # Where the cap wins the gradient is g times the cap, one rounding.
    dx = _Dual(dx.v, np.where(capped, np.abs(dx.v), dx.m))
    return _split(2 * n + 2 * order + 8, [dx],
                  f"normalize's gradient (order {order}) sums g * x over N={n} values and cancels against g / norm")


def _norm_and_slope(x, axes, order):
    """The norm of x (a matrix 1-norm over two axes) and its slope d norm / dx per element."""
    a = np.abs(x)
    if len(axes) == 2:
        sums = a.sum(axis=axes[0], keepdims=True)
        norm = sums.max(axis=axes[1], keepdims=True)
        return norm, np.sign(x) * (sums == norm)
    if order == 1:
        return a.sum(axis=axes, keepdims=True), np.sign(x)
    s = (a ** order).sum(axis=axes, keepdims=True)
    return s ** (1 / order), np.sign(x) * a ** (order - 1) * s ** (1 / order - 1)


def rms_normalization(call, outputs, cotangents):
    x = _f64(call["x"])
    x = x.reshape(1) if x.ndim == 0 else x
    g = _Dual(_f64(cotangents[0]))
    axes = _axes(call["axis"], x.ndim)
    n = _count(x.shape, axes)
    if x.size == 0 or n == 0:
        return None
    eps = 1e-7 if call["epsilon"] is None else float(call["epsilon"])
    scale = None if call["scale"] is None else _f64(call["scale"])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = 1 / np.sqrt((x ** 2).mean(axis=axes, keepdims=True) + eps)
        ct_normalized = g if scale is None else (g * scale).sum_to(x.shape)
        grads = [ct_normalized * r - (ct_normalized * x).sum(axes) * (x * r ** 3 / n)]
        if scale is not None and scale.ndim:
            grads.append((g * (x * r)).sum_to(scale.shape))
    m = g.v.size // x.size
    return _split(2 * n + m + 10, grads, f"rms_normalization's gradient sums g * x over N={n} values and cancels "
                                         "against g * rsqrt(mean(x**2))")


def layer_normalization(call, outputs, cotangents):
    x, g = _f64(call["x"]), _Dual(_f64(cotangents[0]))
    axis = call["axis"]
    axis_list = sorted(axis) if isinstance(axis, tuple) else [axis]
    axes = _axes(tuple(axis_list), x.ndim)
    n = _count(x.shape, axes)
    if x.size == 0 or n == 0:
        return None
    gamma_, beta = (_layer_shape(call[k], x.shape, axis_list, axes) for k in ("gamma", "beta"))
    eps = 1e-7 if call["epsilon"] is None else float(call["epsilon"])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c, mean = _centred(x, axes, n)
        r = 1 / np.sqrt(((x - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
        inv = r * (1.0 if gamma_ is None else gamma_)
        # The mean's float32 error counts where it multiplies sum(g): in the mean's magnitude.
        neg_mean = _Dual(-mean, np.abs(mean) + gamma(n) * np.abs(x).mean(axis=axes, keepdims=True))
        ct_scaled = g.sum_to(np.broadcast_shapes(x.shape, inv.shape))
        ct_res = g.sum_to(np.broadcast_shapes(mean.shape, inv.shape, () if beta is None else beta.shape))
        ct_inv = (ct_scaled * x).sum_to(inv.shape) + (ct_res * neg_mean).sum_to(inv.shape)
        ct_r = ct_inv if gamma_ is None else (ct_inv * gamma_).sum_to(r.shape)
        ct_mean = -(ct_res * inv).sum_to(mean.shape)
        grads = [(ct_scaled * inv).sum_to(x.shape) + _moments_t(c, axes, n, ct_mean, ct_r * (-0.5 * r ** 3))]
        grads += [] if gamma_ is None else [(ct_inv * r).sum_to(gamma_.shape)]
        grads += [] if beta is None else [ct_res.sum_to(beta.shape)]
    m = g.v.size // max(inv.size, 1)
    return _split(2 * n + m + 12, grads, f"layer_normalization's gradient sums over N={n} values per statistic and "
                                         "cancels (sum(g x) - mean sum(g), the variance's 2 (x - m) gv / N less its mean)")


def _layer_shape(value, shape, axis_list, axes):
    """gamma or beta as Keras reshapes it: to x's rank (x's size on the axes) unless it has that rank or
    axis is exactly [rank - 1]."""
    if value is None:
        return None
    v = _f64(value)
    if v.ndim == len(shape) or axis_list == [len(shape) - 1]:
        return v
    return v.reshape(tuple(shape[i] if i in axes else 1 for i in range(len(shape))))


def categorical_crossentropy(call, outputs, cotangents):
    o = _f64(call["output"])
    axes = _axes(call["axis"], o.ndim)
    return _crossentropy(_f64(call["target"]), o, axes, call["from_logits"], cotangents[0])


def sparse_categorical_crossentropy(call, outputs, cotangents):
    o = _f64(call["output"])
    axis = call["axis"] % o.ndim
    labels = _f64(call["target"])
    if labels.ndim == o.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    # JAX's int32 cast truncates; NaN and out-of-range labels match no class.
    classes = np.arange(o.shape[axis]).reshape((-1,) + (1,) * (o.ndim - 1 - axis))
    one_hot = np.expand_dims(np.trunc(np.nan_to_num(labels, nan=-1)), axis) == classes
    return _crossentropy(one_hot.astype(np.float64), o, (axis,), call["from_logits"], cotangents[0])


def _crossentropy(t, o, axes, from_logits, cotangent):
    """-sum(t * log p) over `axes`, N classes: the output's gradient sums N products (log_softmax's
    g - p sum(g), or the renormalisation's ct / s - sum(ct o) / s**2, whose float32 sum s carries a
    relative error gamma_N sum|o| / |s| into q, p and both divisions), and the target's is -g log p, off
    by log p's error."""
    full = np.broadcast_shapes(t.shape, o.shape)
    if o.size == 0 or np.prod(full) == 0:
        return None
    n = _count(full, axes)
    g = -_Dual(_f64(cotangent).reshape(_kept(full, axes)))
    ct_logp = (g * t).sum_to(o.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if from_logits:
            shifted = o - o.max(axis=axes, keepdims=True)
            p = np.exp(shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True)))
            grad, rel = ct_logp - ct_logp.sum(axes) * p, gamma(n)
        else:
            s = o.sum(axis=axes, keepdims=True)
            q = o / s
            inside = (q >= 1e-7) & (q <= 1 - 1e-7)
            ct_q = ct_logp * np.where(inside, 1 / np.clip(q, 1e-7, 1 - 1e-7), 0.0)
            grad = ct_q / s - (ct_q * o).sum(axes) / s ** 2
            rel = 4 * gamma(n) * np.abs(o).sum(axis=axes, keepdims=True) / np.abs(s)
    rel = np.asarray(rel)[np.isfinite(rel)]
    rel = float(rel.max()) if rel.size else 0.0
    absolute = float(np.abs(g.v).max()) * (rel + gamma(4))
    return _split(n + 8, [grad], f"crossentropy over N={n} classes sums N products for the output, and the "
                                 "target's -g log p reads log p off by the class sum's relative error", rel, absolute)


def psnr(call, outputs, cotangents):
    """-10 / (log(10) mse) * 2 (x1 - x2) / N: relative, mse being a float32 mean of N positive squares."""
    n = int(np.size(call["x1"]))
    rel = 2 * gamma(n + 8)
    if rel <= DEFAULT_ATOL:
        return None
    return {"atol": DEFAULT_ATOL, "rtol": 1e-6 + rel,
            "why": f"psnr's gradient divides by mse, a float32 mean of N={n} positive squares: off by <= "
                   f"gamma_(N+8) relatively, x2 for two implementations: rtol 1e-6 + {rel:.3g}"}


# ---------------------------------------------------------------- pooling
def pooling(op, widest):
    """A pool's gradient adds at each input cell a share of every window that reaches it: a max window's
    whole cotangent at the one cell it picks, an average's cotangent divided by its divisor at every real
    cell. Each share is at most one rounding from exact, and any float32 order of adding N of them is off
    by gamma_(N-1) times the sum of their magnitudes, so gamma_N bounds both. The magnitudes are the
    gradient of |g| (the windows pick their cells from x alone); N, from the gradient of ones, whose shares
    are 1 / divisor >= 1 / `widest(call)`."""
    def rule(call, outputs, cotangents):
        g = cotangents[0]
        magnitudes = _pullback(op, call, np.abs(g))
        shares = np.ceil(_pullback(op, call, np.ones_like(g)) * widest(call))
        return _tolerance(gamma(shares) * magnitudes,
                          f"{op}'s gradient adds at each cell up to N={int(shares.max(initial=0))} window "
                          "shares, each one rounding from its cotangent: gamma_N sum|share|")
    return rule


def one(call) -> int:
    """A max window's share is its cotangent: the gradient of ones counts them."""
    return 1


def pool_cells(call) -> int:
    """pool_size's product: an int stands for every spatial dim."""
    size, nd = call["pool_size"], np.ndim(call["inputs"]) - 2
    return int(np.prod(size if isinstance(size, tuple) else (size,) * nd))


def adaptive_cells(call) -> int:
    """The largest adaptive window, ceil(n / out) + 1 cells along each spatial dim."""
    x, size = call["inputs"], call["output_size"]
    spatial = _spatial(x.shape, call["data_format"])
    sizes = size if isinstance(size, tuple) else (size,) * len(spatial)
    return int(np.prod([-(-n // s) + 1 for n, s in zip(spatial, sizes)]))


# ---------------------------------------------------------------- patches
def unfold(call, outputs, cotangents):
    """unfold's gradient adds at each pixel the cotangents of the N window taps that read it, each exact
    (fold's and depth_to_space's, space_to_depth's, are moves of single values): gamma_(N-1) sum|g|."""
    g = cotangents[0]
    magnitudes = _pullback("unfold", call, np.abs(g), "x")
    taps = _pullback("unfold", call, np.ones_like(g), "x")
    return _tolerance(gamma(np.maximum(taps - 1, 0)) * magnitudes,
                      f"unfold's gradient adds at each pixel up to N={int(taps.max(initial=0))} window taps' "
                      "cotangents: gamma_(N-1) sum|g|")


# ---------------------------------------------------------------- conv_transpose
def conv_transpose(call, outputs, cotangents):
    """conv_transpose's gradients are strided convolutions of the cotangent: each input gradient value sums
    kernel_taps * C_out products of a cotangent and a kernel value, each kernel gradient value batch *
    input_positions products of an input and a cotangent value. A float32 dot product of N terms in any
    order is off by at most gamma_N times the sum of their magnitudes (the products' roundings included),
    and those magnitudes are the gradients for |g| of the op on |kernel| and on |inputs|."""
    x, kernel, g = call["inputs"], call["kernel"], np.abs(cotangents[0])
    taps, c_out = int(np.prod(kernel.shape[:-2])), kernel.shape[-2]
    n_inputs, n_kernel = taps * c_out, x.shape[0] * int(np.prod(_spatial(x.shape, call["data_format"])))
    bound = np.concatenate([
        (gamma(n_inputs) * _pullback("conv_transpose", {**call, "kernel": np.abs(kernel)}, g)).ravel(),
        (gamma(n_kernel) * _pullback("conv_transpose", {**call, "inputs": np.abs(x)}, g, "kernel")).ravel(),
    ])
    return _tolerance(bound, f"conv_transpose's gradients sum N={n_inputs} products (kernel taps x C_out) per "
                             f"input value and N={n_kernel} (batch x input positions) per kernel value: "
                             "gamma_N sum|products|")


# ---------------------------------------------------------------- conv, depthwise_conv, separable_conv
# lax's transposes of a grouped convolution: each input gradient value sums kernel_taps * C_out / groups
# products of a cotangent and a kernel value, each kernel gradient value batch * output_positions products
# of an input and a cotangent value. As conv_transpose's: gamma_N times the gradients of the op on the
# magnitudes of its tensors for |g|. separable_conv chains two: its depthwise stage reads the pointwise
# stage's input gradient, and its pointwise kernel gradient the depthwise result, each carrying the first
# stage's error into the second's terms, so their counts add.
def conv(call, outputs, cotangents):
    kernel = call["kernel"]
    groups = _channels(call["inputs"], call["data_format"]) // max(kernel.shape[-2], 1)
    counts = {"inputs": _taps(kernel) * kernel.shape[-1] // max(groups, 1), "kernel": _positions(cotangents[0], call)}
    return _conv_rule("conv", call, cotangents, counts, f"conv's gradients (groups {groups})")


def depthwise_conv(call, outputs, cotangents):
    kernel = call["kernel"]
    counts = {"inputs": _taps(kernel) * kernel.shape[-1], "kernel": _positions(cotangents[0], call)}
    return _conv_rule("depthwise_conv", call, cotangents, counts, "depthwise_conv's gradients (groups C_in)")


def separable_conv(call, outputs, cotangents):
    dw, pw, g = call["depthwise_kernel"], call["pointwise_kernel"], cotangents[0]
    groups = (dw.shape[-2] * dw.shape[-1]) // max(pw.shape[-2], 1)
    pointwise_in = _taps(pw) * pw.shape[-1] // max(groups, 1)
    dilation = np.broadcast_to(call["dilation_rate"], len(pw.shape) - 2)
    mid = [n + (k - 1) * d for n, k, d in zip(_spatial(g.shape, call["data_format"]), pw.shape[:-2], dilation)]
    counts = {"inputs": pointwise_in + _taps(dw) * dw.shape[-1], "depthwise_kernel": pointwise_in + g.shape[0] * int(np.prod(mid)),
              "pointwise_kernel": _taps(dw) + _positions(g, call)}
    return _conv_rule("separable_conv", call, cotangents, counts, "separable_conv's gradients, its two stages' sums chained")


def _conv_rule(op, call, cotangents, counts, what):
    """gamma_N times the gradient on magnitudes, N per float32 tensor from `counts`: rtol gamma_N of the
    value, atol gamma_N of what the magnitude exceeds it by (the terms that cancel), so that a value near
    float32's top (the special cases' 3e38) bounds its own error, not every other value's."""
    g = cotangents[0]
    names = [name for name in counts if call[name].dtype == np.float32]
    if g.size == 0 or not names:
        return None
    magnitudes = {k: np.abs(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    rtol, atol = 0.0, 0.0
    with np.errstate(invalid="ignore"):
        for n in names:
            m, v = _pullback(op, magnitudes, np.abs(g), n), _pullback(op, call, g, n)
            finite = np.isfinite(m) & np.isfinite(v)
            rtol = max(rtol, 2 * gamma(counts[n]))
            atol = max(atol, 2 * gamma(counts[n]) * float((m - np.abs(v))[finite].max(initial=0)))
    shown = ", ".join(f"{n} N={counts[n]}" for n in names)
    return {"atol": DEFAULT_ATOL + atol, "rtol": 1e-6 + rtol,
            "why": f"{what} sum per value {shown} products; float32 in any order is off by <= gamma_N sum|products|: "
                   f"rtol 1e-6 + {rtol:.3g} of the value, atol 1e-6 + {atol:.3g} where terms cancel (x2 for two "
                   "implementations)"}


def _taps(kernel) -> int:
    return int(np.prod(kernel.shape[:-2]))


def _channels(x, data_format) -> int:
    channels_last = str(data_format or "channels_last").lower() == "channels_last"
    return x.shape[-1] if channels_last else x.shape[1]


def _positions(g, call) -> int:
    """batch x output positions: the terms of each kernel gradient value."""
    return g.shape[0] * int(np.prod(_spatial(g.shape, call["data_format"])))


def _spatial(shape, data_format):
    """The spatial dims of a conv operand in Keras's data_format (None: channels_last)."""
    channels_last = str(data_format or "channels_last").lower() == "channels_last"
    return shape[1:-1] if channels_last else shape[2:]


# ---------------------------------------------------------------- attention
def dot_product_attention(call, outputs, cotangents):
    """Each probability's cotangent sums V products g . v; the softmax's transpose sums S products per row;
    each gradient sums L products: dq S of (dlogits, k), dk and dv G*T of (dlogits, q) and (p, g), times
    what a broadcast input adds up, and the bias what its broadcast adds up. The backward run in float64
    on values and magnitudes (_Dual) gives gamma_K of the magnitude, K those sums and the steps between.
    The logits are also off by their own sum, the q . k of H products in another order: up to
    e = gamma_H |scale| max sum|q k| in a row, which moves a probability by at most 2e y (1 - y) (the
    shift cancels in the softmax); carried through the backward on magnitudes, that is an absolute term.
    The float32 roundings of the scale and the bias add are the same in both implementations for the same
    dot product, so they count only through it."""
    q, k, v, bias, keep, scale = _attention_operands(call)
    B, T, N, H = q.shape
    _, S, K, V = v.shape
    G = N // K
    if B * T * N * S == 0:
        return None
    ct = np.asarray(cotangents[0], dtype=np.float64).reshape(B, T, N, V)
    kf, vf = np.repeat(k, G, axis=2), np.repeat(v, G, axis=2)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        logits = np.einsum("btnh,bsnh->bnts", q, kf) * scale + (0.0 if bias is None else bias[1])
        padded = np.where(keep, logits, -0.7 * float(np.finfo(np.float32).max))
        u = np.exp(padded - padded.max(axis=3, keepdims=True))
        y = u / u.sum(axis=3, keepdims=True)
        dp = _einsum("btnv,bsnv->bnts", _Dual(ct), _Dual(vf))
        dl = _Dual(y) * (dp - (_Dual(y) * dp).sum((3,)))
        dl = _Dual(np.where(keep, dl.v, 0.0), np.where(keep, dl.m, 0.0))
        ds = dl * scale
        grads = {
            "query": _einsum("bnts,bsnh->btnh", ds, _Dual(kf)),
            "key": _grouped(_einsum("bnts,btnh->bsnh", ds, _Dual(q)), K, G),
            "value": _grouped(_einsum("bnts,btnv->bsnv", _Dual(y), _Dual(ct)), K, G),
            "bias": None if bias is None else dl.sum_to(bias[0].shape),
        }
        shifts = _logit_shifts(q, kf, y, dp.v, keep, scale, ct, K, G)
    full = {"query": (B, T, N, H), "key": (B, S, K, H), "value": (B, S, K, V)}
    counts = [S * _spread(full["query"], np.shape(call["query"])), G * T * _spread(full["key"], np.shape(call["key"])),
              G * T * _spread(full["value"], np.shape(call["value"]))]
    counts += [] if bias is None else [B * N * T * S // max(bias[0].size, 1)]
    wanted = [n for n in ("query", "key", "value") if np.asarray(call[n]).dtype == np.float32]
    duals = [grads[n].sum_to(_padded(np.shape(call[n]))) for n in wanted] + ([grads["bias"]] if bias is not None else [])
    shift = max([float(np.nanmax(shifts[n], initial=0.0)) for n in wanted + ([] if bias is None else ["bias"])])
    length = max(counts)
    return _split(V + 2 * S + length + 10, duals,
                  f"dot_product_attention's gradients sum V={V} products into each probability's cotangent, S={S} "
                  f"through the softmax and up to L={length} into each input, and the logits' q . k of H={H} "
                  f"products moves the probabilities (2 gamma_H |scale| max sum|q k| y (1 - y)): <= {shift:.3g} "
                  "in the gradients", absolute=shift)


def _logit_shifts(q, kf, y, dp, keep, scale, ct, K, G) -> dict:
    """What the logits' own error e (per row, gamma_H |scale| max sum|q k|) moves each gradient by, at most:
    dy = 2e y (1 - y), and d(dlogits) from dy in y (dp - sum(y dp)) and in sum(y dp) (dp centred, as
    the shifts sum to 0); then through |k|, |q|, |g| and the bias's sums."""
    H = q.shape[3]
    dot = gamma(H) * abs(scale) * np.einsum("btnh,bsnh->bnts", np.abs(q), np.abs(kf))
    e = np.where(keep & np.isfinite(dot), dot, 0.0).max(axis=3, keepdims=True)
    dy = 2 * e * y * (1 - y)
    centred = np.abs(dp - (y * dp).sum(axis=3, keepdims=True))
    ddl = np.where(keep, dy * centred + y * (dy * centred).sum(axis=3, keepdims=True), 0.0)
    B, S = kf.shape[:2]
    group = lambda a: a.reshape(B, S, K, G, -1).sum(axis=3)
    return {
        "query": abs(scale) * np.einsum("bnts,bsnh->btnh", ddl, np.abs(kf)),
        "key": group(abs(scale) * np.einsum("bnts,btnh->bsnh", ddl, np.abs(q))),
        "value": group(np.einsum("bnts,btnv->bsnv", dy, np.abs(ct))),
        "bias": ddl,
    }


def _attention_operands(call):
    """float64 q (B, T, N, H), k and v (B, S, K, H|V) broadcast as Keras's einsums read them; the bias as
    (its rank-4 grouping, that broadcast to (B, N, T, S)) or None; `keep`, the (B, N, T, S) logits the mask
    and the causal mask keep; the float scale. Lower ranks grow as Keras's path does: jax.nn's leading 1s, or
    from Keras 3.12 its fallback's (where jax.nn raises) insertion at dim 1, or 2 for (B, N, S)."""
    q, k, v = (_f64(call[n]).reshape(_padded(np.shape(call[n]))) for n in ("query", "key", "value"))
    bias, mask = call["bias"], call["mask"]
    N = q.shape[2]
    rule = _attention_rule(call)
    grouped = [None if t is None else _f64(t).reshape(_rank4(np.shape(t), rule, N)) for t in (bias, mask)]
    B = max(q.shape[0], k.shape[0], v.shape[0])
    S = max([k.shape[1], v.shape[1]] + [t.shape[3] for t in grouped if t is not None])
    H, K, V = max(q.shape[3], k.shape[3]), k.shape[2], v.shape[3]
    T = q.shape[1]
    target = (B, N, T, S)
    q, k, v = (np.broadcast_to(a, s) for a, s in ((q, (B, T, N, H)), (k, (B, S, K, H)), (v, (B, S, K, V))))
    b4, m4 = grouped
    bias = None if b4 is None else (b4, np.broadcast_to(b4, target))
    keep = np.ones(target, bool)
    with np.errstate(invalid="ignore"):
        keep &= True if m4 is None else m4 != 0
    keep &= np.tril(np.ones((T, S), bool)) if call["is_causal"] else True
    scale = call["scale"]
    scale = 1 / np.sqrt(np.shape(call["key"])[-1]) if scale is None else float(scale)
    return q, k, v, bias, keep, scale


def _attention_rule(call) -> str:
    """'jax' where Keras runs jax.nn.dot_product_attention (always before 3.12), 'keras' where it raises."""
    import jax
    import keras

    if tuple(int(p) for p in keras.version().split(".")[:2]) < (3, 12):
        return "jax"
    f32 = [None if call[n] is None else np.asarray(call[n], np.float32) for n in ("query", "key", "value", "bias")]
    try:
        jax.nn.dot_product_attention(*f32[:3], bias=f32[3], mask=call["mask"], scale=call["scale"],
                                     is_causal=bool(call["is_causal"]))
        return "jax"
    except Exception:  # Keras catches any and falls back
        return "keras"


def _rank4(shape, rule, heads) -> tuple:
    shape = tuple(shape)
    if rule == "jax":
        return (1,) * (4 - len(shape)) + shape
    while len(shape) < 4:
        shape = shape[:2] + (1,) + shape[2:] if len(shape) == 3 and shape[1] == heads else shape[:1] + (1,) + shape[1:]
    return shape


def _padded(shape) -> tuple:
    """jax.nn's _ensure_4d of q, k or v (Keras 3.6 takes a lower-rank key and value)."""
    return (1,) * (4 - len(shape)) + tuple(shape)


def _spread(full, shape) -> int:
    """How many values of `full` a value of the broadcast `shape` gathers."""
    return int(np.prod(full)) // max(int(np.prod(shape)), 1)


def _grouped(d, K, G):
    """A (B, S, N, d) cotangent of the kv heads repeated G times, summed back to (B, S, K, d)."""
    B, S, _, D = d.v.shape
    return _Dual(d.v.reshape(B, S, K, G, D).sum(axis=3), d.m.reshape(B, S, K, G, D).sum(axis=3))


def _einsum(spec, a, b):
    return _Dual(np.einsum(spec, a.v, b.v), np.einsum(spec, a.m, b.m))


# ---------------------------------------------------------------- ctc_loss
def ctc_loss(call, outputs, cotangents):
    """Keras's ctc_loss is a sum over alignment paths in log space (optax's recursion, LOG_EPSILON = -1e5
    in place of log(0)), and its gradient for lp[t, k] = log_softmax(output)[t, k] is g times the
    posterior weight of the paths using lp[t, k], the products of logaddexp's exp(x - out) along them.
    Each path uses one log-prob per frame and all weights are positive, so a frame's log-prob
    cotangents have magnitudes summing to |g|: with every weight off by a relative eps, each is off by
    eps |g| in all, and log_softmax's transpose dlp - p sum(dlp) doubles it, plus gamma_(C+4) |g| of its
    own. A derivation of eps in rounding terms is not tractable, so it is bounded by the sum of
    magnitudes along the recursion: each of K = 6 T + C + 4 roundings (per frame a log-prob's add, two
    logaddexps, a penalty's add, each weight's subtraction and exp; log_softmax's over C classes) is off
    by u times the log-value it makes, a partial path score, at most |loss| + 2 T ln 2 in magnitude (the
    log-probs and penalties are <= 0 and each logaddexp adds at most ln 2): eps <= gamma_K (|loss| +
    2 T ln 2), T the frames that run (output_length clipped to [0, T]). An impossible alignment costs
    about 1e5, and float32 then resolves its weights to ~u 1e5 relatively: its bound is large."""
    logits = np.asarray(call["output"])
    if logits.size == 0:
        return None
    _, steps, classes = logits.shape
    frames = np.clip(np.asarray(call["output_length"], dtype=np.int64), 0, steps)
    loss, g = np.abs(_f64(outputs[0])), np.abs(_f64(cotangents[0]))
    k = 6 * frames + classes + 4
    with np.errstate(invalid="ignore"):
        eps = gamma(k) * (loss + 2 * frames * np.log(2))
        bound = np.where(frames > 0, 2 * g * eps + gamma(classes + 4) * g, 0.0)
    return _tolerance(bound, f"ctc_loss's gradient is g times the posterior weights of the alignment paths, "
                             f"over T={steps} frames and C={classes} classes: 2 |g| gamma_K (|loss| + 2 T ln 2) "
                             "+ gamma_(C+4) |g|, K = 6 T + C + 4, a bound by the magnitudes along the recursion")


# ---------------------------------------------------------------- polar
def polar(call, outputs, cotangents):
    """With cr = Re(ct) and ci = -Im(ct), d abs_ = cr cos + ci sin and d angle = -(abs_ cr) sin + (abs_ ci)
    cos per element (adapters/reference/grad/complex.ts), each term a product or two and cos or sin within
    1 ulp of its rounding: the two terms are off by gamma_4 of their magnitudes and may cancel. An input
    broadcast to the output's shape sums N such values back: gamma_(N+4) times the magnitudes' sum."""
    ct = np.asarray(cotangents[0])
    if ct.size == 0:
        return None
    a, t = (np.broadcast_to(_f64(call[k]), ct.shape) for k in ("abs_", "angle"))
    cr, ci = np.abs(ct.real.astype(np.float64)), np.abs(ct.imag.astype(np.float64))
    bounds = []
    with np.errstate(invalid="ignore", over="ignore"):
        cos, sin = np.abs(np.cos(t)), np.abs(np.sin(t))
        for name, magnitude in (("abs_", cr * cos + ci * sin), ("angle", np.abs(a) * (cr * sin + ci * cos))):
            shape = np.shape(call[name])
            n = ct.size // max(int(np.prod(shape)), 1)
            bounds.append((gamma(n + 4) * _Dual(magnitude).sum_to(shape).v).ravel())
    return _tolerance(np.concatenate(bounds), "polar's gradients are two products per element, summed back over "
                                              "the N elements an input was broadcast to: gamma_(N+4) sum|terms|")


def _pullback(op, call, cotangent, name="inputs"):
    """jax.vjp of keras.ops.<op> at the call's tensor `name`, for `cotangent`, in float64."""
    import jax
    import jax.numpy as jnp
    import keras

    rest = {k: v for k, v in call.items() if k != name}
    _, pullback = jax.vjp(lambda x: getattr(keras.ops, op)(**{name: x}, **rest), jnp.asarray(call[name]))
    return np.asarray(pullback(jnp.asarray(cotangent, dtype=jnp.float32))[0], dtype=np.float64)
