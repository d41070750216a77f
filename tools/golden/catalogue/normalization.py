"""moments, batch_normalization, normalize, rms_normalization (Keras 3.9 on) and layer_normalization (3.11 on).

Ids read `<op>/<param>=<value>-...-<shape>-<dtype>`; a parameter left at its default is not named,
and `error-` marks a call Keras rejects.
"""
import numpy as np

from ..common import Case, fmt, normal, uniform, make_case, axis_tag, shape_tag

INF = np.inf
NAN = np.nan








def _ints(case_id, shape, scale):
    """int32 values spread like normal(scale), negatives included."""
    return np.round(normal(case_id, shape, scale=scale)).astype(np.int32)


# ---------------------------------------------------------------------------------------------- moments

def _moments_axes():
    out = []
    sweep = [((5,), [(0,), (-1,)]),
             ((3, 4), [(0,), (1,), (-1,), (0, 1)]),
             ((2, 3, 4), [(0,), (1,), (2,), (-1,), (-2,), (0, 1), (0, 2), (1, 2), (0, 1, 2), (2, 0), (-1, 0)]),
             ((2, 2, 3, 2), [(0, 1, 2), (0, 2, 3)])]
    for shape, axes_list in sweep:
        for axes in axes_list:
            for keepdims in (False, True):
                out.append(make_case("moments", f"axes={axis_tag(axes)}-keepdims={fmt(keepdims)}-{shape_tag(shape)}-f32",
                                 lambda cid: [normal(cid, shape, scale=2.0) + np.float32(0.5), axes],
                                 {"keepdims": keepdims}))
    return out


def _moments_other():
    def x(cid):
        return normal(cid, (2, 3, 4))

    return [
        make_case("moments", "axes=1-default-3x4-f32", lambda cid: [normal(cid, (3, 4)), (1,)]),
        make_case("moments", "axes=0x1-positional-keepdims=t-2x3x4-f32", lambda cid: [x(cid), (0, 1), True]),
        make_case("moments", "axes=0-synchronized=f-3x4-f32", lambda cid: [normal(cid, (3, 4)), (0,)],
              {"synchronized": False}),
        # Keras documents a list of axes, but its backends take an int and None too.
        make_case("moments", "axes=int1-2x3x4-f32", lambda cid: [x(cid), 1]),
        make_case("moments", "axes=none-2x3x4-f32", lambda cid: [x(cid), None]),
        make_case("moments", "axes=empty-2x3x4-f32", lambda cid: [x(cid), ()]),
        make_case("moments", "axes=empty-scalar-f32", [np.float32(3.5), ()]),
        make_case("moments", "axes=0-0x3-f32", [np.zeros((0, 3), np.float32), (0,)]),
        # Large means: a one-pass E[x^2]-E[x]^2 loses everything here; JAX is two-pass.
        make_case("moments", "axes=0-offset1e4-8x3-f32", lambda cid: [normal(cid, (8, 3)) + np.float32(1e4), (0,)]),
        make_case("moments", "axes=1-offset-1e4-3x8-f32", lambda cid: [normal(cid, (3, 8)) - np.float32(1e4), (1,)]),
        make_case("moments", "axes=0x1-offset1e6-4x6-f32",
              lambda cid: [normal(cid, (4, 6), scale=100.0) + np.float32(1e6), (0, 1)]),
        make_case("moments", "axes=1-scale1e18-3x4-f32", lambda cid: [normal(cid, (3, 4), scale=1e18), (1,)]),
        make_case("moments", "axes=1-scale1e20-3x4-f32", lambda cid: [normal(cid, (3, 4), scale=1e20), (1,)]),
        make_case("moments", "axes=1-special-4x4-f32",
              [np.array([[1, 2, INF, 4], [1, 2, NAN, 4], [-INF, INF, 0, 0], [1e30, -1e30, 1e-30, 0]], np.float32),
               (1,)]),
        make_case("moments", "axes=0-3x4-i32", lambda cid: [_ints(cid, (3, 4), 50.0), (0,)]),
        make_case("moments", "axes=0x1-keepdims=t-3x4-i32", lambda cid: [_ints(cid, (3, 4), 50.0), (0, 1)],
              {"keepdims": True}),
        make_case("moments", "axes=0-3x4-bool", lambda cid: [normal(cid, (3, 4)) > 0, (0,)]),
    ]


