"""Cases of the patches family (src/ops/patches.ts): unfold (Keras 3.12), fold, depth_to_space and
space_to_depth (3.14).

unfold and fold take channels-first images, (N, C, H, W) and (N, C*kH*kW, L), with int or tuple
kernel_size, dilation, padding and stride. Keras-JAX computes them as identity-kernel convolutions, so a
NaN or an infinity spreads NaN over its window and -0 comes out +0 (the special cases); fold's output is
what conv_transpose fills, larger or smaller than output_size where the windows do not tile it, and an
unfold padding with no entry above 0 is not applied. Most errors come from Python or JAX inside the JAX
backend: their class is compared, their words only where Keras's own check raises.

Ids read `<op>/<geometry or what>[-<dtype or extra>]`.
"""
import numpy as np

from ..common import fmt, integers, make_case, normal

UNFOLD = "3.12"
LATER = "3.14"  # fold, depth_to_space, space_to_depth


def _kw(dilation=None, padding=None, stride=None):
    """The keywords given; None leaves one to its default."""
    given = {"dilation": dilation, "padding": padding, "stride": stride}
    return {k: v for k, v in given.items() if v is not None}


def _tag(kernel, kw, shape):
    parts = [f"k{fmt(kernel)}"] + [f"{k[0]}{fmt(v)}" for k, v in kw.items()] + [f"n{fmt(shape)}"]
    return "-".join(parts)


def _special_values(case_id, shape):
    """NaN, +-inf and -0 among normal values (large magnitudes would test float32 overflow, not the op)."""
    x = normal(case_id, shape)
    flat = x.reshape(-1)
    flat[[1, 11]] = np.nan
    flat[[4]] = np.inf
    flat[[7, 20]] = -np.inf
    flat[[2, 9, 14]] = -0.0
    return x


def _int32_extremes(case_id, shape):
    """int32 over its whole range, the extremes included: exact on the CPUs, not where int32 is float32."""
    x = integers(case_id, shape, -(2**31), 2**31 - 1)
    x.reshape(-1)[:2] = [np.iinfo(np.int32).min, np.iinfo(np.int32).max]
    return x


# ---------------------------------------------------------------------------------------------- unfold

# (input shape NCHW, kernel_size, dilation, padding, stride); None keeps Keras's default.
UNFOLD_GEOMETRIES = [
    ((2, 3, 5, 6), 2, None, None, None),
    ((2, 3, 6, 6), 3, 1, 0, 1),
    ((1, 2, 7, 8), (2, 3), None, None, None),  # non-square kernel
    ((2, 2, 8, 7), 2, None, None, 2),  # windows that tile, W's last column unread
    ((1, 3, 9, 9), 3, None, None, (2, 3)),
    ((2, 2, 7, 7), 2, 2, None, None),
    ((1, 2, 9, 8), (3, 2), (2, 1), None, (1, 2)),
    ((2, 3, 4, 5), 3, None, 1, None),
    ((1, 2, 5, 4), (2, 3), None, (1, 2), 2),
    ((1, 1, 6, 7), 3, 2, 2, 3),
    ((2, 3, 4, 5), 1, None, 1, None),  # a 1x1 window: XLA copies, -0 stays -0
    ((1, 2, 5, 6), 1, None, None, 2),  # 1x1 with a stride: added from +0
    ((1, 2, 3, 4), 5, None, None, None),  # wider than the input: no blocks, L = 0
    ((1, 2, 4, 5), (1, 4), None, (2, 0), (3, 1)),
    ((2, 2, 5, 5), 2, None, -1, None),  # no entry above 0: the padding is not applied
    ((1, 2, 5, 5), 2, None, (0, -3), None),
]


def _unfold_case(shape, kernel, dilation, padding, stride):
    kw = _kw(dilation, padding, stride)
    return make_case("unfold", _tag(kernel, kw, shape), lambda cid: [normal(cid, shape), kernel], kw, since=UNFOLD)


