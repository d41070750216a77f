"""Losses: binary, categorical and sparse categorical crossentropy, and psnr.

The crossentropies take probabilities (renormalised along the class axis, then clipped to
[1e-7, 1 - 1e-7]) or logits; inputs hold exact 0 and 1 entries to reach the clip, and sparse labels
go out of range on purpose (Keras-JAX's one-hot row is then all zero, so the loss is 0).

Left out, where keras-parity differs from Keras-JAX (docs/deviations.md): a non-boolean
`from_logits`; `sparse_categorical_crossentropy` of a scalar target and a scalar output, where
Keras-JAX fails with an IndexError (it reads `target.shape[-1]` before checking the rank) and
keras-parity raises Keras's ValueError; psnr with a tensor `max_val`, which keras-parity refuses
(it takes a number).
"""
import numpy as np

from ..common import Case, fmt, integers, normal, uniform, make_case, shape_tag

NAN, INF = np.float32(np.nan), np.float32(np.inf)
BCE, CCE, SCCE = "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"
LOGITS = {"from_logits": True}

# One row per region of the clip: a target on an exact 0, on an exact 1, and a half-half row.
CLIP_PROBS = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 0.5, 0.5, 0]], np.float32)
LABELS_3 = np.array([1, 0, 3], np.int32)
ONE_HOT_3x4 = np.eye(4, dtype=np.float32)[np.array([0, 2, 3])]
# Logits far past float32's exp range, where log_softmax must stay finite.
BIG_LOGITS = np.array([[100, -100, 0, 50], [1e4, 0, -1e4, 0], [-30, -30, -30, 30]], np.float32)
SPECIAL_LOGITS = np.array([[NAN, 0, 1, 2], [0, -INF, 1, 2], [0, 1, INF, 2]], np.float32)




def _n(shape, scale=1.0, salt=0):
    """Normal values seeded by the case id."""
    return lambda cid: normal(cid, shape, scale=scale, salt=salt)


def _u(shape, low=0.0, high=1.0, salt=0):
    """Uniform values seeded by the case id."""
    return lambda cid: uniform(cid, shape, low, high, salt=salt)


def _i(shape, low, high, salt=0, dtype=np.int32):
    """Integers in [low, high) seeded by the case id, cast to `dtype`."""
    return lambda cid: integers(cid, shape, low, high, salt=salt).astype(dtype)




def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(np.float32)


def _one_hot(labels: np.ndarray, classes: int, axis: int = -1) -> np.ndarray:
    return np.moveaxis(np.eye(classes, dtype=np.float32)[labels], -1, axis)


# binary_crossentropy ---------------------------------------------------------------------------

def _bce_random(mode: str, shape, hard: bool) -> Case:
    """Soft or hard (0/1) targets against probabilities in (0, 1) or normal logits."""
    target = _i(shape, 0, 2, salt=1, dtype=np.float32) if hard else _u(shape, salt=1)
    output = _n(shape, scale=2.0) if mode == "logits" else _u(shape, 0.02, 0.98)
    tag = f"{mode}-{'hard' if hard else 'soft'}-{shape_tag(shape)}"
    return make_case(BCE, tag, [target, output], {"from_logits": mode == "logits"})


