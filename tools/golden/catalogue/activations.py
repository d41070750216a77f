"""Activations: the elementwise ops, softmax and log_softmax; from Keras 3.7 on, glu and sparsemax too.

Every elementwise op gets the same sweep (ranks 0-4, an empty tensor, saturating and tiny magnitudes, a
grid through every kink, the special values) plus its own parameters. Integer and bool inputs appear only
where keras-parity follows Keras: `sigmoid` and `silu` of int32/bool raise in Keras-JAX but keras-parity
promotes them (docs/deviations.md), so they are left out here.
"""
import numpy as np

from ..common import fmt, integers, normal, make_case, axis_tag, shape_tag

ELEMENTWISE = (
    "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "log_sigmoid", "leaky_relu",
    "hard_sigmoid", "hard_silu", "elu", "selu", "gelu",
)

# Keras-JAX raises for these input dtypes. sigmoid and silu (lax.logistic is float-only) are documented
# deviations, so not cases; log_sigmoid of bool (JAX's `neg` rejects bool) is an expected-error case.
NO_INT = {"sigmoid", "silu"}
NO_BOOL = {"sigmoid", "silu", "log_sigmoid"}
# squareplus squares an int32 x in int32, which wraps past 46340; keras-parity squares in float32
# (docs/deviations.md), so its int32 cases stay below that.
NO_I32_EXTREMES = {"squareplus"}

INF = np.inf
NAN = np.nan
# Every region an activation treats differently: the infinities, NaN, huge magnitudes where exp and x**3
# overflow, the float32 exp limits (+-88.7), the softplus/sigmoid tails, the kinks at 0, +-3 and 6, signed
# zero and magnitudes whose square underflows.
SPECIAL = np.array(
    [-INF, -1e30, -1e9, -1e4, -100.0, -88.8, -20.0, -6.0, -3.0, -1.0, -1e-30, -0.0,
     0.0, 1e-30, 1.0, 3.0, 6.0, 20.0, 88.8, 100.0, 1e4, 1e9, 1e30, INF, NAN],
    dtype=np.float32,
)
# Down to the smallest float32 subnormal, where flush-to-zero backends differ.
TINY = np.array([-1e-3, -1e-8, -1e-20, -1e-38, -1e-40, -1e-45, 1e-45, 1e-40, 1e-38, 1e-20, 1e-8, 1e-3],
                dtype=np.float32)
# Step 0.25 hits every kink (0, +-3, 6) exactly.
GRID = np.arange(-8.0, 8.25, 0.25, dtype=np.float32)
BOOLS = np.array([[True, False, True], [False, False, True]])
# Large but not extreme: Keras-JAX does some integer arithmetic before promoting (softsign's abs(x) + 1,
# log_sigmoid's -x, softmax's x - max), which wraps around near +-2**31; 2**24 + 1 rounds in float32.
I32_EXTREMES = np.array([-2**30, -(2**24 + 1), -65536, -7, -3, -1, 0, 1, 3, 7, 65536, 2**24 + 1, 2**30],
                        dtype=np.int32)








def _with(kwargs):
    """The id fragment of some keyword arguments: `approximate=f-`, or '' for none."""
    return "".join(f"{k}={fmt(v)}-" for k, v in kwargs.items())


def _sweep(op, kwargs=None, since=None):
    """The shared elementwise sweep for `op`, called with `kwargs` (its parameters, possibly none)."""
    kwargs = dict(kwargs or {})
    pre = _with(kwargs)
    out = []

    def case(tag, args):
        out.append(make_case(op, f"{pre}{tag}", args, kwargs, since=since))

    for shape in [(), (7,), (3, 4), (2, 3, 4), (2, 1, 3, 2), (0, 3)]:
        case(f"f32-{shape_tag(shape)}", lambda cid: [normal(cid, shape)])
    case("f32-scale10-4x8", lambda cid: [normal(cid, (4, 8), scale=10.0)])
    case("f32-grid", [GRID])
    case("f32-special", [SPECIAL])
    case("f32-tiny", [TINY])
    if op not in NO_INT:
        case("i32-2x5", lambda cid: [integers(cid, (2, 5), -8, 8)])
        if op not in NO_I32_EXTREMES:
            case("i32-extremes", [I32_EXTREMES])
    if op not in NO_BOOL:
        case("bool-2x3", [BOOLS])
    return out