def _unfold_others():
    cases = [
        make_case("unfold", "positional-k2x2-d1-p0-s2-n2x2x6x6", lambda cid: [normal(cid, (2, 2, 6, 6)), (2, 2), 1, 0, 2], since=UNFOLD),
        make_case("unfold", "k2-p1-n2x2x5x5-int32", lambda cid: [integers(cid, (2, 2, 5, 5), -(2**24), 2**24), 2], {"padding": 1}, since=UNFOLD),
        make_case("unfold", "k2-p1-n1x2x4x4-int32_extremes", lambda cid: [_int32_extremes(cid, (1, 2, 4, 4)), 2], {"padding": 1}, since=UNFOLD),
        make_case("unfold", "k3-s2-n1x2x6x5-bool", lambda cid: [integers(cid, (1, 2, 6, 5), 0, 2).astype(bool), 3], {"stride": 2}, since=UNFOLD),
        make_case("unfold", "k2-n1x2x5x5-special", lambda cid: [_special_values(cid, (1, 2, 5, 5)), 2], since=UNFOLD),
        make_case("unfold", "k3-p1-s2-n1x2x5x6-special", lambda cid: [_special_values(cid, (1, 2, 5, 6)), 3], {"padding": 1, "stride": 2}, since=UNFOLD),
        make_case("unfold", "k1-p1-n1x2x3x4-special", lambda cid: [_special_values(cid, (1, 2, 3, 4)), 1], {"padding": 1}, since=UNFOLD),
        make_case("unfold", "k2-n0x2x4x4-empty", [np.zeros((0, 2, 4, 4), np.float32), 2], since=UNFOLD),
        make_case("unfold", "k1-p1-n1x2x0x3-empty", [np.zeros((1, 2, 0, 3), np.float32), 1], {"padding": 1}, since=UNFOLD),
    ]
    return cases + _unfold_errors()


def _unfold_errors():
    x = normal("unfold/errors", (1, 2, 4, 4))
    errors = [
        ("rank3", normal("unfold/rank3", (2, 4, 4)), 2, {}),
        ("rank5", normal("unfold/rank5", (1, 1, 2, 4, 4)), 2, {}),
        ("kernel_size=0", x, 0, {}),
        ("kernel_size=-1", x, -1, {}),
        ("kernel_size=2x2x2", x, (2, 2, 2), {}),
        ("kernel_size=1.5", x, 1.5, {}),
        ("stride=0", x, 2, {"stride": 0}),
        ("stride=1x1x1", x, 2, {"stride": (1, 1, 1)}),
        ("dilation=0", x, 2, {"dilation": 0}),
        ("padding=-1x1", x, 2, {"padding": (-1, 1)}),
        ("padding=1x", x, 2, {"padding": (1,)}),
        ("padding=1.5", x, 2, {"padding": 1.5}),
        ("channels=0", np.zeros((1, 0, 4, 4), np.float32), 2, {}),
    ]
    return [make_case("unfold", f"error-{tag}", [t, k], kw, since=UNFOLD) for tag, t, k, kw in errors]


# ------------------------------------------------------------------------------------------------ fold

# (C, output_size, kernel_size, dilation, padding, stride); None keeps Keras's default.
FOLD_GEOMETRIES = [
    (2, (4, 4), 2, None, None, 2),  # windows that tile: every output one value
    (1, 3, 2, None, None, None),
    (3, (5, 6), (2, 3), None, None, None),
    (2, (7, 7), 3, None, None, 2),
    (2, (8, 7), 2, 2, None, None),
    (1, (9, 8), (3, 2), (2, 1), None, (1, 2)),
    (2, (4, 5), 3, None, 1, None),
    (1, (5, 6), (2, 3), None, (1, 2), 2),
    (1, (6, 7), 3, 2, 2, 3),
    (1, 5, 2, None, None, 3),  # windows do not tile: conv_transpose fills 6x6
    (2, 7, 2, None, None, 3),  # nor here: 6x6, one row and column short of output_size
    (2, (6, 5), (3, 1), None, (1, 0), (3, 2)),
    (1, (3, 3), 1, None, None, None),  # a 1x1 window on one channel: XLA copies, -0 stays -0
    (3, (3, 4), 1, None, None, None),
]


