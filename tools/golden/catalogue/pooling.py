"""max_pool and average_pool: 1-D to 3-D, both layouts, valid / same (asymmetric pads included),
tuple windows and strides, special values, int32 and bool inputs, and the inputs Keras rejects.
adaptive_max_pool and adaptive_average_pool (Keras 3.13, keras-team/keras#21820): the same layouts,
output sizes that divide the input or not, larger than it, 1, and those whose float32 window bounds
fall out of range (JAX then fills NaN, INT32_MIN or True).

Ids read `<op>/<rank>d-<padding>-p<pool_size>-s<strides>-<data_format>-n<spatial size>[-extra]`, and
`<op>/<rank>d-o<output_size>-<data_format>-n<spatial size>[-extra]` for the adaptive pools.
Strides are always passed: Keras 3.6.0 on JAX raises TypeError for strides=None, a backend bug that
keras-parity deliberately does not follow (docs/deviations.md), so no case relies on the default.
"""
import numpy as np

from ..common import Case, fmt, integers, make_case, normal

OPS = ("max_pool", "average_pool")
ADAPTIVE_OPS = ("adaptive_max_pool", "adaptive_average_pool")

# (spatial size, pool_size, strides, padding, data_format): the geometry shared by both ops. Most
# 'same' sizes are chosen so the pads come out asymmetric (the odd element goes at the end).
GEOMETRIES = [
    ((8,), 2, 2, "valid", "channels_last"),
    ((7,), 3, 1, "valid", "channels_first"),
    ((9,), 3, 2, "valid", "channels_last"),  # the last input is never read
    ((9,), 2, 2, "same", "channels_last"),  # pads (0, 1)
    ((10,), 4, 1, "same", "channels_last"),  # pads (1, 2)
    ((10,), 3, 3, "same", "channels_first"),  # pads (1, 1)
    ((7,), 2, 3, "same", "channels_last"),  # stride > window: inputs skipped
    ((3,), 5, 1, "same", "channels_last"),  # window wider than the input
    ((6, 6), 2, 2, "valid", "channels_last"),
    ((5, 7), (2, 3), (1, 2), "valid", "channels_first"),
    ((8, 9), 3, 3, "valid", "channels_last"),
    ((7, 8), 3, 2, "same", "channels_last"),  # pads (1, 1) and (0, 1)
    ((5, 4), 2, 1, "same", "channels_first"),  # pads (0, 1) on both dims
    ((10, 5), (4, 2), (3, 1), "same", "channels_last"),  # pads (1, 2) and (0, 1)
    ((4, 4, 4), 2, 2, "valid", "channels_last"),
    ((3, 4, 5), (2, 3, 2), (2, 1, 2), "same", "channels_first"),
    ((5, 3, 4), 3, 2, "same", "channels_last"),
]


def _input_shape(spatial, data_format, batch=2, channels=3):
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def _case_id(op, spatial, pool, strides, padding, data_format, extra=""):
    rank = len(spatial)
    tail = f"-{extra}" if extra else ""
    return f"{op}/{rank}d-{padding}-p{fmt(pool)}-s{fmt(strides)}-{fmt(data_format)}-n{fmt(spatial)}{tail}"


def _geometry_case(op, spatial, pool, strides, padding, data_format):
    cid = _case_id(op, spatial, pool, strides, padding, data_format)
    batch, channels = (1, 2) if len(spatial) == 3 else (2, 3)  # 3-D stays tiny
    x = normal(cid, _input_shape(spatial, data_format, batch, channels))
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    return Case(cid, op, (x, pool), kwargs)


