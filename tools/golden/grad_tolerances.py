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
    channels_last = str(call["data_format"] or "channels_last").lower() == "channels_last"
    spatial = x.shape[1:-1] if channels_last else x.shape[2:]
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


def _pullback(op, call, cotangent, name="inputs"):
    """jax.vjp of keras.ops.<op> at the call's tensor `name`, for `cotangent`, in float64."""
    import jax
    import jax.numpy as jnp
    import keras

    rest = {k: v for k, v in call.items() if k != name}
    _, pullback = jax.vjp(lambda x: getattr(keras.ops, op)(x, **rest), jnp.asarray(call[name]))
    return np.asarray(pullback(jnp.asarray(cotangent, dtype=jnp.float32))[0], dtype=np.float64)