def binary_crossentropy_cases() -> list:
    sizes = (((2, 3), False), ((4, 5), True))
    out = [_bce_random(m, s, h) for m in ("probs", "logits") for s, h in sizes]
    out += [_bce_random("probs", s, True) for s in ((), (5,), (2, 3, 4))]
    out += [_bce_random("logits", s, False) for s in ((), (2, 3, 4))]
    t = np.array([[0, 1, 0, 1], [1, 0, 0.5, 0.5]], np.float32)
    # Exact 0 and 1 probabilities are clipped to 1e-7 and 1 - 1e-7: the loss caps at about 16.118.
    clip = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], np.float32)
    out.append(make_case(BCE, "probs-clip0and1-2x4", [t, clip]))
    out.append(make_case(BCE, "probs-default-kwargs-2x4", [t, _u((2, 4))]))
    # JAX's log_sigmoid stays finite and unclipped for large logits.
    big = np.array([[-100, -30, -16, 16], [30, 100, -1e4, 1e4]], np.float32)
    out.append(make_case(BCE, "logits-large-2x4", [t, big], LOGITS))
    out.append(make_case(BCE, "logits-positional-2x4", [t, _n((2, 4)), True]))
    special = np.array([[NAN, INF, -INF, 0], [INF, -INF, NAN, 1]], np.float32)
    out.append(make_case(BCE, "logits-nan-inf-2x4", [t, special], LOGITS))
    out.append(make_case(BCE, "probs-nan-inf-2x4", [t, special], {"from_logits": False}))
    out.append(make_case(BCE, "probs-target_int32-3x4", [_i((3, 4), 0, 2), _u((3, 4), 0.05, 0.95, salt=1)]))
    bools = _i((3, 4), 0, 2, dtype=bool)
    out.append(make_case(BCE, "logits-target_bool-3x4", [bools, _n((3, 4), salt=1)], LOGITS))
    # JavaScript infers int32 (or bool) for 0/1 arrays: outputs of those dtypes are clipped in float32.
    out.append(make_case(BCE, "probs-output_int32-2x3", [_u((2, 3)), _i((2, 3), 0, 2, salt=1)]))
    out.append(make_case(BCE, "probs-output_bool-2x3", [_u((2, 3)), _i((2, 3), 0, 2, salt=1, dtype=bool)]))
    out.append(make_case(BCE, "logits-output_int32-2x3", [_u((2, 3)), _i((2, 3), -3, 3, salt=1)], LOGITS))
    out.append(make_case(BCE, "probs-empty-0x3", [np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)]))
    # Keras requires equal shapes, even broadcastable ones.
    out.append(make_case(BCE, "error-shape-2x3-3x2", [_u((2, 3)), _u((3, 2), salt=1)]))
    out.append(make_case(BCE, "error-broadcast-1x3-2x3", [_u((1, 3)), _u((2, 3), salt=1)]))
    return out


# categorical_crossentropy ----------------------------------------------------------------------

def _cce_random(mode: str, shape, axis, soft: bool = False) -> Case:
    """One-hot (or softmax) targets along `axis`; softmax probabilities or normal logits."""
    def args(cid):
        if soft:
            target = _softmax(normal(cid, shape, salt=1), axis)
        else:
            labels = integers(cid, np.delete(np.array(shape), axis), 0, shape[axis], salt=1)
            target = _one_hot(labels, shape[axis], axis)
        logits = normal(cid, shape, scale=1.5)
        return target, logits if mode == "logits" else _softmax(logits, axis)
    tag = f"{mode}-axis{fmt(axis)}-{'soft-' if soft else ''}{shape_tag(shape)}"
    return make_case(CCE, tag, args, {"from_logits": mode == "logits", "axis": axis})


def _cce_joint(tag: str, from_logits: bool, axis) -> Case:
    """axis=None reduces over every axis; a tuple reduces over those axes jointly."""
    def args(cid):
        logits = normal(cid, (2, 3, 4))
        target = _softmax(normal(cid, (2, 3, 4), salt=1), -1)
        return target, logits if from_logits else _softmax(logits, -1)
    return make_case(CCE, tag, args, {"from_logits": from_logits, "axis": axis})