def _variant_cases(op):
    """Calling conventions: default data_format, every argument positional, upper-case 'SAME'."""
    out = []
    cid = _case_id(op, (6, 5), 2, 2, "valid", None)
    out.append(Case(cid, op, (normal(cid, (2, 6, 5, 3)), 2), {"strides": 2}))
    cid = _case_id(op, (7,), 3, 2, "same", "channels_first", "positional")
    out.append(Case(cid, op, (normal(cid, (2, 3, 7)), 3, 2, "same", "channels_first")))
    cid = _case_id(op, (9, 6), 2, 2, "SAME", "channels_last")
    out.append(Case(cid, op, (normal(cid, (1, 9, 6, 2)), 2), {"strides": 2, "padding": "SAME"}))
    cid = _case_id(op, (5,), (2,), (2,), "valid", "channels_last", "tuple1")
    out.append(Case(cid, op, (normal(cid, (2, 5, 3)), (2,)), {"strides": (2,), "padding": "valid"}))
    # No case has a 'valid' window wider than the input: JAX returns an empty dimension, but Keras's
    # tensorflow backend dies of SIGFPE there, which would kill the golden run's backend comparison.
    return out


def _special_values(case_id, shape):
    """NaN, +-inf and values whose sum overflows float32, placed among normal values."""
    x = normal(case_id, shape)
    flat = x.reshape(-1)
    flat[[1, 5]] = np.nan
    flat[[2, 9]] = np.inf
    flat[[6, 10, 11]] = -np.inf
    flat[[13, 14]] = 3.0e38
    flat[[17]] = -3.0e38
    return x


def _special_cases(op):
    out = []
    for pool, strides, padding in ((2, 2, "valid"), (3, 1, "same")):
        cid = _case_id(op, (10,), pool, strides, padding, "channels_last", "special")
        x = _special_values(cid, (2, 10, 1))
        out.append(Case(cid, op, (x, pool), {"strides": strides, "padding": padding}))
    cid = _case_id(op, (4, 5), 2, 1, "same", "channels_first", "special")
    x = _special_values(cid, (1, 2, 4, 5))
    out.append(Case(cid, op, (x, 2), {"strides": 1, "padding": "same", "data_format": "channels_first"}))
    return out


def _int_cases(op):
    """int32 inputs: max_pool keeps int32 (its -inf pad never wins), average_pool gives float32."""
    out = []
    cid = _case_id(op, (5, 6), 2, 2, "same", "channels_last", "int32")
    x = integers(cid, (2, 5, 6, 2), -1000, 1000)
    out.append(Case(cid, op, (x, 2), {"strides": 2, "padding": "same"}))
    cid = _case_id(op, (7,), 3, 2, "valid", "channels_first", "int32")
    x = integers(cid, (2, 2, 7), -(10**6), 10**6)  # sums stay exact in float32; odd sums for the average
    out.append(Case(cid, op, (x, 3), {"strides": 2, "padding": "valid", "data_format": "channels_first"}))
    if op == "max_pool":
        # int32 extremes next to the padding: the pad must lose even against INT32_MIN.
        cid = _case_id(op, (7,), 2, 2, "same", "channels_last", "int32_extremes")
        x = integers(cid, (2, 7, 2), -(2**31), 2**31 - 1)
        x[:, -1, :] = np.iinfo(np.int32).min
        x[0, 0, :] = np.iinfo(np.int32).max
        out.append(Case(cid, op, (x, 2), {"strides": 2, "padding": "same"}))
        cid = _case_id(op, (6,), 2, 1, "same", "channels_last", "bool")
        x = integers(cid, (2, 6, 2), 0, 2).astype(bool)
        out.append(Case(cid, op, (x, 2), {"strides": 1, "padding": "same"}))
    return out


def _error_cases(op):
    """Inputs Keras rejects; the expected class and message are whatever Keras raises."""
    x = normal(f"{op}/errors", (2, 6, 3))
    bad_format = {"strides": 2, "data_format": "channels_middle"}
    return [
        Case(f"{op}/error-data_format=channels_middle", op, (x, 2), bad_format),
        Case(f"{op}/error-padding=full", op, (x, 2), {"strides": 2, "padding": "full"}),
        Case(f"{op}/error-rank1-input", op, (normal(f"{op}/rank1", (6,)), 2), {"strides": 2}),
        Case(f"{op}/error-pool_size=2x2-rank3-input", op, (x, (2, 2)), {"strides": (2, 2)}),
    ]