def _elementwise():
    out = []
    for op in ELEMENTWISE:
        out += _sweep(op)
    # Parameters: each value on a small normal tensor and on the special values. Python ints too
    # (1, 3, 2): Keras takes any number.
    for slope in [0.2, 0.01, 0.0, 1.0, 1.5, -0.5, 1, 3]:
        kw = {"negative_slope": slope}
        out.append(make_case("leaky_relu", f"slope={fmt(slope)}-f32-3x4", lambda cid: [normal(cid, (3, 4))], kw))
        out.append(make_case("leaky_relu", f"slope={fmt(slope)}-f32-special", [SPECIAL], kw))
    out.append(make_case("leaky_relu", "slope=0.01-i32-2x5", lambda cid: [integers(cid, (2, 5), -8, 8)],
                     {"negative_slope": 0.01}))
    out.append(make_case("leaky_relu", "positional-slope=0.5-f32-6", lambda cid: [normal(cid, (6,)), 0.5]))
    for alpha in [1.0, 0.5, 2.0, 0.0, -1.0, 2]:
        kw = {"alpha": alpha}
        out.append(make_case("elu", f"alpha={fmt(alpha)}-f32-3x4", lambda cid: [normal(cid, (3, 4), scale=3.0)], kw))
        out.append(make_case("elu", f"alpha={fmt(alpha)}-f32-special", [SPECIAL], kw))
    out.append(make_case("elu", "alpha=0.5-i32-2x5", lambda cid: [integers(cid, (2, 5), -8, 8)], {"alpha": 0.5}))
    out.append(make_case("elu", "positional-alpha=0.3-f32-6", lambda cid: [normal(cid, (6,)), 0.3]))
    # gelu: the default is approximate=True; both forms get the full sweep.
    out += _sweep("gelu", {"approximate": True})
    out += _sweep("gelu", {"approximate": False})
    out.append(make_case("gelu", "positional-approximate=f-f32-6", lambda cid: [normal(cid, (6,)), False]))
    # log_sigmoid negates its input first, and JAX's `neg` rejects bool.
    out.append(make_case("log_sigmoid", "error-bool-2x3", [BOOLS]))
    return out


def _softmax_family(op):
    def x3(cid):
        return [normal(cid, (2, 3, 4), scale=2.0)]

    def like(shape):
        return lambda cid: [normal(cid, shape)]

    out = [
        make_case(op, "default-f32-3x4", like((3, 4))),
        make_case(op, "default-f32-2x3x4", x3),
        make_case(op, "default-f32-7", like((7,))),
        make_case(op, "default-f32-2x2x3x2", like((2, 2, 3, 2))),
        make_case(op, "positional-axis=0-f32-3x4", lambda cid: [normal(cid, (3, 4)), 0]),
        make_case(op, "axis=1-f32-2x3", like((2, 3)), {"axis": 1}),
        make_case(op, "axis=-2-f32-3x4", like((3, 4)), {"axis": -2}),
        make_case(op, "axis=-1-f32-0x3", [np.zeros((0, 3), np.float32)], {"axis": -1}),
        make_case(op, "axis=-1-f32-3x0", [np.zeros((3, 0), np.float32)], {"axis": -1}),
        # A size-1 axis: softmax warns (and returns ones), log_softmax returns zeros.
        make_case(op, "axis=-1-f32-3x1", like((3, 1)), {"axis": -1}),
        make_case(op, "axis=none-f32-scalar", [np.float32(1.5)], {"axis": None}),
        make_case(op, "axis=none-f32-3x4", like((3, 4)), {"axis": None}),
        make_case(op, "axis=none-f32-2x3x4", x3, {"axis": None}),
        # An empty tuple: Keras's tuple path reduces over nothing, each element alone.
        make_case(op, "axis=empty-f32-2x3x4", x3, {"axis": ()}),
    ]
    for axis in [0, 1, 2, -1, -2, -3]:
        out.append(make_case(op, f"axis={axis}-f32-2x3x4", x3, {"axis": axis}))
    for axis in [(0, 1), (1, 2), (0, 2), (0, 1, 2), (2, 0), (1,), (2, 1)]:
        out.append(make_case(op, f"axis={axis_tag(axis)}-f32-2x3x4", x3, {"axis": axis}))
    for axis in [(1, 3), (0, 2, 3)]:
        out.append(make_case(op, f"axis={axis_tag(axis)}-f32-2x2x3x2", like((2, 2, 3, 2)), {"axis": axis}))
    return out + _softmax_values(op) + _softmax_dtypes(op) + _softmax_errors(op)