def _moments_errors():
    def x(cid):
        return [normal(cid, (2, 3, 4)), (0,)]

    return [
        make_case("moments", "error-synchronized=t-2x3x4-f32", x, {"synchronized": True}),
        make_case("moments", "error-axes=0x0-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4)), (0, 0)]),
        make_case("moments", "error-axes=3-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4)), (3,)]),
    ]


# ---------------------------------------------------------------------------------- batch_normalization

def _bn_args(cid, shape, axis, offset, scale, x_dtype=np.float32):
    """x, mean, variance (positive) and the optional offset/scale vectors of length x.shape[axis]."""
    n = shape[axis]
    x = normal(cid, shape, scale=3.0) + np.float32(1.0)
    if x_dtype == np.int32:
        x = np.round(x).astype(np.int32)
    args = [x, normal(cid, (n,), salt=1), uniform(cid, (n,), 0.1, 2.0, salt=2), axis]
    kwargs = {}
    if offset:
        kwargs["offset"] = normal(cid, (n,), salt=3)
    if scale:
        kwargs["scale"] = uniform(cid, (n,), -2.0, 2.0, salt=4)
    return args, kwargs


def _bn(tag, shape, axis, offset=True, scale=True, x_dtype=np.float32, **extra):
    case_id = f"batch_normalization/{tag}"
    args, kwargs = _bn_args(case_id, shape, axis, offset, scale, x_dtype)
    return Case(case_id, "batch_normalization", tuple(args), {**kwargs, **extra})


def _os(offset, scale):
    return ("offset-" if offset else "") + ("scale-" if scale else "") or "plain-"


def _batch_normalization():
    out = []
    for axis in (-1, 1):
        for offset in (False, True):
            for scale in (False, True):
                out.append(_bn(f"axis={axis}-{_os(offset, scale)}2x3x4-f32", (2, 3, 4), axis, offset, scale))
    for axis in (2, 0, -2, -3):
        out.append(_bn(f"axis={axis}-offset-scale-2x3x4-f32", (2, 3, 4), axis))
    out.append(_bn("axis=-2-offset-2x3x4-f32", (2, 3, 4), -2, True, False))
    out.append(_bn("axis=-2-plain-2x3x4-f32", (2, 3, 4), -2, False, False))
    out.append(_bn("axis=-3-scale-2x3x4-f32", (2, 3, 4), -3, False, True))
    out += [
        _bn("axis=0-offset-scale-5-f32", (5,), 0),
        _bn("axis=-1-offset-scale-scalarlike-1-f32", (1,), -1),
        _bn("axis=1-offset-scale-2x3x2x2-f32", (2, 3, 2, 2), 1),
        _bn("axis=-1-plain-2x3x2x2-f32", (2, 3, 2, 2), -1, False, False),
        _bn("axis=3-scale-2x2x2x3-f32", (2, 2, 2, 3), 3, False, True),
        _bn("axis=-1-offset-scale-0x3-f32", (0, 3), -1),
        _bn("axis=-1-offset-scale-2x3x4-i32", (2, 3, 4), -1, x_dtype=np.int32),
    ]
    for eps in (1e-5, 0.1, 0.0, 1, 1e-3):
        out.append(_bn(f"axis=-1-offset-scale-eps={fmt(eps)}-3x4-f32", (3, 4), -1, epsilon=eps))
    return out + _bn_edges()


def _bn_edges():
    """Zero variance with and without epsilon, special values in x, positional arguments."""
    out = []
    cid = "batch_normalization/axis=-1-zerovar-3x4-f32"
    zero_var = (normal(cid, (3, 4)), normal(cid, (4,), salt=1), np.array([0, 1, 0, 2], np.float32), -1)
    out.append(Case(cid, "batch_normalization", zero_var))
    cid = "batch_normalization/axis=-1-zerovar-eps=0.0-3x4-f32"
    out.append(Case(cid, "batch_normalization", zero_var, {"epsilon": 0.0}))
    cid = "batch_normalization/axis=-1-offset-scale-special-2x5-f32"
    x = np.array([[INF, -INF, NAN, 1e30, -1e30], [0, -0.0, 1e-30, 1e4, -1e4]], np.float32)
    stats = (normal(cid, (5,), salt=1), uniform(cid, (5,), 0.1, 2.0, salt=2))
    out.append(Case(cid, "batch_normalization", (x, *stats, -1),
                    {"offset": normal(cid, (5,), salt=3), "scale": normal(cid, (5,), salt=4)}))
    cid = "batch_normalization/positional-axis=1-offset-scale-eps=0.01-2x3x2-f32"
    args, kwargs = _bn_args(cid, (2, 3, 2), 1, True, True)
    out.append(Case(cid, "batch_normalization", (*args, kwargs["offset"], kwargs["scale"], 0.01)))
    cid = "batch_normalization/axis=-1-offset-large-var-3x4-f32"
    out.append(Case(cid, "batch_normalization",
                    (normal(cid, (3, 4), scale=1e4) + np.float32(1e5), np.full((4,), 1e5, np.float32),
                     np.full((4,), 1e8, np.float32), -1), {"offset": normal(cid, (4,), salt=3)}))
    return out + _bn_errors()


def _bn_errors():
    """Eager Keras does not check vector lengths: a wrong length fails inside JAX, and a length-1 vector
    broadcasts silently (a success, recorded as such)."""
    def x(cid):
        return normal(cid, (2, 3, 4))

    def vec(cid, n, salt):
        return uniform(cid, (n,), 0.5, 1.5, salt=salt)

    return [
        make_case("batch_normalization", "len1-mean-variance-axis=-1-2x3x4-f32",
              lambda cid: [x(cid), vec(cid, 1, 1), vec(cid, 1, 2), -1]),
        make_case("batch_normalization", "error-len4-axis=1-2x3x4-f32",
              lambda cid: [x(cid), vec(cid, 4, 1), vec(cid, 4, 2), 1]),
        make_case("batch_normalization", "error-axis=3-2x3x4-f32", lambda cid: [x(cid), vec(cid, 4, 1), vec(cid, 4, 2), 3]),
        make_case("batch_normalization", "error-mean-1x4-axis=-1-2x3x4-f32",
              lambda cid: [x(cid), vec(cid, 4, 1)[None, :], vec(cid, 4, 2), -1]),
    ]


# ------------------------------------------------------------------------------------------- normalize

def _normalize_orders():
    out = [
        make_case("normalize", "default-3x4-f32", lambda cid: [normal(cid, (3, 4))]),
        make_case("normalize", "default-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4))]),
        make_case("normalize", "default-6-f32", lambda cid: [normal(cid, (6,))]),
        make_case("normalize", "default-scalar-f32", [np.float32(-2.5)]),
        make_case("normalize", "order=1-scalar-f32", [np.float32(-2.5)], {"order": 1}),
        make_case("normalize", "default-0x3-f32", [np.zeros((0, 3), np.float32)]),
    ]
    for order in (1, 2, 3, 4):
        for axis in (-1, 0, 1, -2):
            out.append(make_case("normalize", f"order={order}-axis={axis}-2x3x4-f32",
                             lambda cid: [normal(cid, (2, 3, 4))], {"order": order, "axis": axis}))
    return out


def _normalize_axes():
    """axis=None and tuples. A 2-D reduction with order != 2 is a matrix norm (order 1: the largest
    column sum over the first of the two axes), which Keras inherits from jnp.linalg.norm."""
    out = []
    for order, axis, shape in [(2, None, (2, 3, 4)), (2, None, (3, 4)), (1, None, (3, 4)), (1, None, (6,)),
                               (3, None, (6,)), (2, None, ()),
                               (2, (0, 1), (2, 3, 4)), (2, (1, 2), (2, 3, 4)), (2, (0, 1, 2), (2, 3, 4)),
                               (2, (-2, -1), (2, 3, 4)), (2, (2, 0), (2, 3, 4)),
                               (1, (0, 1), (3, 4)), (1, (1, 0), (3, 4)), (1, (0, 2), (2, 3, 4)),
                               (1, (-1, -2), (2, 3, 4)), (2, (1,), (2, 3, 4)), (3, (1,), (2, 3, 4))]:
        out.append(make_case("normalize", f"order={order}-axis={axis_tag(axis)}-{shape_tag(shape)}-f32",
                         lambda cid: [normal(cid, shape)], {"order": order, "axis": axis}))
    return out


def _normalize_values():
    """epsilon, zero rows (the norm clamps to epsilon), huge rows (x**2 overflows in order 2: zeros),
    tiny rows (x**2 underflows: x / epsilon), inf and NaN. No subnormal norms: XLA on CPU flushes them to
    zero, which with epsilon=0 turns x / norm into NaN."""
    rows = np.array([[0, 0, 0, 0], [1e30, 1, -1, 0], [1e-30, -1e-30, 0, 0], [3, -4, 0, 0],
                     [INF, 1, 0, 0], [NAN, 1, 0, 0], [1e-4, 2e-4, 0, 0], [-0.0, 0, 2e-38, 0]], np.float32)
    out = [
        make_case("normalize", "order=2-eps=none-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"epsilon": None}),
        make_case("normalize", "positional-axis=0-order=1-eps=0.001-3x4-f32",
              lambda cid: [normal(cid, (3, 4)), 0, 1, 1e-3]),
        make_case("normalize", "order=1-eps=0.0-rows-8x4-f32", [rows], {"order": 1, "epsilon": 0.0}),
        make_case("normalize", "order=t-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"order": True}),
        make_case("normalize", "order=1-3x4-i32", lambda cid: [_ints(cid, (3, 4), 5.0)], {"order": 1}),
    ]
    for order in (1, 2, 3):
        out.append(make_case("normalize", f"order={order}-rows-8x4-f32", [rows], {"order": order}))
        for eps in (1e-3, 100.0):
            out.append(make_case("normalize", f"order={order}-eps={fmt(eps)}-rows-8x4-f32", [rows],
                             {"order": order, "epsilon": eps}))
        out.append(make_case("normalize", f"order={order}-eps=0.5-3x4-f32", lambda cid: [normal(cid, (3, 4), scale=0.3)],
                         {"order": order, "epsilon": 0.5}))
    return out


def _normalize_errors():
    def x(cid):
        return [normal(cid, (2, 3, 4))]

    # order=2.0 is rejected too, but JSON cannot tell 2.0 from 2 on the TypeScript side.
    out = [make_case("normalize", f"error-order={fmt(order)}-2x3x4-f32", x, {"order": order})
           for order in (0, -1, 2.5, "a", None)]
    return out + [
        make_case("normalize", "error-order=1-axis=none-2x3x4-f32", x, {"order": 1, "axis": None}),
        make_case("normalize", "error-order=3-axis=none-3x4-f32", lambda cid: [normal(cid, (3, 4))],
              {"order": 3, "axis": None}),
        make_case("normalize", "error-order=3-axis=0x1-2x3x4-f32", x, {"order": 3, "axis": (0, 1)}),
        make_case("normalize", "error-order=1-axis=0x1x2-2x3x4-f32", x, {"order": 1, "axis": (0, 1, 2)}),
        make_case("normalize", "error-axis=3-2x3x4-f32", x, {"axis": 3}),
        make_case("normalize", "error-order=2-eps=0.0-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"epsilon": 0.0}),
        make_case("normalize", "error-order=2-3x4-i32", [np.arange(12, dtype=np.int32).reshape(3, 4)]),
    ]


# ------------------------------------------------------------------------------------ rms_normalization
# keras/src/ops/nn.py:3021 (3.15.1): x * rsqrt(mean(x**2, axis) + epsilon) * scale in float32, cast back
# to x's dtype; scale broadcasts as numpy does. Every error comes from JAX or Python, not from Keras.

RMS = "rms_normalization"
LN = "layer_normalization"
U32 = 2.0 ** -24


def _rms(tag, args, kwargs=None, tolerance=None, since="3.9"):
    return make_case(RMS, tag, args, kwargs, tolerance, since)


def _rms_tolerance(n):
    """A float32 sum of N positive squares is off by at most (N-1) u relatively, halved by the square root;
    a few more roundings (square, mean, epsilon, rsqrt, two products) add 6 u. Twice: two implementations."""
    rtol = 2 * ((n - 1) / 2 + 6) * U32
    return {"atol": 1e-6, "rtol": 1e-6 + rtol,
            "why": f"float32 sum of N={n} squares in any order: rms off by <= ((N-1)/2 + 6) * 2^-24 relatively, "
                   f"twice for two implementations: rtol 1e-6 + {rtol:.3g}"}


def _rms_axes():
    out = [
        _rms("default-3x4-f32", lambda cid: [normal(cid, (3, 4))]),
        _rms("default-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4))]),
        _rms("default-6-f32", lambda cid: [normal(cid, (6,))]),
        _rms("default-2x3x2x2-f32", lambda cid: [normal(cid, (2, 3, 2, 2))]),
        _rms("default-2x2x2x3x2-f32", lambda cid: [normal(cid, (2, 2, 2, 3, 2))]),
        # A 0-D x is expanded to (1,) first: the result has shape (1,).
        _rms("default-scalar-f32", [np.float32(-2.5)]),
        _rms("axis=0-scalar-f32", [np.float32(0.75)], {"axis": 0}),
        _rms("axis=none-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"axis": None}),
        _rms("axis=0-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"axis": 0}),
    ]
    for axis in (0, 1, 2, -2, -3, (0, 1), (1, 2), (0, 2), (2, 0), (-1, 0), (0, 1, 2), None, (), (1,)):
        out.append(_rms(f"axis={axis_tag(axis)}-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4))], {"axis": axis}))
    return out


def _rms_scale():
    def x(cid, shape=(2, 3, 4)):
        return normal(cid, shape)

    return [
        _rms("scale-4-2x3x4-f32", lambda cid: [x(cid), normal(cid, (4,), salt=1)]),
        _rms("axis=1-scale-3x1-2x3x4-f32", lambda cid: [x(cid)],
             {"scale": lambda cid: normal(cid, (3, 1), salt=1), "axis": 1}),
        _rms("axis=0x2-scale-2x3x4-2x3x4-f32", lambda cid: [x(cid), normal(cid, (2, 3, 4), salt=1)], {"axis": (0, 2)}),
        _rms("scale-scalar-2x3x4-f32", lambda cid: [x(cid), np.float32(2.5)]),
        _rms("scale-1-2x3x4-f32", lambda cid: [x(cid), np.array([-0.5], np.float32)]),
        _rms("scale=2.5-3x4-f32", lambda cid: [x(cid, (3, 4))], {"scale": 2.5}),
        # scale may broadcast the result beyond x's shape.
        _rms("scale-2x1x4-3x4-f32", lambda cid: [x(cid, (3, 4)), normal(cid, (2, 1, 4), salt=1)]),
        _rms("scale-4-i32-2x3x4-f32", lambda cid: [x(cid), np.array([1, -2, 3, 0], np.int32)]),
        _rms("scale-4-bool-2x3x4-f32", lambda cid: [x(cid), np.array([True, False, True, True])]),
        _rms("scale=none-3x4-f32", lambda cid: [x(cid, (3, 4))], {"scale": None}, since="3.11"),
        _rms("positional-scale-axis=1-eps=0.001-3x4-f32",
             lambda cid: [x(cid, (3, 4)), normal(cid, (4,), salt=1), 1, 1e-3]),
        _rms("positional-scale=none-axis=0-3x4-f32", lambda cid: [x(cid, (3, 4)), None, 0], since="3.11"),
    ]


# Rows: zeros, a square past float32 (1e20**2 = inf: the row gives zeros), squares that underflow to 0,
# a sum that overflows (4 * 1e38), inf, NaN, small values, a square below float32's smallest normal.
ROWS = np.array([[0, 0, 0, 0], [1e20, 1, -1, 0], [1e-30, -1e-30, 0, 0], [3, -4, 0, 0], [1e19, 1e19, -1e19, 1e19],
                 [INF, 1, 0, 0], [NAN, 1, 0, 0], [1e-4, 2e-4, 0, 0], [-0.0, 0, 2e-38, 0]], np.float32)


def _rms_values():
    out = []
    for eps in (1e-5, 0.1, 1, 100.0, 0.0):
        out.append(_rms(f"eps={fmt(eps)}-3x4-f32", lambda cid: [normal(cid, (3, 4), scale=0.3)], {"epsilon": eps}))
    out += [
        _rms("eps=none-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"epsilon": None}),
        _rms("eps=t-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"epsilon": True}),
        _rms("rows-9x4-f32", [ROWS]),
        _rms("scale-rows-9x4-f32", lambda cid: [ROWS, normal(cid, (4,), salt=1)]),
        # 0 * rsqrt(0) = 0 * inf: NaN.
        _rms("eps=0.0-zero-row-3x4-f32", lambda cid: [normal(cid, (3, 4)) * np.array([[1], [0], [1]], np.float32)],
             {"epsilon": 0.0}),
        _rms("offset1e4-3x8-f32", lambda cid: [normal(cid, (3, 8)) + np.float32(1e4)]),
        _rms("scale1e18-3x8-f32", lambda cid: [normal(cid, (3, 8), scale=1e18)]),
        _rms("scale1e-20-3x8-f32", lambda cid: [normal(cid, (3, 8), scale=1e-20)]),
        _rms("axis=1-long-4x2048-f32", lambda cid: [normal(cid, (4, 2048))],
             {"axis": 1}, tolerance=_rms_tolerance(2048)),
        _rms("axis=none-long-32x64-f32", lambda cid: [normal(cid, (32, 64), scale=3.0)], {"axis": None},
             tolerance=_rms_tolerance(2048)),
        _rms("default-0x3-f32", [np.zeros((0, 3), np.float32)]),
        _rms("default-3x0-f32", [np.zeros((3, 0), np.float32)]),
        _rms("axis=1-2x0x3-f32", [np.zeros((2, 0, 3), np.float32)], {"axis": 1}),
        _rms("scale-3-0x3-f32", lambda cid: [np.zeros((0, 3), np.float32), normal(cid, (3,), salt=1)]),
        # Computed in float32 and cast back: int32 truncates (NaN gives 0), bool is != 0 (NaN is True).
        _rms("default-3x4-i32", lambda cid: [_ints(cid, (3, 4), 5.0)]),
        _rms("scale-4-3x4-i32", lambda cid: [_ints(cid, (3, 4), 50.0), uniform(cid, (4,), -40.0, 40.0, salt=1)]),
        _rms("eps=0.0-zero-row-2x3-i32", [np.array([[0, 0, 0], [1, 2, -3]], np.int32)], {"epsilon": 0.0}),
        _rms("default-3x4-bool", lambda cid: [normal(cid, (3, 4)) > 0]),
        _rms("eps=0.0-2x2-bool", [np.array([[False, False], [True, False]])], {"epsilon": 0.0}),
    ]
    return out


def _rms_errors():
    def x(cid):
        return normal(cid, (3, 4))

    return [
        _rms("error-axis=2-3x4-f32", lambda cid: [x(cid)], {"axis": 2}),
        _rms("error-axis=-3-3x4-f32", lambda cid: [x(cid)], {"axis": -3}),
        _rms("error-axis=1-scalar-f32", [np.float32(1.0)], {"axis": 1}),
        _rms("error-axis=5x5-3x4-f32", lambda cid: [x(cid)], {"axis": (5, 5)}),
        _rms("error-axis=0x0-3x4-f32", lambda cid: [x(cid)], {"axis": (0, 0)}),
        _rms("error-axis=1x-1-3x4-f32", lambda cid: [x(cid)], {"axis": (1, -1)}),
        _rms("error-axis=1.5-3x4-f32", lambda cid: [x(cid)], {"axis": 1.5}),
        _rms("error-scale-3-3x4-f32", lambda cid: [x(cid), normal(cid, (3,), salt=1)]),
        _rms("error-scale-3x3-3x4-f32", lambda cid: [x(cid), normal(cid, (3, 3), salt=1)]),
        _rms("error-scale-2x3x2-3x4-f32", lambda cid: [x(cid), normal(cid, (2, 3, 2), salt=1)]),
        _rms("error-scale-0x1-3x4-f32", lambda cid: [x(cid), np.zeros((0, 1), np.float32)]),
        _rms("error-eps=a-3x4-f32", lambda cid: [x(cid)], {"epsilon": "a"}),
        # Two faults: the axis is checked first, then epsilon is added, then scale multiplies.
        _rms("error-axis=2-scale-3-3x4-f32", lambda cid: [x(cid), normal(cid, (3,), salt=1)], {"axis": 2}),
        _rms("error-eps=a-scale-3-3x4-f32", lambda cid: [x(cid), normal(cid, (3,), salt=1)], {"epsilon": "a"}),
        _rms("error-axis=0x0-eps=a-3x4-f32", lambda cid: [x(cid)], {"axis": (0, 0), "epsilon": "a"}),
    ]


# ---------------------------------------------------------------------------------- layer_normalization
# keras/src/ops/nn.py:3137 (3.15.1): mean and variance over `axis` (jnp.mean, jnp.var), inv = rsqrt(var +
# epsilon) * gamma, x * inv + (beta - mean * inv) in float32, cast back to x's dtype. gamma and beta are
# reshaped to x's rank unless they have it or axis is exactly [rank - 1].

def _ln(tag, args, kwargs=None, tolerance=None):
    return make_case(LN, tag, args, kwargs, tolerance, since="3.11")


def _ln_tolerance(x, axes, gamma=None, beta=None, eps=1e-7):
    """Per row of N values (max |x| = A): each float32 mean is off by <= dm = (N-1) u A + u |mean|, the
    variance by (N+2) u relatively plus dm^2, inv by half that plus 3 u; x * inv and mean * inv round at
    u (|x| + |mean|) inv before they cancel. Twice: two implementations."""
    x = x.astype(np.float64)
    n = int(np.prod([x.shape[a] for a in axes]))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    dm = (n - 1) * U32 * np.abs(x).max(axis=axes, keepdims=True) + U32 * np.abs(mean)
    inv = 1 / np.sqrt(var + eps)
    rel_inv = ((n + 2) * U32 + dm ** 2 / (var + eps)) / 2 + 3 * U32
    g = 1.0 if gamma is None else float(np.abs(gamma).max())
    b = 0.0 if beta is None else float(np.abs(beta).max())
    err = (np.abs(x - mean) * rel_inv + dm + U32 * (np.abs(x) + np.abs(mean))) * inv * g + U32 * b
    atol = 2 * float(err.max())
    return {"atol": 1e-6 + atol, "rtol": 1e-6,
            "why": f"float32 mean and variance of N={n} values (max|x| {np.abs(x).max():.3g}, max|mean| "
                   f"{np.abs(mean).max():.3g}) in any order, then x*inv + (beta - mean*inv) cancelling: "
                   f"|error| <= {atol / 2:.3g} each, twice for two implementations"}


def _ln_axes():
    out = [
        _ln("default-3x4-f32", lambda cid: [normal(cid, (3, 4))]),
        _ln("default-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4), scale=2.0) + np.float32(0.5)]),
        _ln("default-arange5-f32", [np.arange(5, dtype=np.float32)]),
        _ln("default-2x3x2x2-f32", lambda cid: [normal(cid, (2, 3, 2, 2))]),
        _ln("default-2x2x2x3x2-f32", lambda cid: [normal(cid, (2, 2, 2, 3, 2))]),
        # Over no axes the mean is x and the variance 0: zeros, also for a 0-D x.
        _ln("axis=empty-scalar-f32", [np.float32(3.5)], {"axis": ()}),
    ]
    for axis in (0, 1, 2, -2, -3, (0, 1), (1, 2), (0, 2), (2, 0), (-1, 0), (0, 1, 2), (), (2,), (-1,)):
        out.append(_ln(f"axis={axis_tag(axis)}-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4))], {"axis": axis}))
    return out


def _ln_affine(tag, shape, axis, gamma_shape=None, beta_shape=None, gamma_dtype=np.float32):
    """x of `shape` with gamma and beta of the given shapes (None: not passed)."""
    def args(cid):
        kwargs = {"axis": axis}
        if gamma_shape is not None:
            g = uniform(cid, gamma_shape, -2.0, 2.0, salt=1)
            kwargs["gamma"] = g if gamma_dtype == np.float32 else np.round(g * 2).astype(gamma_dtype)
        if beta_shape is not None:
            kwargs["beta"] = normal(cid, beta_shape, salt=2)
        return kwargs

    cid = f"{LN}/{tag}"
    return Case(cid, LN, (normal(cid, shape),), args(cid), None, "3.11")


def _ln_params():
    out = [
        _ln_affine("axis=-1-gamma-4-2x3x4-f32", (2, 3, 4), -1, (4,)),
        _ln_affine("axis=-1-beta-4-2x3x4-f32", (2, 3, 4), -1, None, (4,)),
        _ln_affine("axis=-1-gamma-4-beta-4-2x3x4-f32", (2, 3, 4), -1, (4,), (4,)),
        # axis 2 = [rank - 1]: gamma and beta broadcast as given, so a (1,) gamma is taken.
        _ln_affine("axis=2-gamma-4-beta-4-2x3x4-f32", (2, 3, 4), 2, (4,), (4,)),
        _ln_affine("axis=2-gamma-1-beta-1-2x3x4-f32", (2, 3, 4), 2, (1,), (1,)),
        _ln_affine("axis=2x-gamma-4-2x3x4-f32", (2, 3, 4), (2,), (4,)),
        _ln_affine("axis=1-gamma-3-beta-3-2x3x4-f32", (2, 3, 4), 1, (3,), (3,)),
        _ln_affine("axis=1x2-gamma-3x4-beta-12-2x3x4-f32", (2, 3, 4), (1, 2), (3, 4), (12,)),
        _ln_affine("axis=0x2-gamma-2x4-beta-8-2x3x4-f32", (2, 3, 4), (0, 2), (2, 4), (8,)),
        _ln_affine("axis=0x1x2-gamma-24-2x3x4-f32", (2, 3, 4), (0, 1, 2), (24,)),
        # Reshaped by size only: a (2, 2) gamma serves a last axis of 4.
        _ln_affine("axis=-1-gamma-2x2-2x3x4-f32", (2, 3, 4), -1, (2, 2)),
        # gamma and beta of x's rank broadcast as given, per row too.
        _ln_affine("axis=-1-gamma-1x1x4-beta-2x3x1-2x3x4-f32", (2, 3, 4), -1, (1, 1, 4), (2, 3, 1)),
        _ln_affine("axis=-1-gamma-2x1x4-2x3x4-f32", (2, 3, 4), -1, (2, 1, 4)),
        # ... and may broadcast the result beyond x's shape.
        _ln_affine("axis=-1-gamma-3x4-1x4-f32", (1, 4), -1, (3, 4)),
        _ln_affine("axis=-1-beta-3x4-1x4-f32", (1, 4), -1, None, (3, 4)),
        _ln_affine("axis=1-gamma-2x1x4-beta-4-3x4-f32", (3, 4), 1, (2, 1, 4), (4,)),
        _ln_affine("axis=1x-gamma-scalar-3x4-f32", (3, 4), (1,), ()),
        _ln_affine("axis=-1-gamma-4-i32-beta-4-3x4-f32", (3, 4), -1, (4,), (4,), gamma_dtype=np.int32),
        _ln("axis=-1-beta-bool-3x4-f32", lambda cid: [normal(cid, (3, 4))],
            {"beta": np.array([True, False, True, False])}),
        _ln("axis=1-gamma=2.5-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"axis": 1, "gamma": 2.5}),
        _ln("gamma=none-beta=none-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"gamma": None, "beta": None}),
        # Zero gamma: inv is 0 and the result is beta.
        _ln("gamma-zeros-beta-4-3x4-f32",
            lambda cid: [normal(cid, (3, 4)), np.zeros(4, np.float32), normal(cid, (4,), salt=2)]),
        _ln("positional-gamma-beta-axis=0-eps=0.01-3x4-f32",
            lambda cid: [normal(cid, (3, 4)), uniform(cid, (3,), 0.5, 1.5, salt=1), normal(cid, (3,), salt=2),
                         0, 0.01]),
        _ln("positional-gamma=none-beta-3x4-f32", lambda cid: [normal(cid, (3, 4)), None, normal(cid, (4,), salt=2)]),
    ]
    return out


def _ln_values():
    out = []
    for eps in (1e-5, 0.1, 1, 100.0, 0.0):
        out.append(_ln(f"eps={fmt(eps)}-3x4-f32", lambda cid: [normal(cid, (3, 4), scale=0.3)], {"epsilon": eps}))
    offset = normal(f"{LN}/offset1e4-3x8-f32", (3, 8)) + np.float32(1e4)
    long_x = normal(f"{LN}/axis=1-long-4x1024-f32", (4, 1024), scale=2.0)
    wide = normal(f"{LN}/axis=0x1-offset-gamma-beta-16x64-f32", (16, 64), scale=3.0) + np.float32(100.0)
    wide_gamma = uniform(f"{LN}/axis=0x1-offset-gamma-beta-16x64-f32", (16, 64), -2.0, 2.0, salt=1)
    wide_beta = normal(f"{LN}/axis=0x1-offset-gamma-beta-16x64-f32", (16, 64), salt=2)
    out += [
        _ln("eps=none-3x4-f32", lambda cid: [normal(cid, (3, 4))], {"epsilon": None}),
        _ln("rows-9x4-f32", [ROWS]),
        _ln("gamma-beta-rows-9x4-f32",
            lambda cid: [ROWS, uniform(cid, (4,), 0.5, 1.5, salt=1), normal(cid, (4,), salt=2)]),
        # Constant rows (exact in float32): variance 0, zeros; with epsilon 0, 0 * inf = NaN.
        _ln("constant-rows-3x4-f32", [np.array([[2, 2, 2, 2], [-0.5, -0.5, -0.5, -0.5], [1, 2, 3, 4]], np.float32)]),
        _ln("eps=0.0-constant-rows-3x4-f32", [np.array([[2, 2, 2, 2], [0, 0, 0, 0], [1, 2, 3, 4]], np.float32)],
            {"epsilon": 0.0}),
        _ln("axis=1-size1-3x1-f32", lambda cid: [normal(cid, (3, 1))], {"axis": 1}),
        _ln("axis=1-eps=0.0-size1-3x1-f32", lambda cid: [normal(cid, (3, 1))], {"axis": 1, "epsilon": 0.0}),
        _ln("offset1e4-3x8-f32", [offset], tolerance=_ln_tolerance(offset, (1,))),
        _ln("axis=1-long-4x1024-f32", [long_x], {"axis": 1}, tolerance=_ln_tolerance(long_x, (1,))),
        _ln("axis=0x1-offset-gamma-beta-16x64-f32", [wide, wide_gamma, wide_beta], {"axis": (0, 1)},
            tolerance=_ln_tolerance(wide, (0, 1), wide_gamma, wide_beta)),
        _ln("scale1e18-3x8-f32", lambda cid: [normal(cid, (3, 8), scale=1e18)]),
        _ln("default-0x3-f32", [np.zeros((0, 3), np.float32)]),
        _ln("default-3x0-f32", [np.zeros((3, 0), np.float32)]),
        _ln("axis=0-gamma-0-2x0-f32", [np.zeros((2, 0), np.float32)], {"axis": 0, "gamma": np.zeros((2,), np.float32)}),
        _ln("gamma-3-beta-3-0x3-f32", lambda cid: [np.zeros((0, 3), np.float32), normal(cid, (3,), salt=1),
                                                  normal(cid, (3,), salt=2)]),
        # Computed in float32 and cast back: int32 truncates (NaN gives 0), bool is != 0 (NaN is True).
        _ln("default-3x4-i32", lambda cid: [_ints(cid, (3, 4), 50.0)]),
        _ln("axis=0-gamma-3-beta-3-3x6-i32", lambda cid: [_ints(cid, (3, 6), 50.0)],
            {"axis": 0, "gamma": lambda cid: uniform(cid, (3,), 5.0, 40.0, salt=1),
             "beta": lambda cid: normal(cid, (3,), 10.0, salt=2)}),
        _ln("eps=0.0-constant-row-2x3-i32", [np.array([[4, 4, 4], [1, 2, -3]], np.int32)], {"epsilon": 0.0}),
        _ln("default-3x4-bool", lambda cid: [normal(cid, (3, 4)) > 0]),
        _ln("eps=0.0-2x2-bool", [np.array([[False, False], [True, False]])], {"epsilon": 0.0}),
    ]
    return out


def _ln_errors():
    def x(cid):
        return normal(cid, (3, 4))

    def vec(cid, *shape):
        return normal(cid, shape, salt=1)

    return [
        _ln("error-axis=3-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4))], {"axis": 3}),
        _ln("error-axis=-4-2x3x4-f32", lambda cid: [normal(cid, (2, 3, 4))], {"axis": -4}),
        _ln("error-default-scalar-f32", [np.float32(1.5)]),
        _ln("error-axis=none-3x4-f32", lambda cid: [x(cid)], {"axis": None}),
        _ln("error-axis=1.5-3x4-f32", lambda cid: [x(cid)], {"axis": 1.5}),
        _ln("error-axis=5x5-3x4-f32", lambda cid: [x(cid)], {"axis": (5, 5)}),
        _ln("error-axis=0x0-3x4-f32", lambda cid: [x(cid)], {"axis": (0, 0)}),
        _ln("error-axis=1x-1-3x4-f32", lambda cid: [x(cid)], {"axis": (1, -1)}),
        # gamma and beta reshaped to x's rank must hold x's size on the axes.
        _ln("error-gamma-3-3x4-f32", lambda cid: [x(cid), vec(cid, 3)]),
        _ln("error-beta-5-3x4-f32", lambda cid: [x(cid)], {"beta": lambda cid: vec(cid, 5)}),
        _ln("error-gamma-scalar-3x4-f32", lambda cid: [x(cid), np.float32(2.0)]),
        _ln("error-gamma-2x1x4-3x4-f32", lambda cid: [x(cid), vec(cid, 2, 1, 4)]),
        # Of x's rank, or with axis [rank - 1], they must broadcast: inv * gamma, x * inv, then + beta.
        _ln("error-gamma-2x2-3x4-f32", lambda cid: [x(cid), vec(cid, 2, 2)]),
        _ln("error-axis=1-gamma-3-3x4-f32", lambda cid: [x(cid), vec(cid, 3)], {"axis": 1}),
        _ln("error-axis=1-gamma-2x1x3-3x4-f32", lambda cid: [x(cid), vec(cid, 2, 1, 3)], {"axis": 1}),
        _ln("error-beta-2x2-3x4-f32", lambda cid: [x(cid), None, vec(cid, 2, 2)]),
        _ln("error-axis=1-beta-3-3x4-f32", lambda cid: [x(cid), None, vec(cid, 3)], {"axis": 1}),
        _ln("error-axis=1-beta-2x1x3-3x4-f32", lambda cid: [x(cid), None, vec(cid, 2, 1, 3)], {"axis": 1}),
        _ln("error-eps=a-3x4-f32", lambda cid: [x(cid)], {"epsilon": "a"}),
        # Two faults: axes, then the reshapes, then epsilon, then the broadcasts.
        _ln("error-axis=0x0-gamma-5-3x4-f32", lambda cid: [x(cid), vec(cid, 5)], {"axis": (0, 0)}),
        _ln("error-gamma-5-eps=a-3x4-f32", lambda cid: [x(cid), vec(cid, 5)], {"epsilon": "a"}),
        _ln("error-axis=1-gamma-2x1x3-eps=a-3x4-f32", lambda cid: [x(cid), vec(cid, 2, 1, 3)],
            {"axis": 1, "epsilon": "a"}),
    ]


def cases():
    return (_moments_axes() + _moments_other() + _moments_errors() + _batch_normalization()
            + _normalize_orders() + _normalize_axes() + _normalize_values() + _normalize_errors()
            + _rms_axes() + _rms_scale() + _rms_values() + _rms_errors()
            + _ln_axes() + _ln_params() + _ln_values() + _ln_errors())