def _op_cases(op):
    return (
        [_geometry_case(op, *g) for g in GEOMETRIES]
        + _variant_cases(op)
        + _special_cases(op)
        + _int_cases(op)
        + _error_cases(op)
    )


# (spatial size, output_size, data_format) of the adaptive pools. The windows run from floor(i*n/out)
# to ceil((i+1)*n/out), computed in float32 by a product with the reciprocal of out.
ADAPTIVE_GEOMETRIES = [
    ((8,), 4, "channels_last"),  # divides: windows of 2
    ((7,), 3, "channels_first"),  # windows of 3 overlapping
    ((10,), 4, "channels_last"),  # windows of 3 and 4
    ((5,), 8, "channels_last"),  # larger than the input: windows of 1 and 2
    ((6,), 1, "channels_first"),  # one window over the whole dim
    ((6,), 6, "channels_last"),  # one cell per window
    ((7,), 13, "channels_last"),  # the last window's end rounds to 8: out of range
    ((7,), 14, "channels_first"),  # a window of 2 where 1 is exact (42 * fround(1/14) = 3.0000002); the last out of range
    ((6, 6), 3, "channels_last"),
    ((7, 9), (3, 4), "channels_first"),
    ((5, 4), (8, 6), "channels_last"),
    ((9, 10), 1, "channels_first"),
    ((10, 7), (3, 13), "channels_last"),  # out of range along the width only
    ((4, 5, 6), 2, "channels_last"),
    ((5, 4, 7), (2, 3, 4), "channels_first"),
    ((3, 4, 2), (5, 2, 3), "channels_last"),
]


def _adaptive_tag(spatial, output_size, data_format, extra=""):
    tail = f"-{extra}" if extra else ""
    return f"{len(spatial)}d-o{fmt(output_size)}-{fmt(data_format)}-n{fmt(spatial)}{tail}"


def _adaptive(op, spatial, output_size, data_format, x, extra="", kwargs=None):
    kw = {"data_format": data_format} if kwargs is None else kwargs
    tag = _adaptive_tag(spatial, output_size, data_format, extra)
    return make_case(op, tag, [x, output_size], kw, since="3.13")


def _adaptive_geometry_case(op, spatial, output_size, data_format):
    batch, channels = (1, 2) if len(spatial) == 3 else (2, 3)
    shape = _input_shape(spatial, data_format, batch, channels)
    return _adaptive(op, spatial, output_size, data_format, lambda cid: normal(cid, shape))


def _adaptive_variant_cases(op):
    """The default data_format, data_format positional and upper-case, a 1-tuple, and the 1-D reading of
    output_size[0] alone (a longer tuple's other entries are ignored)."""
    x = lambda shape: lambda cid: normal(cid, shape)  # noqa: E731
    return [
        _adaptive(op, (6, 5), (3, 2), None, x((2, 6, 5, 3)), kwargs={}),
        make_case(op, _adaptive_tag((7,), 3, "channels_first", "positional"),
                  [x((2, 3, 7)), 3, "channels_first"], since="3.13"),
        _adaptive(op, (5, 6), 4, "CHANNELS_FIRST", x((1, 2, 5, 6))),
        _adaptive(op, (9,), (4,), "channels_last", x((2, 9, 3)), "tuple1"),
        _adaptive(op, (9,), (4, 7), "channels_last", x((2, 9, 3)), "first_entry_only"),
    ]


def _adaptive_special_cases(op):
    """NaN, +-inf and float32-overflowing sums (3e38 + 3e38 is inf in XLA's float32 sum)."""
    out = []
    for spatial, output_size, data_format in (((10,), 4, "channels_last"), ((4, 5), (3, 2), "channels_first")):
        shape = _input_shape(spatial, data_format, 1, 2)
        out.append(_adaptive(op, spatial, output_size, data_format, lambda cid: _special_values(cid, shape), "special"))
    return out


