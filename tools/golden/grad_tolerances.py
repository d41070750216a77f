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
