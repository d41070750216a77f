"""one_hot and multi_hot.

Ids read `<op>/c<num_classes>-axis=<axis>-<input shape>-<input dtype>[-<dtype argument>]`, a
parameter left at its default unnamed, with a tag for special label sets (`oob`: out-of-range and
negative labels). Keras-JAX compares labels with arange(num_classes), so any label outside
[0, num_classes) gives a zero row; multi_hot then takes the max over axis 1 (0 for 1-D input) whatever
`axis` is: odd shapes, but pinned by Keras's tests.
"""
import numpy as np

from ..common import fmt, integers, make_case, shape_tag

BOOLS = np.array([True, False, True])






def _one_hot_axes():
    """Every axis on rank 1 and 2 labels, in range; JAX also takes -ndim-1..-2 and ndim."""
    out = []
    for shape, axes in [((6,), [-1, 0, 1, -2]), ((2, 3), [-1, 0, 1, 2, -2, -3]), ((2, 2, 3), [0, 1, 3, -4])]:
        for axis in axes:
            out.append(make_case("one_hot", f"c5-axis={axis}-{shape_tag(shape)}-i32",
                             lambda cid: [integers(cid, shape, 0, 5), 5], {"axis": axis}))
    return out


def _one_hot_dtypes():
    out = []
    for dtype in ["float32", "int32", "bool"]:
        out.append(make_case("one_hot", f"c4-2x3-i32-{dtype}", lambda cid: [integers(cid, (2, 3), 0, 4), 4],
                         {"dtype": dtype}))
        out.append(make_case("one_hot", f"c4-axis=0-oob-2x3-i32-{dtype}", lambda cid: [integers(cid, (2, 3), -3, 7), 4],
                         {"axis": 0, "dtype": dtype}))
    out.append(make_case("one_hot", "c4-6-i32-none", lambda cid: [integers(cid, (6,), 0, 4), 4], {"dtype": None}))
    return out


def _one_hot_values():
    """Out-of-range and negative labels, float labels (compared, not cast), edge num_classes."""
    return [
        make_case("one_hot", "c4-oob-neg-8-i32", [np.array([0, -1, -4, 3, 4, 7, 2, -2147483648], np.int32), 4]),
        make_case("one_hot", "c4-oob-2x6-i32", lambda cid: [integers(cid, (2, 6), -5, 9), 4]),
        make_case("one_hot", "c3-6-f32", [np.array([0.0, 1.0, 2.0, 1.5, -1.0, 3.0], np.float32), 3]),
        make_case("one_hot", "c3-special-5-f32", [np.array([np.nan, np.inf, -np.inf, -0.0, 2.0], np.float32), 3]),
        make_case("one_hot", "c1-5-i32", [np.array([0, 1, 0, -1, 0], np.int32), 1]),
        make_case("one_hot", "c0-4-i32", [np.array([0, 1, 2, 3], np.int32), 0]),
        make_case("one_hot", "c6-scalar-i32", [np.int32(4), 6]),
        make_case("one_hot", "c6-axis=0-scalar-i32", [np.int32(2), 6], {"axis": 0}),
        make_case("one_hot", "c3-0-i32", [np.zeros((0,), np.int32), 3]),
        make_case("one_hot", "c3-axis=0-0x2-i32", [np.zeros((0, 2), np.int32), 3], {"axis": 0}),
        make_case("one_hot", "c7-2x2x2x2-i32", lambda cid: [integers(cid, (2, 2, 2, 2), 0, 7), 7]),
        make_case("one_hot", "kw-c5-6-i32", lambda cid: [integers(cid, (6,), 0, 5)], {"num_classes": 5}),
        make_case("one_hot", "positional-c5-axis=0-4x2-i32-float32",
              lambda cid: [integers(cid, (4, 2), 0, 5), 5, 0, "float32"]),
        make_case("one_hot", "c5-sparse=f-6-i32", lambda cid: [integers(cid, (6,), 0, 5), 5], {"sparse": False}),
    ]


