"""max_pool and average_pool: 1-D to 3-D, both layouts, valid / same (asymmetric pads included),
tuple windows and strides, special values, int32 and bool inputs, and the inputs Keras rejects.

Ids read `<op>/<rank>d-<padding>-p<pool_size>-s<strides>-<data_format>-n<spatial size>[-extra]`.
Strides are always passed: Keras 3.6.0 on JAX raises TypeError for strides=None, a backend bug that
keras-parity deliberately does not follow (docs/deviations.md), so no case relies on the default.
"""
import numpy as np

from ..common import Case, fmt, integers, normal

OPS = ("max_pool", "average_pool")

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


def cases():
    return [c for op in OPS for c in _op_cases(op)]