def _masked(op):
    """Variants of one (4, 5) tensor: -1e9 and -inf masks, an all-masked row, +inf, NaN."""
    base = normal(f"{op}/masks", (4, 5))
    mask_1e9, mask_inf, all_inf, pos_inf, with_nan = (base.copy() for _ in range(5))
    mask_1e9[0, 1:3] = -1e9
    mask_1e9[1, :] = -1e9  # an all-masked row: uniform over the row
    mask_1e9[2, 4] = -1e9
    mask_inf[0, 1:3] = -INF
    mask_inf[2, 0] = -INF
    all_inf[1, :] = -INF  # -inf - (-inf): a NaN row
    pos_inf[0, 2] = INF
    pos_inf[3, :2] = INF
    with_nan[1, 3] = NAN
    return mask_1e9, mask_inf, all_inf, pos_inf, with_nan


def _softmax_values(op):
    """Magnitudes and masks: stability under large offsets and huge values, masks, inf and NaN."""
    mask_1e9, mask_inf, all_inf, pos_inf, with_nan = _masked(op)
    huge = np.array([[1e30, -1e30, 0.0, 1.0], [1e30, 1e30, -1e30, 5.0], [-1e30, -1e30, -1e30, -1e30],
                     [3e38, -3e38, 1.0, 2.0]], dtype=np.float32)
    return [
        make_case(op, "f32-scale100-3x6", lambda cid: [normal(cid, (3, 6), scale=100.0)]),
        make_case(op, "f32-offset1e4-3x6", lambda cid: [normal(cid, (3, 6)) + np.float32(1e4)]),
        make_case(op, "f32-offset-1e4-3x6", lambda cid: [normal(cid, (3, 6)) - np.float32(1e4)]),
        make_case(op, "f32-mask1e9-4x5", [mask_1e9]),
        make_case(op, "axis=0-f32-mask1e9-4x5", [mask_1e9], {"axis": 0}),
        make_case(op, "axis=none-f32-mask1e9-4x5", [mask_1e9], {"axis": None}),
        make_case(op, "f32-maskinf-4x5", [mask_inf]),
        make_case(op, "axis=0x1-f32-maskinf-4x5", [mask_inf], {"axis": (0, 1)}),
        make_case(op, "f32-allinfrow-4x5", [all_inf]),
        make_case(op, "f32-posinf-4x5", [pos_inf]),
        make_case(op, "f32-nan-4x5", [with_nan]),
        make_case(op, "f32-huge-4x4", [huge]),
        make_case(op, "f32-special-25", [SPECIAL]),
        make_case(op, "f32-tiny-12", [TINY]),
    ]


def _softmax_dtypes(op):
    def ints(cid):
        return [integers(cid, (3, 4), -20, 20)]

    return [
        make_case(op, "i32-3x4", ints),
        make_case(op, "axis=0-i32-3x4", ints, {"axis": 0}),
        make_case(op, "axis=none-i32-3x4", ints, {"axis": None}),
        make_case(op, "axis=0x1-i32-3x4", ints, {"axis": (0, 1)}),
        make_case(op, "i32-extremes", [I32_EXTREMES]),
        # x - max(x) on bool: JAX's `sub` rejects it.
        make_case(op, "error-bool-2x3", [BOOLS]),
    ]


def _softmax_errors(op):
    """Axes Keras rejects. softmax reads x.shape[axis] first (IndexError); log_softmax leaves it to JAX.
    A tuple is compared with range(ndim), so a negative or repeated entry makes a bad transpose."""
    def x(cid):
        return [normal(cid, (2, 3, 4))]

    return [
        make_case(op, "error-axis=3-f32-2x3x4", x, {"axis": 3}),
        make_case(op, "error-axis=-4-f32-2x3x4", x, {"axis": -4}),
        make_case(op, "error-axis=0x-1-f32-2x3x4", x, {"axis": (0, -1)}),
        make_case(op, "error-axis=-1x-2-f32-2x3x4", x, {"axis": (-1, -2)}),
        make_case(op, "error-axis=1x1-f32-2x3x4", x, {"axis": (1, 1)}),
        make_case(op, "error-axis=0x3-f32-2x3x4", x, {"axis": (0, 3)}),
        make_case(op, "error-default-f32-scalar", [np.float32(2.0)]),
    ]