def categorical_crossentropy_cases() -> list:
    out = []
    for mode in ("probs", "logits"):
        for shape, axis in (((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -2), ((5,), 0)):
            out.append(_cce_random(mode, shape, axis))
        out.append(_cce_random(mode, (2, 5), -1, soft=True))
    out.append(_cce_random("probs", (2, 3, 4), 0))
    out.append(_cce_joint("logits-axisnone-2x3x4", True, None))
    out.append(_cce_joint("probs-axisnone-2x3x4", False, None))
    out.append(_cce_joint("logits-axis0x2-2x3x4", True, (0, 2)))
    t = ONE_HOT_3x4
    # Unnormalised probabilities are renormalised along `axis` before the clip; a zero row gives
    # 0/0 = NaN; negative entries renormalise, then clip.
    out.append(make_case(CCE, "probs-unnormalised-3x4", [t, _u((3, 4), 0.1, 3.0)]))
    out.append(make_case(CCE, "probs-unnormalised-axis0-3x4", [t, _u((3, 4), 0.1, 3.0)], {"axis": 0}))
    zero_row = np.array([[0.2, 0.3, 0.5, 0], [0, 0, 0, 0], [1, 1, 1, 1]], np.float32)
    out.append(make_case(CCE, "probs-zero_row-3x4", [t, zero_row]))
    out.append(make_case(CCE, "probs-negative-3x4", [t, _n((3, 4))]))
    out.append(make_case(CCE, "probs-clip0and1-3x4", [t, CLIP_PROBS]))
    out.append(make_case(CCE, "probs-default-kwargs-3x4", lambda cid: [t, _softmax(normal(cid, (3, 4)), -1)]))
    out.append(make_case(CCE, "logits-positional-axis0-3x4", [t, _n((3, 4)), True, 0]))
    out.append(make_case(CCE, "logits-large-3x4", [t, BIG_LOGITS], LOGITS))
    out.append(make_case(CCE, "logits-nan-inf-3x4", [t, SPECIAL_LOGITS], LOGITS))
    out.append(make_case(CCE, "probs-nan-inf-3x4", [t, np.abs(SPECIAL_LOGITS)]))
    out.append(make_case(CCE, "probs-target_int32-3x4", [t.astype(np.int32), _u((3, 4), 0.1, 1.0)]))
    out.append(make_case(CCE, "logits-target_bool-3x4", [t.astype(bool), _n((3, 4))], LOGITS))
    out.append(make_case(CCE, "logits-output_int32-3x4", [t, _i((3, 4), -3, 3)], LOGITS))
    out.append(make_case(CCE, "error-shape-3x4-4x3", [t, _n((4, 3))]))
    out.append(make_case(CCE, "error-shape-3x4-3x5", [t, _n((3, 5))], LOGITS))
    out.append(make_case(CCE, "error-rank0", [np.float32(1), np.float32(0.5)]))
    out.append(make_case(CCE, "error-axis2-3x4", [t, _u((3, 4))], {"axis": 2}))
    out.append(make_case(CCE, "error-logits-axis-3-3x4", [t, _n((3, 4))], {"from_logits": True, "axis": -3}))
    return out


# sparse_categorical_crossentropy ---------------------------------------------------------------

def _scce_random(mode: str, shape, trailing1: bool = False) -> Case:
    """Labels in range, optionally with a trailing 1-dim that Keras squeezes."""
    def args(cid):
        labels = integers(cid, shape[:-1] + ((1,) if trailing1 else ()), 0, shape[-1], salt=1)
        logits = normal(cid, shape, scale=1.5)
        return labels, logits if mode == "logits" else _softmax(logits, -1)
    tag = f"{mode}-{'target1-' if trailing1 else ''}{shape_tag(shape)}"
    return make_case(SCCE, tag, args, {"from_logits": mode == "logits"})


def _scce_out_of_range(mode: str, trailing1: bool) -> Case:
    """Labels >= C and < 0 get an all-zero one-hot row in JAX: a loss of exactly 0."""
    labels = np.array([0, 4, -1, 7, 3, -5], np.int32)
    def args(cid):
        logits = normal(cid, (6, 4))
        return labels[:, None] if trailing1 else labels, logits if mode == "logits" else _softmax(logits, -1)
    tag = f"{mode}-labels_out_of_range-{'target1-' if trailing1 else ''}6x4"
    return make_case(SCCE, tag, args, {"from_logits": mode == "logits"})


def _scce_axis(mode: str, axis: int, shape) -> Case:
    """axis != -1: one_hot(target, C, axis) broadcasts against output; square shapes make it fit."""
    output = _n(shape) if mode == "logits" else _u(shape, 0.1, 1.0)
    kwargs = {"from_logits": mode == "logits", "axis": axis}
    labels = _i(shape[:-1], 0, shape[axis], salt=1)
    return make_case(SCCE, f"{mode}-axis{axis}-{shape_tag(shape)}", [labels, output], kwargs)


def sparse_categorical_crossentropy_cases() -> list:
    out = []
    for mode in ("probs", "logits"):
        out += [_scce_random(mode, s) for s in ((3, 4), (2, 3, 5), (6,))]
        out += [_scce_random(mode, s, trailing1=True) for s in ((3, 4), (2, 3, 5))]
        out += [_scce_out_of_range(mode, False), _scce_axis(mode, 0, (4, 4))]
    out.append(_scce_out_of_range("probs", True))
    out.append(_scce_axis("logits", 1, (3, 3, 3)))
    out.append(make_case(SCCE, "probs-unnormalised-3x4", [LABELS_3, _u((3, 4), 0.1, 3.0)]))
    out.append(make_case(SCCE, "probs-clip0and1-3x4", [LABELS_3, CLIP_PROBS]))
    probs = lambda cid: _softmax(normal(cid, (3, 4)), -1)
    out.append(make_case(SCCE, "probs-default-kwargs-3x4", [LABELS_3, probs]))
    out.append(make_case(SCCE, "logits-positional-3x4", [LABELS_3, _n((3, 4)), True, -1]))
    # A rank-1 output takes a scalar label, or a (1,) label that is squeezed to a scalar.
    out.append(make_case(SCCE, "logits-scalar_target-4", [np.int32(2), _n((4,))], LOGITS))
    out.append(make_case(SCCE, "logits-target1-4", [np.array([3], np.int32), _n((4,))], LOGITS))
    out.append(make_case(SCCE, "logits-large-3x4", [LABELS_3, BIG_LOGITS], LOGITS))
    out.append(make_case(SCCE, "logits-nan-inf-3x4", [LABELS_3, SPECIAL_LOGITS], LOGITS))
    # Labels are cast to int32: floats truncate toward zero, bools become 0 and 1.
    whole, fractions = np.array([1.0, 0.0, 3.0], np.float32), np.array([1.7, 0.2, -0.5], np.float32)
    out.append(make_case(SCCE, "logits-target_float32-3x4", [whole, _n((3, 4))], LOGITS))
    out.append(make_case(SCCE, "logits-target_float32_fraction-3x4", [fractions, _n((3, 4))], LOGITS))
    out.append(make_case(SCCE, "logits-target_bool-3x4", [np.array([True, False, True]), _n((3, 4))], LOGITS))
    out.append(make_case(SCCE, "probs-empty-0x4", [np.zeros((0,), np.int32), np.zeros((0, 4), np.float32)]))
    out.append(make_case(SCCE, "error-shape-3-2x4", [LABELS_3, _n((2, 4))]))
    out.append(make_case(SCCE, "error-shape-2x3-2x4", [_i((2, 3), 0, 4), _n((2, 4))], LOGITS))
    out.append(make_case(SCCE, "error-rank0-output", [np.array([0, 1], np.int32), np.float32(0.5)]))
    # axis=0 with a 2x3 output: one_hot(target, 2, axis=0) is 2x2, which JAX cannot multiply with 2x3.
    labels = np.array([0, 1], np.int32)
    out.append(make_case(SCCE, "error-axis0-nonbroadcast-2x3", [labels, _n((2, 3))], {**LOGITS, "axis": 0}))
    out.append(make_case(SCCE, "error-axis2-2x3", [labels, _n((2, 3))], {"axis": 2}))
    return out


# psnr ------------------------------------------------------------------------------------------

def _psnr_random(shape, max_val, noise: float) -> Case:
    """x2 = x1 plus noise, x1 uniform in [0, max_val]."""
    def args(cid):
        x1 = uniform(cid, shape, 0.0, float(max_val))
        x2 = x1 + normal(cid, shape, scale=noise * float(max_val), salt=1)
        return x1, x2.astype(np.float32), max_val
    return make_case("psnr", f"maxval{fmt(max_val)}-noise{fmt(noise)}-{shape_tag(shape)}", args)


def _psnr_ints(tag: str, x1_float: bool, x2_float: bool, max_val) -> Case:
    """Integer images, or one of them scaled to float; max_val is cast to x2's dtype (1.5 -> 1 for int32)."""
    def args(cid):
        a, b = integers(cid, (2, 3), 0, 256), integers(cid, (2, 3), 0, 256, salt=1)
        if not (x1_float or x2_float):
            return a, b, max_val
        x1, x2 = [v.astype(np.float32) / 100 if f else v // 100 for v, f in ((a, x1_float), (b, x2_float))]
        return x1, x2, max_val
    return make_case("psnr", tag, args)


def psnr_cases() -> list:
    out = [_psnr_random(s, m, n) for s, m, n in (
        ((2, 4, 4, 3), 1.0, 0.1), ((2, 4, 4, 3), 255.0, 0.01), ((5,), 0.5, 0.2), ((2, 3), 2.0, 1.0),
        ((3, 8, 8), 255, 0.05), ((), 1.0, 0.3),
    )]
    x = _u((2, 3, 3))
    out.append(make_case("psnr", "identical-maxval1.0-2x3x3", [x, x, 1.0]))  # mse 0: +inf
    out.append(make_case("psnr", "identical-maxval255-2x3x3", [x, x, 255]))
    out.append(make_case("psnr", "maxval0-2x3", [_u((2, 3)), _u((2, 3), salt=1), 0.0]))  # log10(0): -inf
    out.append(make_case("psnr", "maxval-1.0-2x3", [_u((2, 3)), _u((2, 3), salt=1), -1.0]))  # log10(-1): NaN
    def with_nan(cid):
        x1 = uniform(cid, (2, 3))
        x1[0, 1] = NAN
        return x1, uniform(cid, (2, 3), salt=1), 1.0
    out.append(make_case("psnr", "nan-maxval1.0-2x3", with_nan))
    empty = np.zeros((0, 3), np.float32)
    out.append(make_case("psnr", "empty-maxval1.0-0x3", [empty, empty, 1.0]))
    out.append(_psnr_ints("int32-maxval255-2x3", False, False, 255))
    out.append(_psnr_ints("x1float32-x2int32-maxval1.5-2x3", True, False, 1.5))
    out.append(_psnr_ints("x1int32-x2float32-maxval1.5-2x3", False, True, 1.5))
    # x1 - x2 of int32 wraps: 2**30 - (-2**30) is -2**31, whose square wraps to 0, so mse is 0.
    wrap = [np.array([2**30, 0], np.int32), np.array([-2**30, 0], np.int32), 255]
    out.append(make_case("psnr", "int32-wrap-maxval255-2", wrap))
    bools = np.array([True, False, True, True])
    out.append(make_case("psnr", "x1bool-x2float32-maxval1.0-4", [bools, _u((4,)), 1.0]))
    out.append(make_case("psnr", "error-shape-2x3-3x2", [_u((2, 3)), _u((3, 2)), 1.0]))
    out.append(make_case("psnr", "error-rank-2x3-6", [_u((2, 3)), _u((6,)), 1.0]))
    return out


def cases() -> list:
    return (binary_crossentropy_cases() + categorical_crossentropy_cases()
            + sparse_categorical_crossentropy_cases() + psnr_cases())
