"""Cases of the complex family (src/ops/complex.ts): polar, from Keras 3.9 on (keras-team/keras#20930).

Keras computes abs_ * cos(angle) and abs_ * sin(angle) in float32 and joins them with jax.lax.complex, so
the cases cover each dtype of either argument (int32 and bool promote), broadcasting as jnp's multiply
does it, the special values of both arguments against each other, angles far past 2**24 (range
reduction), and JAX's two broadcasting errors. Valid case ids start with abs_'s dtype (f32-, i32-,
bool-): tfjs-wasm cannot hold complex64, and src/golden/exclusions.ts leaves those out there by prefix.
A complex argument reaches Keras's "not of type float" check, whose message prints both products'
values; keras-parity names their shape instead, so only a complex argument with a broadcasting error is
a case here.
"""
import numpy as np

from ..common import integers, make_case, normal, uniform

SINCE = "3.9"
INF = np.inf
NAN = np.nan
F32_PI = np.float32(np.pi)
# Signed zeros, a subnormal, negatives (a negative magnitude turns the point around), the largest float32.
ABS_SPECIAL = np.array([0.0, -0.0, 1e-40, 1.0, -1.0, 2.5, -2.5, 3e38, INF, -INF, NAN], dtype=np.float32)
# Where cos or sin is 0 or +-1 in exact arithmetic (float32 pi is not pi: the result is tiny, not 0),
# huge angles, the infinities (cos and sin are NaN) and NaN.
ANGLE_SPECIAL = np.array(
    [0.0, -0.0, 1e-40, F32_PI / 2, -F32_PI / 2, F32_PI, -F32_PI, 2 * F32_PI, 1e6, 16777217.0, 1e30, 3.4e38,
     INF, -INF, NAN],
    dtype=np.float32,
)
I32_EXTREMES = np.array([-2**31, -(2**24 + 1), -7, -1, 0, 1, 7, 2**24 + 1, 2**31 - 1], dtype=np.int32)


def polar(tag, args, kwargs=None):
    return make_case("polar", tag, args, kwargs, since=SINCE)


def _shapes():
    return [
        polar("f32-3x4", lambda cid: [normal(cid, (3, 4)), uniform(cid, (3, 4), -4, 4, salt=1)]),
        polar("f32-scalar", [np.float32(2.0), F32_PI / 2]),
        polar("f32-2x3x4x5", lambda cid: [normal(cid, (2, 3, 4, 5)), normal(cid, (2, 3, 4, 5), 3.0, salt=1)]),
        polar("f32-empty-0x3", [np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)]),
        polar("f32-keywords-5", [], {"abs_": lambda cid: normal(cid, (5,)), "angle": lambda cid: normal(cid, (5,), salt=1)}),
        polar("f32-python_floats", [2.5, 0.75]),
        polar("f32-python_abs-4", lambda cid: [1.5, normal(cid, (4,))]),
    ]


def _broadcasting():
    return [
        polar("f32-broadcast-2x1-3", lambda cid: [normal(cid, (2, 1)), normal(cid, (3,), salt=1)]),
        polar("f32-broadcast-scalar-2x3", lambda cid: [np.float32(3.0), normal(cid, (2, 3), salt=1)]),
        polar("f32-broadcast-4-2x4", lambda cid: [normal(cid, (4,)), normal(cid, (2, 4), salt=1)]),
        polar("f32-broadcast-1x3-2x1", lambda cid: [normal(cid, (1, 3)), normal(cid, (2, 1), salt=1)]),
        polar("f32-broadcast-0x1-1x3", [np.zeros((0, 1), np.float32), np.ones((1, 3), np.float32)]),
        polar("f32-broadcast-2x3-scalar", lambda cid: [normal(cid, (2, 3)), np.float32(-1.0)]),
    ]


def _values():
    return [
        # Every special magnitude against every special angle.
        polar("f32-special-11x1-15", [ABS_SPECIAL.reshape(-1, 1), ANGLE_SPECIAL]),
        polar("f32-large_angles-64", lambda cid: [uniform(cid, (64,), 0.5, 2),
                                                   (normal(cid, (64,), salt=1) * 10.0 ** (np.arange(64) % 39)).astype(np.float32)]),
        polar("f32-large_abs-8", lambda cid: [(normal(cid, (8,)) * 1e37).astype(np.float32), normal(cid, (8,), 3.0, salt=1)]),
        polar("f32-negative_abs-6", lambda cid: [-uniform(cid, (6,), 0.1, 5), normal(cid, (6,), salt=1)]),
    ]


def _dtypes():
    bools = np.array([[True, False, True], [False, True, False]])
    return [
        polar("i32-i32-3x3", lambda cid: [integers(cid, (3, 3), -10, 10), integers(cid, (3, 3), -10, 10, salt=1)]),
        polar("i32-i32-extremes-9", [I32_EXTREMES, I32_EXTREMES[::-1].copy()]),
        polar("i32-f32-4", lambda cid: [integers(cid, (4,), -5, 6), normal(cid, (4,), salt=1)]),
        polar("f32-i32-4", lambda cid: [normal(cid, (4,)), integers(cid, (4,), -5, 6, salt=1)]),
        polar("i32-python_ints", [2, 1]),
        polar("bool-f32-2x3", lambda cid: [bools, normal(cid, (2, 3), salt=1)]),
        polar("f32-bool-2x3", lambda cid: [normal(cid, (2, 3)), bools]),
        polar("bool-bool-2x3", [bools, bools[::-1].copy()]),
        polar("bool-i32-2x3", lambda cid: [bools, integers(cid, (2, 3), -3, 4, salt=1)]),
        polar("i32-bool-2x3", lambda cid: [integers(cid, (2, 3), -3, 4), bools]),
    ]


def _errors():
    return [
        # Equal ranks go straight to lax.mul: TypeError; unequal ranks fail in lax.broadcast_shapes: ValueError.
        polar("error-broadcast-3-4", lambda cid: [normal(cid, (3,)), normal(cid, (4,), salt=1)]),
        polar("error-broadcast-0-2", lambda cid: [np.zeros((0,), np.float32), normal(cid, (2,), salt=1)]),
        polar("error-broadcast-2x3-4", lambda cid: [normal(cid, (2, 3)), normal(cid, (4,), salt=1)]),
        polar("error-broadcast-4-2x3", lambda cid: [normal(cid, (4,)), normal(cid, (2, 3), salt=1)]),
        polar("error-broadcast-i32-2x3-5x2x4", lambda cid: [integers(cid, (2, 3), -3, 4), normal(cid, (5, 2, 4), salt=1)]),
        # A complex64 argument: the broadcasting error comes before Keras's float check.
        polar("error-complex64_abs-broadcast-3-4",
              lambda cid: [(normal(cid, (3,)) + 1j * normal(cid, (3,), salt=2)).astype(np.complex64), normal(cid, (4,), salt=1)]),
    ]


def cases():
    return _shapes() + _broadcasting() + _values() + _dtypes() + _errors()