# ------------------------------------------------------------------ Keras 3.7 to 3.10's activations

# The elementwise ones, with the release each came in.
LATER_ELEMENTWISE = {
    "celu": "3.7", "hard_shrink": "3.7", "hard_tanh": "3.7", "soft_shrink": "3.7", "squareplus": "3.7",
    "tanh_shrink": "3.7", "sparse_plus": "3.8", "sparse_sigmoid": "3.10",
}
# int32 values up to 46340, whose squares (squareplus) still fit in int32.
I32_SQUARABLE = np.array([-46340, -4097, -4096, -1000, -3, -1, 0, 1, 3, 1000, 4096, 4097, 46340], dtype=np.int32)


def _later_elementwise():
    out = []
    for op, since in LATER_ELEMENTWISE.items():
        out += _sweep(op, since=since)
    out += _later_parameters()
    # threshold has no defaults: the sweep with an int default_value (int32 x stays int32) and a float one.
    out += _sweep("threshold", {"threshold": 0.5, "default_value": -2}, since="3.8")
    out += _sweep("threshold", {"threshold": -1, "default_value": 0.25}, since="3.8")
    return out + _threshold_values()


def _parameter_cases(op, name, values, since, x_scale=1.0):
    """`op` with each value of its keyword `name`, on a small normal tensor, the grid and the special values."""
    out = []
    for value in values:
        kw = {name: value}
        pre = f"{name}={fmt(value)}"
        out.append(make_case(op, f"{pre}-f32-3x4", lambda cid: [normal(cid, (3, 4), scale=x_scale)], kw,
                             since=since))
        out.append(make_case(op, f"{pre}-f32-grid", [GRID], kw, since=since))
        out.append(make_case(op, f"{pre}-f32-special", [SPECIAL], kw, since=since))
    return out


def _later_parameters():
    """Non-default values (zero, negative, Python ints, huge) and the positional forms."""
    def ints(cid):
        return [integers(cid, (2, 5), -8, 8)]

    out = _parameter_cases("celu", "alpha", [0.5, 2.0, 0.0, -1.0, 2, 1e-3], "3.7", x_scale=3.0)
    out.append(make_case("celu", "alpha=0.5-i32-2x5", ints, {"alpha": 0.5}, since="3.7"))
    out.append(make_case("celu", "positional-alpha=0.3-f32-6", lambda cid: [normal(cid, (6,)), 0.3], since="3.7"))
    for op in ("hard_shrink", "soft_shrink"):
        out += _parameter_cases(op, "threshold", [0.0, 1.0, 0.25, 3, -0.5, 1e30], "3.7", x_scale=2.0)
        out.append(make_case(op, "threshold=1-i32-2x5", ints, {"threshold": 1}, since="3.7"))
        out.append(make_case(op, "threshold=2.5-i32-extremes", [I32_EXTREMES], {"threshold": 2.5}, since="3.7"))
        out.append(make_case(op, "threshold=1-bool-2x3", [BOOLS], {"threshold": 1}, since="3.7"))
        out.append(make_case(op, "positional-threshold=0.75-f32-6", lambda cid: [normal(cid, (6,)), 0.75],
                             since="3.7"))
    # b=0 is relu where x**2 does not overflow; a negative b is NaN where x**2 + b < 0.
    out += _parameter_cases("squareplus", "b", [0, 1.5, 0.25, 100, -4, 4.0], "3.7", x_scale=3.0)
    # x + sqrt(x**2 + b) cancels for large negative x: XLA rounds x**2 + b once (an FMA).
    out.append(make_case("squareplus", "b=4.00000023841858-f32-negative-4x8",
                         lambda cid: [-np.abs(normal(cid, (4, 8), scale=1e4))], {"b": 4.00000023841858}, since="3.7"))
    out.append(make_case("squareplus", "i32-squarable", [I32_SQUARABLE], since="3.7"))
    out.append(make_case("squareplus", "b=1.5-i32-2x5", ints, {"b": 1.5}, since="3.7"))
    out.append(make_case("squareplus", "positional-b=2-f32-6", lambda cid: [normal(cid, (6,)), 2], since="3.7"))
    return out