def _adaptive_int_cases(op):
    """int32: max keeps it, average sums in int32 then divides into float32; bool for max (a logical or)."""
    out = [
        _adaptive(op, (7, 5), (3, 2), "channels_last", lambda cid: integers(cid, (2, 7, 5, 2), -1000, 1000), "int32"),
        # Window sums of up to 4 values stay below 2^24: exact in float32 too (webgl computes int32 in float32).
        _adaptive(op, (8,), 3, "channels_first", lambda cid: integers(cid, (2, 2, 8), -(10**6), 10**6), "int32"),
        # The out-of-range window's fill: NaN for the average, INT32_MIN for the max.
        _adaptive(op, (7,), 13, "channels_last", lambda cid: integers(cid, (1, 7, 2), -50, 50), "int32"),
    ]
    if op == "adaptive_max_pool":
        for spatial, output_size in (((6, 5), (4, 3)), ((7,), 13)):  # the second fills True
            shape = _input_shape(spatial, "channels_last", 1, 2)
            out.append(_adaptive(op, spatial, output_size, "channels_last",
                                 lambda cid, shape=shape: integers(cid, shape, 0, 2).astype(bool), "bool"))
    return out


def _adaptive_error_cases(op):
    """Keras-JAX's checks in order: data_format, rank, output_size's form, per dim a size of 0 (a division
    by zero), then per dim the first window (a negative size, an empty input dim)."""
    x1 = lambda cid: normal(cid, (2, 6, 3))  # noqa: E731
    x2 = lambda cid: normal(cid, (1, 4, 5, 2))  # noqa: E731
    cases = [
        ("error-data_format=channels_middle", [x1, 2], {"data_format": "channels_middle"}),
        ("error-data_format=nope-rank2-input", [lambda cid: normal(cid, (6, 3)), 0], {"data_format": "nope"}),
        ("error-rank2-input", [lambda cid: normal(cid, (6, 3)), 2], {}),
        ("error-rank6-input", [lambda cid: normal(cid, (1, 2, 3, 2, 3, 1)), 2], {}),
        ("error-output_size=0", [x1, 0], {}),
        ("error-output_size=-2", [x1, -2], {}),
        ("error-output_size=2.5", [x1, 2.5], {}),
        ("error-output_size=none", [x1, None], {}),
        ("error-output_size=empty-1d", [x1, ()], {}),
        ("error-output_size=3-2d", [x2, (3,)], {}),
        ("error-output_size=3x4x5-2d", [x2, (3, 4, 5)], {}),
        ("error-output_size=-1x0-2d", [x2, (-1, 0)], {}),
        ("error-output_size=3x-1-2d", [x2, (3, -1)], {}),
        ("error-empty-spatial-input", [lambda cid: normal(cid, (2, 0, 3)), 2], {}),
    ]
    if op == "adaptive_average_pool":
        cases.append(("error-bool-input", [lambda cid: integers(cid, (2, 6, 3), 0, 2).astype(bool), 2], {}))
        # The sum of bools fails before a negative size's window is checked.
        cases.append(("error-bool-input-output_size=-2", [lambda cid: integers(cid, (2, 6, 3), 0, 2).astype(bool), -2], {}))
    return [make_case(op, tag, args, kw, since="3.13") for tag, args, kw in cases]


def _adaptive_op_cases(op):
    return (
        [_adaptive_geometry_case(op, *g) for g in ADAPTIVE_GEOMETRIES]
        + _adaptive_variant_cases(op)
        + _adaptive_special_cases(op)
        + _adaptive_int_cases(op)
        + _adaptive_error_cases(op)
    )


def cases():
    return [c for op in OPS for c in _op_cases(op)] + [c for op in ADAPTIVE_OPS for c in _adaptive_op_cases(op)]
