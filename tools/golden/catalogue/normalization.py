"""moments, batch_normalization and normalize.

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


def cases():
    return (_moments_axes() + _moments_other() + _moments_errors() + _batch_normalization()
            + _normalize_orders() + _normalize_axes() + _normalize_values() + _normalize_errors())