def _one_hot_errors():
    def x(cid):
        return [integers(cid, (2, 3), 0, 4), 4]

    return [
        make_case("one_hot", "error-c4-axis=3-2x3-i32", x, {"axis": 3}),
        make_case("one_hot", "error-c4-axis=-4-2x3-i32", x, {"axis": -4}),
        make_case("one_hot", "error-c4-3-bool", [BOOLS, 4]),
        make_case("one_hot", "error-cnone-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 4), None]),
        make_case("one_hot", "error-c-1-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 4), -1]),
        make_case("one_hot", "error-c4-dtype=foo-2x3-i32", x, {"dtype": "foo"}),
    ]


def _multi_hot_axes():
    """The reduction axis is 1 (0 for 1-D) whatever `axis` is, so each axis gives its own pinned shape."""
    out = []
    for shape, axes in [((5,), [-1, 0, 1, -2]), ((2, 4), [-1, 0, 1, 2, -2, -3]),
                        ((2, 3, 1), [-1, 0, 1, 2, 3, -2, -3, -4]), ((2, 3, 2), [-1, 1])]:
        for axis in axes:
            out.append(make_case("multi_hot", f"c6-axis={axis}-{shape_tag(shape)}-i32",
                             lambda cid: [integers(cid, shape, 0, 6), 6], {"axis": axis}))
    return out


def _multi_hot_other():
    return [
        make_case("multi_hot", "c6-2x4-i32", lambda cid: [integers(cid, (2, 4), 0, 6), 6]),
        make_case("multi_hot", "c5-neg-4-i32", [np.array([0, -1, -1, 3], np.int32), 5]),
        make_case("multi_hot", "c4-oob-dup-3x5-i32", lambda cid: [integers(cid, (3, 5), -3, 7), 4]),
        make_case("multi_hot", "c4-axis=0-oob-3x5-i32", lambda cid: [integers(cid, (3, 5), -3, 7), 4], {"axis": 0}),
        make_case("multi_hot", "c5-scalar-i32", [np.int32(3), 5]),
        make_case("multi_hot", "c5-0x3-i32", [np.zeros((0, 3), np.int32), 5]),
        make_case("multi_hot", "c0-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 4), 0]),
        # Float labels are cast to int32 (truncation toward zero) before the comparison; bool to 0/1.
        make_case("multi_hot", "c4-2x3-f32", [np.array([[0.7, 2.2, -0.5], [1.0, 3.9, 4.0]], np.float32), 4]),
        make_case("multi_hot", "c3-1x3-bool", [BOOLS[None, :], 3]),
        make_case("multi_hot", "kw-c6-2x4-i32", lambda cid: [integers(cid, (2, 4), 0, 6)], {"num_classes": 6}),
        # num_tokens: the legacy name of num_classes.
        make_case("multi_hot", "num_tokens6-2x4-i32", lambda cid: [integers(cid, (2, 4), 0, 6)], {"num_tokens": 6}),
        make_case("multi_hot", "num_tokens5-axis=0-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 5)],
              {"num_tokens": 5, "axis": 0}),
        make_case("multi_hot", "c5-sparse=f-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 5), 5], {"sparse": False}),
        make_case("multi_hot", "positional-c5-axis=0-2x3-i32-int32",
              lambda cid: [integers(cid, (2, 3), 0, 5), 5, 0, "int32"]),
    ]


def _multi_hot_dtypes():
    out = []
    for dtype in ["float32", "int32", "bool", None]:
        out.append(make_case("multi_hot", f"c6-2x4-i32-{fmt(dtype)}", lambda cid: [integers(cid, (2, 4), 0, 6), 6],
                         {"dtype": dtype}))
        out.append(make_case("multi_hot", f"c4-axis=0-oob-2x3x1-i32-{fmt(dtype)}",
                         lambda cid: [integers(cid, (2, 3, 1), -2, 6), 4], {"axis": 0, "dtype": dtype}))
    return out


def _multi_hot_errors():
    def x(cid):
        return [integers(cid, (2, 3), 0, 4)]

    return [
        make_case("multi_hot", "error-cnone-2x3-i32", x),
        make_case("multi_hot", "error-cnone-axis=0-2x3-i32", x, {"axis": 0, "num_classes": None}),
        make_case("multi_hot", "error-c4-axis=3-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 4), 4], {"axis": 3}),
        make_case("multi_hot", "error-c4-axis=-4-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 4), 4], {"axis": -4}),
    ]


def _standardized_dtypes():
    """Keras 3.14 standardizes `dtype` first (src/ops/encoding.ts, `changes`): 'float' is no longer a
    name, and an unknown one raises ValueError before any other argument is looked at."""
    def x(cid):
        return [integers(cid, (2, 3), 0, 4), 4]
    return [
        make_case("one_hot", "error-c4-dtype=float-2x3-i32", x, {"dtype": "float"}, since="3.14"),
        make_case("one_hot", "error-c-1-dtype=foo-2x3-i32", lambda cid: [integers(cid, (2, 3), 0, 4), -1],
                  {"dtype": "foo"}, since="3.14"),
        make_case("one_hot", "c4-dtype=int-2x3-i32", x, {"dtype": "int"}, since="3.14"),
        make_case("multi_hot", "error-c4-dtype=foo-2x3-i32", x, {"dtype": "foo"}, since="3.14"),
        make_case("multi_hot", "error-c4-axis=3-dtype=foo-2x3-i32", x, {"axis": 3, "dtype": "foo"}, since="3.14"),
        make_case("multi_hot", "error-c4-dtype=float-2x3-i32", x, {"dtype": "float"}, since="3.14"),
    ]


def cases():
    return (_standardized_dtypes() + _one_hot_axes() + _one_hot_dtypes() + _one_hot_values() + _one_hot_errors()
            + _multi_hot_axes() + _multi_hot_other() + _multi_hot_dtypes() + _multi_hot_errors())