def _blocks(output_size, kernel, dilation, padding, stride):
    """The L that unfold gives for an image of output_size, as fold reshapes it."""
    pair = lambda v: (v, v) if isinstance(v, int) else v
    o, k, d, p, s = (pair(v) for v in (output_size, kernel, dilation or 1, padding or 0, stride or 1))
    counts = [(o[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    return counts[0] * counts[1], k[0] * k[1]


def _fold_case(channels, output_size, kernel, dilation, padding, stride, batch=2):
    kw = _kw(dilation, padding, stride)
    length, taps = _blocks(output_size, kernel, dilation, padding, stride)
    shape = (batch, channels * taps, length)
    tag = f"o{fmt(output_size)}-{_tag(kernel, kw, shape)}"
    return make_case("fold", tag, lambda cid: [normal(cid, shape), output_size, kernel], kw, since=LATER)


def _fold_sum_tolerance(x, output_size, kernel, stride):
    """Outputs add up to M = taps overlapping values, in float32 in XLA's order (which varies with the
    shapes) and in a backend's: Higham's |error| <= gamma_M * sum|x| each; the sums of |x| come from a
    float64 fold of |x| (no padding, dilation 1, windows that tile)."""
    n, ckk, _ = x.shape
    k = kernel
    c = ckk // (k * k)
    blocks = (output_size - k) // stride + 1
    patches = np.abs(x.astype(np.float64)).reshape(n, c, k, k, blocks, blocks)
    sums = np.zeros((n, c, output_size, output_size))
    for i in range(k):
        for j in range(k):
            sums[:, :, i:i + stride * blocks:stride, j:j + stride * blocks:stride] += patches[:, :, i, j]
    terms = (-(-k // stride)) ** 2
    u = 2.0 ** -24
    gamma = terms * u / (1 - terms * u)
    atol = 2 * gamma * float(sums.max())
    why = (f"fold: each output adds up to M={terms} overlapping float32 values in XLA's order and in another; "
           f"|error| <= gamma_M * sum|x| <= {gamma:.3g} * {sums.max():.4g} each, x2 for two implementations: atol {atol:.3g}")
    return {"atol": atol, "rtol": 1e-6, "why": why}


def _fold_large():
    cid = "fold/o16-k4-n1x64x169-large"
    x = normal(cid, (1, 64, 169))
    return make_case("fold", "o16-k4-n1x64x169-large", [x, 16, 4], tolerance=_fold_sum_tolerance(x, 16, 4, 1), since=LATER)


def _fold_others():
    return [
        _fold_large(),
        make_case("fold", "positional-o5x5-k2-d1-p1-s2-n2x8x9", lambda cid: [normal(cid, (2, 8, 9)), (5, 5), 2, 1, 1, 2], since=LATER),
        make_case("fold", "o4-k2-n2x8x9-int32", lambda cid: [integers(cid, (2, 8, 9), -(10**6), 10**6), 4, 2], since=LATER),
        # Sums past int32 wrap, as XLA's int32 adds do.
        make_case("fold", "o4-k2-n1x8x9-int32_extremes", lambda cid: [_int32_extremes(cid, (1, 8, 9)), 4, 2], since=LATER),
        make_case("fold", "o5-k3-s2-n1x18x4-bool", lambda cid: [integers(cid, (1, 18, 4), 0, 2).astype(bool), 5, 3], {"stride": 2}, since=LATER),
        make_case("fold", "o4-k2-n1x8x9-special", lambda cid: [_special_values(cid, (1, 8, 9)), 4, 2], since=LATER),
        make_case("fold", "o6-k2-s2-n1x12x9-special", lambda cid: [_special_values(cid, (1, 12, 9)), 6, 2], {"stride": 2}, since=LATER),
        make_case("fold", "o5-k1-n1x1x25-special", lambda cid: [_special_values(cid, (1, 1, 25)), 5, 1], since=LATER),
        # output_size 1 with a 3-row window: nH = -1, which jnp.reshape infers from L (here 1).
        make_case("fold", "o1x4-k3-n1x9x2-inferred", lambda cid: [normal(cid, (1, 9, 2)), (1, 4), 3], since=LATER),
        make_case("fold", "o3-k2-n0x4x4-empty", [np.zeros((0, 4, 4), np.float32), 3, 2], since=LATER),
        make_case("fold", "o3-k2-n1x0x4-empty", [np.zeros((1, 0, 4), np.float32), 3, 2], since=LATER),
        make_case("fold", "o1-k2-n1x4x0-empty", [np.zeros((1, 4, 0), np.float32), 1, 2], since=LATER),
    ] + _fold_errors()


def _fold_errors():
    x = normal("fold/errors", (1, 4, 4))
    errors = [
        ("rank4", normal("fold/rank4", (1, 4, 4, 1)), 3, 2, {}),
        ("blocks=5-for-2x2", normal("fold/blocks", (1, 4, 5)), 3, 2, {}),
        ("channels=5-for-k2", normal("fold/channels", (1, 5, 4)), 3, 2, {}),
        ("kernel_size=0", x, 3, 0, {}),
        ("stride=0", x, 3, 2, {"stride": 0}),
        ("stride=-1", np.zeros((1, 4, 0), np.float32), 3, 2, {"stride": -1}),
        ("dilation=0", normal("fold/dilation", (1, 4, 9)), 3, 2, {"dilation": 0}),
        ("output_size=3x3x3", x, (3, 3, 3), 2, {}),
        ("output_size=none", x, None, 2, {}),
        ("padding=1x", x, 3, 2, {"padding": (1,)}),
        ("output_size=1-k3", normal("fold/unknown", (1, 9, 1)), 1, 3, {}),  # nH = nW = -1
    ]
    return [make_case("fold", f"error-{tag}", [t, o, k], kw, since=LATER) for tag, t, o, k, kw in errors]


# -------------------------------------------------------------------------------- depth_to_space, space_to_depth

# (op, input shape, block_size, data_format); None leaves data_format out.
BLOCK_GEOMETRIES = [
    ("depth_to_space", (2, 2, 3, 8), 2, None),
    ("depth_to_space", (1, 2, 2, 18), 3, "channels_last"),
    ("depth_to_space", (1, 3, 5, 4), 2, "channels_last"),
    ("depth_to_space", (2, 12, 2, 3), 2, "channels_first"),
    ("depth_to_space", (1, 18, 2, 2), 3, "channels_first"),
    ("depth_to_space", (1, 32, 1, 2), 4, "channels_first"),
    ("space_to_depth", (2, 4, 6, 3), 2, None),
    ("space_to_depth", (1, 6, 9, 2), 3, "channels_last"),
    ("space_to_depth", (1, 2, 8, 1), 2, "channels_last"),
    ("space_to_depth", (2, 3, 4, 6), 2, "channels_first"),
    ("space_to_depth", (1, 2, 6, 3), 3, "channels_first"),
    ("space_to_depth", (1, 1, 4, 8), 4, "channels_first"),
]


def _block_tag(block, data_format, shape, extra=""):
    tail = f"-{extra}" if extra else ""
    return f"b{block}-{fmt(data_format)}-n{fmt(shape)}{tail}"


def _block_case(op, shape, block, data_format, values=normal, extra=""):
    kw = {} if data_format is None else {"data_format": data_format}
    return make_case(op, _block_tag(block, data_format, shape, extra), lambda cid: [values(cid, shape), block], kw, since=LATER)


def _block_others(op):
    last, first = ((1, 2, 3, 8), (1, 8, 2, 3)) if op == "depth_to_space" else ((1, 4, 6, 2), (1, 2, 4, 6))
    ints = lambda cid, shape: integers(cid, shape, -(2**24), 2**24)
    bools = lambda cid, shape: integers(cid, shape, 0, 2).astype(bool)
    empty = (0, 2, 2, 4) if op == "depth_to_space" else (1, 0, 4, 2)
    return [
        _block_case(op, last, 2, "channels_last", ints, "int32"),
        _block_case(op, first, 2, "channels_first", bools, "bool"),
        _block_case(op, first, 2, "channels_first", _special_values, "special"),
        _block_case(op, last, 2, "CHANNELS_LAST"),
        make_case(op, _block_tag(2, None, last, "data_format=none"), lambda cid: [normal(cid, last), 2], {"data_format": None}, since=LATER),
        make_case(op, _block_tag(2, "channels_first", first, "positional"), lambda cid: [normal(cid, first), 2, "channels_first"], since=LATER),
        make_case(op, _block_tag(2, None, empty, "empty"), [np.zeros(empty, np.float32), 2], since=LATER),
    ] + _block_errors(op)


def _block_errors(op):
    x = normal(f"{op}/errors", (1, 4, 4, 8))
    errors = [
        ("block_size=1", x, 1, {}),
        ("block_size=0", x, 0, {}),
        ("block_size=-2", x, -2, {}),
        ("block_size=2.5", x, 2.5, {}),
        ("block_size=none", x, None, {}),
        ("rank3", normal(f"{op}/rank3", (4, 4, 8)), 2, {}),
        ("rank5", normal(f"{op}/rank5", (1, 1, 4, 4, 8)), 2, {}),
        ("data_format=channels_middle", x, 2, {"data_format": "channels_middle"}),
        ("data_format=channels_middle-block_size=1", x, 1, {"data_format": "channels_middle"}),
    ]
    if op == "depth_to_space":
        errors += [
            ("channels=8-b3", x, 3, {}),
            ("channels=6-b2-channels_first", normal(f"{op}/channels", (1, 6, 2, 2)), 2, {"data_format": "channels_first"}),
        ]
    else:
        errors += [
            ("height=4-b3", normal(f"{op}/height", (1, 4, 6, 2)), 3, {}),
            ("width=6-b4", normal(f"{op}/width", (1, 8, 6, 2)), 4, {}),
            ("height=5-b2-channels_first", normal(f"{op}/height_cf", (1, 2, 5, 4)), 2, {"data_format": "channels_first"}),
        ]
    return [make_case(op, f"error-{tag}", [t, b], kw, since=LATER) for tag, t, b, kw in errors]


def cases():
    return (
        [_unfold_case(*g) for g in UNFOLD_GEOMETRIES]
        + _unfold_others()
        + [_fold_case(*g) for g in FOLD_GEOMETRIES]
        + _fold_others()
        + [_block_case(*g) for g in BLOCK_GEOMETRIES]
        + _block_others("depth_to_space")
        + _block_others("space_to_depth")
    )