def _threshold_values():
    """threshold's two numbers: zero, negative, huge, ints and floats; int32 and bool x keep their
    integer dtype with an int default_value and become float32 with a fractional one."""
    def ints(cid):
        return [integers(cid, (2, 5), -8, 8)]

    out = []
    for t, d in [(0.0, 0.0), (1, 0), (0.25, -0.5), (-0.5, 3.0), (2, 1e30), (-1e30, 0.0), (3e38, -3e38)]:
        kw = {"threshold": t, "default_value": d}
        pre = f"threshold={fmt(t)}-default_value={fmt(d)}"
        out.append(make_case("threshold", f"{pre}-f32-3x4", lambda cid: [normal(cid, (3, 4), scale=2.0)], kw,
                             since="3.8"))
        out.append(make_case("threshold", f"{pre}-f32-grid", [GRID], kw, since="3.8"))
        out.append(make_case("threshold", f"{pre}-f32-special", [SPECIAL], kw, since="3.8"))
    # XLA compares float32 with subnormals flushed to zero: 1e-40 > 0 is false, and a threshold of 1e-40 is 0.
    for t in [0, 1e-40]:
        kw = {"threshold": t, "default_value": 1}
        out.append(make_case("threshold", f"threshold={fmt(t)}-default_value=1-f32-tiny", [TINY], kw, since="3.8"))
    for t, d in [(1, 0), (0.5, 7), (-3, -1), (2, 0.5), (0, -2.5)]:
        kw = {"threshold": t, "default_value": d}
        pre = f"threshold={fmt(t)}-default_value={fmt(d)}"
        out.append(make_case("threshold", f"{pre}-i32-2x5", ints, kw, since="3.8"))
        out.append(make_case("threshold", f"{pre}-bool-2x3", [BOOLS], kw, since="3.8"))
    out.append(make_case("threshold", "positional-threshold=1-default_value=0-f32-6",
                         lambda cid: [normal(cid, (6,)), 1, 0], since="3.8"))
    out.append(make_case("threshold", "positional-threshold=0.5-f32-6",
                         lambda cid: [normal(cid, (6,)), 0.5], {"default_value": -1.0}, since="3.8"))
    return out


def _glu():
    """glu splits its axis in two halves a, b and gives a * sigmoid(b): every half sees each region of the
    special values against each other. int32 x raises in Keras-JAX (lax.logistic) but is promoted here,
    as sigmoid's (docs/deviations.md), so no int32 case."""
    def like(shape, scale=1.0):
        return lambda cid: [normal(cid, shape, scale=scale)]

    def case(tag, args, kwargs=None):
        return make_case("glu", tag, args, kwargs, since="3.7")

    pairs = np.stack([SPECIAL, SPECIAL[::-1]], axis=-1)
    grid = np.stack([GRID, GRID[::-1]], axis=-1)
    out = [case(f"default-f32-{shape_tag(s)}", like(s)) for s in [(2,), (6,), (3, 4), (2, 3, 6), (2, 2, 3, 4)]]
    out += [
        case("default-f32-scale10-4x8", like((4, 8), 10.0)),
        case("default-f32-special-25x2", [pairs]),
        case("axis=0-f32-special-2x25", [np.ascontiguousarray(pairs.T)], {"axis": 0}),
        case("default-f32-grid-65x2", [grid]),
        case("default-f32-tiny-12", [TINY]),
        # sigmoid(b) is subnormal below -87.3, which XLA flushes to 0: a huge a shows it.
        case("default-f32-subnormal-sigmoid-6x2", [np.array(
            [[3e38, -90.3], [3e38, -88.0], [1e30, -87.5], [3e38, -87.0], [-3e38, -88.5], [1.0, -90.0]], np.float32)]),
        case("default-f32-0x4", [np.zeros((0, 4), np.float32)]),
        case("default-f32-4x0", [np.zeros((4, 0), np.float32)]),
        case("positional-axis=0-f32-4x3", lambda cid: [normal(cid, (4, 3)), 0]),
    ]
    for axis in [0, 1, 2, -1, -2, -3]:
        out.append(case(f"axis={axis}-f32-4x6x8", like((4, 6, 8)), {"axis": axis}))
    out += [
        case("axis=1-f32-3x2", like((3, 2)), {"axis": 1}),
        case("axis=0-f32-0x3", [np.zeros((0, 3), np.float32)], {"axis": 0}),
        # lax.logistic rejects bool.
        case("error-bool-2x4", [np.array([[True, False, True, True], [False, False, True, False]])]),
        # JAX's `assert size % 2 == 0`, before the dtype: a bool x with an odd axis fails there too.
        case("error-odd-f32-2x3", like((2, 3))),
        case("error-odd-axis=0-f32-3x4", like((3, 4)), {"axis": 0}),
        case("error-odd-bool-2x3", [BOOLS]),
        case("error-axis=2-f32-2x4", like((2, 4)), {"axis": 2}),
        case("error-axis=-3-f32-2x4", like((2, 4)), {"axis": -3}),
        case("error-default-f32-scalar", [np.float32(2.0)]),
    ]
    return out


def _sparsemax():
    """sparsemax over an axis, as Keras 3.15's JAX backend computes it: its threshold tau sums the
    cumulative sums of the whole support, not the last one, so rows do not sum to 1."""
    def like(shape, scale=1.0):
        return lambda cid: [normal(cid, shape, scale=scale)]

    def case(tag, args, kwargs=None):
        return make_case("sparsemax", tag, args, kwargs, since="3.8")

    mask_1e9, mask_inf, all_inf, pos_inf, with_nan = _masked("sparsemax")
    ties = np.array([[1.0, 1.0, 0.0, -1.0], [0.5, 0.5, 0.5, 0.5], [2.0, 0.0, 2.0, 1.0], [0.0, 0.0, 0.0, 3.0]],
                    dtype=np.float32)
    out = [case(f"default-f32-{shape_tag(s)}", like(s)) for s in [(7,), (3, 4), (2, 3, 4), (2, 2, 3, 2)]]
    out += [
        case("default-f32-scale10-4x8", like((4, 8), 10.0)),
        case("default-f32-scale0.1-4x8", like((4, 8), 0.1)),
        case("default-f32-ties-4x4", [ties]),
        case("axis=0-f32-ties-4x4", [ties], {"axis": 0}),
        case("default-f32-grid", [GRID]),
        case("default-f32-tiny", [TINY]),
        case("default-f32-3x1", like((3, 1))),
        case("default-f32-0x3", [np.zeros((0, 3), np.float32)]),
        case("default-f32-3x0", [np.zeros((3, 0), np.float32)]),
        case("default-f32-mask1e9-4x5", [mask_1e9]),
        case("default-f32-maskinf-4x5", [mask_inf]),
        case("default-f32-allinfrow-4x5", [all_inf]),
        case("default-f32-posinf-4x5", [pos_inf]),
        case("default-f32-nan-4x5", [with_nan]),
        case("default-f32-special", [SPECIAL]),
        case("positional-axis=0-f32-3x4", lambda cid: [normal(cid, (3, 4)), 0]),
        case("default-i32-3x4", lambda cid: [integers(cid, (3, 4), -8, 8)]),
        case("axis=0-i32-3x4", lambda cid: [integers(cid, (3, 4), -8, 8)], {"axis": 0}),
        case("default-bool-2x3", [BOOLS]),
    ]
    for axis in [0, 1, 2, -1, -2, -3]:
        out.append(case(f"axis={axis}-f32-2x3x4", like((2, 3, 4)), {"axis": axis}))
    out += [
        case("error-axis=2-f32-2x3", like((2, 3)), {"axis": 2}),
        case("error-axis=-3-f32-2x3", like((2, 3)), {"axis": -3}),
        case("error-default-f32-scalar", [np.float32(2.0)]),
    ]
    return out


def cases():
    return (_elementwise() + _softmax_family("softmax") + _softmax_family("log_softmax")
            + _later_elementwise() + _glu() + _sparsemax())
