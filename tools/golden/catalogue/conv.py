"""conv, depthwise_conv, separable_conv and conv_transpose: 1-D to 3-D, both layouts, valid / same with
odd and even kernels and sizes where 'same' pads asymmetrically, strides 1 to 3, dilation (with strides
> 1 too), groups, depthwise multipliers, output_padding, special values, int32, and the inputs Keras
rejects.

Ids read `<op>/<rank>d-<padding>-s<strides>-d<dilation>-<data_format>-k<kernel size>-n<spatial size>`
followed by the extras of the case: `-g2` groups, `-m2` depthwise multiplier, `-op1` output_padding.
Kernels are always channels-last: conv (*k, C_in // groups, C_out), depthwise (*k, C_in, M),
conv_transpose (*k, C_out, C_in).
"""
import numpy as np

from ..common import Case, fmt, integers, make_case, normal

# (spatial size, kernel size, strides, padding, dilation, data_format, input channels, kernel in_channels):
# groups = input channels // kernel in_channels.
CONV = [
    ((8,), 3, 1, "valid", 1, "channels_last", 3, 3),
    ((9,), 2, 2, "same", 1, "channels_last", 3, 3),  # pads (0, 1)
    ((10,), 4, 1, "same", 1, "channels_first", 3, 3),  # pads (1, 2)
    ((10,), 3, 3, "same", 1, "channels_last", 3, 3),
    ((7,), 5, 3, "valid", 1, "channels_last", 3, 3),  # the last input is never read
    ((11,), 3, 2, "valid", 2, "channels_last", 3, 3),  # dilation with a stride
    ((9,), 2, 1, "same", 3, "channels_first", 3, 3),  # k_eff 4: pads (1, 2)
    ((10,), 3, 2, "same", 2, "channels_last", 3, 3),  # k_eff 5: pads (1, 2)
    ((8,), 3, 1, "valid", 1, "channels_first", 4, 2),
    ((7, 8), 3, 2, "same", 1, "channels_first", 3, 3),  # pads (1, 1) and (0, 1)
    ((6, 7), (3, 2), 1, "valid", 1, "channels_last", 3, 3),
    ((5, 6), 2, 1, "same", 1, "channels_last", 3, 3),
    ((7, 6), 3, (2, 1), "valid", 1, "channels_first", 3, 3),
    ((6, 7), 3, 1, "same", (2, 1), "channels_last", 3, 3),
    ((9, 8), 3, 2, "same", 2, "channels_first", 3, 3),
    ((10, 9), (4, 3), 3, "valid", 1, "channels_last", 3, 3),
    ((8, 7), (3, 2), (3, 2), "same", (1, 2), "channels_last", 3, 3),
    ((6, 5), 3, 1, "same", 1, "channels_last", 4, 2),
    ((5, 6), 2, 2, "valid", 1, "channels_first", 6, 2),
    ((6, 6), 3, 1, "same", 1, "channels_last", 3, 1),  # one input channel per group, as depthwise
    ((4, 4, 4), 2, 1, "valid", 1, "channels_last", 2, 2),
    ((3, 4, 5), 3, 2, "same", 1, "channels_first", 2, 2),
    ((4, 3, 4), 2, 1, "same", 2, "channels_last", 4, 2),
    ((5, 4, 3), (3, 2, 1), (2, 1, 1), "valid", (1, 2, 1), "channels_first", 2, 2),
]

# (spatial size, kernel size, strides, padding, dilation, data_format, multiplier)
DEPTHWISE = [
    ((8,), 3, 1, "valid", 1, "channels_last", 1),
    ((9,), 2, 2, "same", 1, "channels_first", 2),
    ((10,), 4, 1, "same", 1, "channels_last", 3),
    ((11,), 3, 2, "valid", 2, "channels_last", 2),
    ((10,), 3, 3, "same", 1, "channels_first", 1),
    ((9,), 2, 1, "same", 3, "channels_first", 2),  # k_eff 4: pads (1, 2)
    ((7, 8), 3, 2, "same", 1, "channels_first", 1),
    ((6, 7), (3, 2), 1, "valid", 1, "channels_last", 2),
    ((5, 6), 2, 1, "same", 1, "channels_last", 3),
    ((8, 7), 2, 2, "valid", 1, "channels_first", 3),
    ((9, 8), 3, 2, "same", 2, "channels_last", 2),
    ((7, 6), 3, (2, 1), "valid", (1, 2), "channels_first", 1),
    ((10, 9), (4, 3), 3, "same", 1, "channels_last", 1),
    ((4, 4, 4), 2, 1, "valid", 1, "channels_last", 2),  # JAX accepts 3-D; TF does not
    ((3, 4, 5), 3, 2, "same", 1, "channels_first", 1),
]

# (spatial size, kernel size, strides, padding, dilation, data_format, multiplier)
SEPARABLE = [
    ((8,), 3, 1, "valid", 1, "channels_last", 1),
    ((9,), 2, 2, "same", 1, "channels_first", 2),
    ((10,), 4, 1, "same", 2, "channels_last", 3),
    ((11,), 3, 2, "valid", 2, "channels_last", 2),
    ((7,), 5, 3, "valid", 1, "channels_first", 1),
    ((7, 8), 3, 2, "same", 1, "channels_first", 1),
    ((6, 7), (3, 2), 1, "valid", 1, "channels_last", 2),
    ((5, 6), 2, 1, "same", 1, "channels_last", 3),
    ((9, 8), 3, 2, "same", 2, "channels_first", 2),
    ((10, 9), (4, 3), (3, 2), "same", 1, "channels_last", 1),
    ((4, 4, 4), 2, 1, "valid", 1, "channels_last", 2),  # JAX accepts 3-D; TF does not
]

# (spatial size, kernel size, strides, padding, output_padding, dilation, data_format)
TRANSPOSE = [
    ((5,), 3, 2, "valid", None, 1, "channels_last"),
    ((5,), 3, 2, "same", None, 1, "channels_last"),  # crops 0 on the left
    ((5,), 5, 2, "same", None, 1, "channels_first"),  # crops 1 on the left
    ((4,), 2, 1, "same", None, 1, "channels_last"),  # even kernel, stride 1
    ((4,), 4, 3, "same", None, 1, "channels_last"),
    ((5,), 2, 3, "valid", None, 1, "channels_first"),  # stride > kernel: default output_padding 1
    ((5,), 3, 2, "valid", 1, 1, "channels_last"),
    ((5,), 3, 3, "same", 2, 1, "channels_last"),
    ((5,), 3, 2, "same", 0, 1, "channels_first"),
    ((5,), 3, 1, "valid", None, 2, "channels_last"),
    ((4,), 3, 2, "same", None, 2, "channels_last"),
    ((4,), 2, 2, "same", 1, 3, "channels_first"),
    ((4,), 3, 2, "valid", 3, 1, "channels_last"),  # output_padding >= stride: JAX accepts, TF does not
    ((4, 5), 3, 2, "same", None, 1, "channels_first"),
    ((4, 5), (3, 2), (2, 1), "valid", None, 1, "channels_last"),
    ((3, 4), 3, 2, "valid", (1, 0), 1, "channels_last"),
    ((3, 4), (2, 3), (3, 2), "same", (2, 1), 1, "channels_first"),
    ((4, 3), 3, 2, "same", (1, None), 1, "channels_last"),  # None infers that dim's padding
    ((4, 4), 3, 1, "same", None, (2, 1), "channels_last"),
    ((3, 4), 2, 2, "valid", None, 2, "channels_first"),
    ((4, 5), 4, 2, "same", None, 1, "channels_last"),
    ((2, 3, 3), 2, 2, "valid", None, 1, "channels_last"),
    ((3, 2, 3), 3, (2, 1, 2), "same", (1, 0, 1), 1, "channels_first"),
    ((2, 3, 2), 2, 1, "same", None, 2, "channels_last"),
]


def _kernel_spatial(k, rank):
    return (k,) * rank if isinstance(k, int) else tuple(k)


def _layout(spatial, channels, data_format, batch):
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def _sizes(spatial):
    """(batch, channels) by rank: 3-D cases stay tiny."""
    return (1, 2) if len(spatial) == 3 else (2, 3)


def _case_id(op, spatial, k, strides, padding, dilation, data_format, *extras):
    tail = "".join(f"-{e}" for e in extras)
    return (
        f"{op}/{len(spatial)}d-{padding}-s{fmt(strides)}-d{fmt(dilation)}-{fmt(data_format)}"
        f"-k{fmt(k)}-n{fmt(spatial)}{tail}"
    )


def _window_kwargs(strides, padding, dilation, data_format):
    return {"strides": strides, "padding": padding, "data_format": data_format, "dilation_rate": dilation}


def _conv_case(spatial, k, strides, padding, dilation, data_format, c_in, kernel_in):
    groups = c_in // kernel_in
    extras = [f"g{groups}"] if groups > 1 else []
    cid = _case_id("conv", spatial, k, strides, padding, dilation, data_format, *extras)
    c_out = 2 * groups if groups > 1 else 4
    x = normal(cid, _layout(spatial, c_in, data_format, _sizes(spatial)[0]))
    kernel = normal(cid, _kernel_spatial(k, len(spatial)) + (kernel_in, c_out), salt=1)
    return Case(cid, "conv", (x, kernel), _window_kwargs(strides, padding, dilation, data_format))


def _depthwise_case(spatial, k, strides, padding, dilation, data_format, multiplier):
    cid = _case_id("depthwise_conv", spatial, k, strides, padding, dilation, data_format, f"m{multiplier}")
    batch, channels = _sizes(spatial)
    x = normal(cid, _layout(spatial, channels, data_format, batch))
    kernel = normal(cid, _kernel_spatial(k, len(spatial)) + (channels, multiplier), salt=1)
    return Case(cid, "depthwise_conv", (x, kernel), _window_kwargs(strides, padding, dilation, data_format))


def _separable_case(spatial, k, strides, padding, dilation, data_format, multiplier):
    cid = _case_id("separable_conv", spatial, k, strides, padding, dilation, data_format, f"m{multiplier}")
    batch, channels = _sizes(spatial)
    x = normal(cid, _layout(spatial, channels, data_format, batch))
    depthwise = normal(cid, _kernel_spatial(k, len(spatial)) + (channels, multiplier), salt=1)
    pointwise = normal(cid, (1,) * len(spatial) + (channels * multiplier, 4), salt=2)
    kwargs = _window_kwargs(strides, padding, dilation, data_format)
    return Case(cid, "separable_conv", (x, depthwise, pointwise), kwargs)


def _transpose_case(spatial, k, strides, padding, output_padding, dilation, data_format, sizes=None):
    """`sizes` (batch, C_in, C_out) makes a large case, whose tolerance is derived (_sum_tolerance)."""
    extras = (["large"] if sizes else []) + ([] if output_padding is None else [f"op{fmt(output_padding)}"])
    cid = _case_id("conv_transpose", spatial, k, strides, padding, dilation, data_format, *extras)
    batch, c_in, c_out = sizes or (*_sizes(spatial), 2)
    x = normal(cid, _layout(spatial, c_in, data_format, batch))
    kernel = normal(cid, _kernel_spatial(k, len(spatial)) + (c_out, c_in), salt=1)
    kwargs = {"padding": padding, "output_padding": output_padding, "data_format": data_format}
    kwargs["dilation_rate"] = dilation
    return Case(cid, "conv_transpose", (x, kernel, strides), kwargs, _sum_tolerance(x, kernel) if sizes else None)


# 2^20 multiply-adds or more per output phase (per stride cell): wasm runs these as one conv per phase
# (adapters/tfjs/conv.ts). 1-D and 2-D, both paddings and layouts, output_padding.
LARGE_TRANSPOSE = [
    ((22, 22), 3, 2, "same", None, 1, "channels_last", (1, 32, 32)),
    ((16, 16), 3, (2, 1), "valid", (1, 0), 1, "channels_first", (1, 32, 32)),
    ((64,), 5, 2, "same", 1, 1, "channels_last", (2, 64, 64)),
    ((16, 16), 4, 1, "valid", None, 1, "channels_last", (1, 16, 16)),
]


def _sum_tolerance(x, kernel):
    """Each output is a float32 sum of at most K = taps * C_in products, rounded in another order by
    Keras (XLA) and by a backend: Higham's |error| <= gamma_K * max|x| * max_o sum|w[..., o, :]|, each."""
    terms = kernel.size // kernel.shape[-2]
    u = 2.0 ** -24
    gamma = terms * u / (1 - terms * u)
    a = float(np.abs(x).max())
    w = float(np.abs(kernel.astype(np.float64)).sum(axis=tuple(i for i in range(kernel.ndim) if i != kernel.ndim - 2)).max())
    atol = 2 * gamma * a * w
    why = (f"conv_transpose: float32 sums of K={terms} products per output; |error| <= gamma_K * max|x| * "
           f"max_o sum|w[..., o, :]| with max|x|={a:.4g}, max_o sum|w|={w:.4g}; x2 for two implementations: "
           f"atol {atol:.3g}")
    return {"atol": atol, "rtol": 1e-6, "why": why}


def _normals(cid, *shapes):
    """One float32 normal tensor per shape, told apart by position."""
    return tuple(normal(cid, shape, salt=i) for i, shape in enumerate(shapes))


def _variant_cases():
    """Calling conventions: defaults left out, every argument positional, upper-case 'SAME'."""
    cid = [
        _case_id("conv", (6, 5), 3, 1, "valid", 1, None, "defaults"),
        _case_id("conv", (7,), 3, 2, "same", 2, "channels_first", "positional"),
        _case_id("conv", (9, 6), 2, 2, "SAME", 1, "channels_last"),
        _case_id("depthwise_conv", (6, 5), 3, 1, "valid", 1, None, "m2", "defaults"),
        _case_id("depthwise_conv", (9,), 2, 2, "SAME", 1, "channels_last", "m1"),
        _case_id("separable_conv", (7,), 3, 2, "same", 1, "channels_first", "m2", "positional"),
        _case_id("conv_transpose", (5, 4), 3, 2, "valid", 1, None, "defaults"),
        _case_id("conv_transpose", (5,), 3, 2, "SAME", 1, "channels_first", "op1", "positional"),
    ]
    upper = {"strides": 2, "padding": "SAME"}
    return [
        Case(cid[0], "conv", _normals(cid[0], (2, 6, 5, 3), (3, 3, 3, 4))),
        Case(cid[1], "conv", _normals(cid[1], (2, 3, 7), (3, 3, 2)) + (2, "same", "channels_first", 2)),
        Case(cid[2], "conv", _normals(cid[2], (1, 9, 6, 2), (2, 2, 2, 3)), upper),
        Case(cid[3], "depthwise_conv", _normals(cid[3], (2, 6, 5, 3), (3, 3, 3, 2))),
        Case(cid[4], "depthwise_conv", _normals(cid[4], (2, 9, 3), (2, 3, 1)), upper),
        Case(
            cid[5], "separable_conv",
            _normals(cid[5], (2, 3, 7), (3, 3, 2), (1, 6, 4)) + (2, "same", "channels_first", 1),
        ),
        Case(cid[6], "conv_transpose", _normals(cid[6], (2, 5, 4, 3), (3, 3, 2, 3)) + (2,)),
        Case(
            cid[7], "conv_transpose",
            _normals(cid[7], (2, 3, 5), (3, 2, 3)) + (2, "SAME", 1, "channels_first", 1),
        ),
    ]


def _separable_extras():
    """Pointwise kernels that are not a plain 1x1 to C_out: grouped, and wider than 1 (then dilated)."""
    grouped = _case_id("separable_conv", (6, 5), 3, 1, "same", 1, "channels_last", "m1", "pwg2")
    wide = _case_id("separable_conv", (9,), 2, 1, "valid", 2, "channels_last", "m2", "pwk2")
    return [
        Case(
            grouped, "separable_conv",
            _normals(grouped, (2, 6, 5, 4), (3, 3, 4, 1), (1, 1, 2, 4)), {"padding": "same"},
        ),
        Case(wide, "separable_conv", _normals(wide, (2, 9, 3), (2, 3, 2), (2, 6, 4)), {"dilation_rate": 2}),
    ]


def _special_values(case_id, shape):
    """NaN, +-inf and magnitudes whose products and sums overflow float32, among normal values."""
    x = normal(case_id, shape)
    flat = x.reshape(-1)
    flat[[1, 11]] = np.nan
    flat[[4, 20]] = np.inf
    flat[[7, 21]] = -np.inf
    flat[[14, 15, 30]] = 3.0e38
    flat[[25]] = -3.0e38
    return x


def _special(op, cid, input_shape, kernel_shapes, extra_args=(), kwargs=None):
    """A case whose input holds special values; its kernels are normal values."""
    kernels = tuple(normal(cid, shape, salt=i + 1) for i, shape in enumerate(kernel_shapes))
    return Case(cid, op, (_special_values(cid, input_shape),) + kernels + extra_args, kwargs or {})


def _special_cases():
    ids = [
        _case_id("conv", (12,), 3, 1, "same", 1, "channels_last", "special"),
        _case_id("conv", (6, 4), 2, 2, "valid", 1, "channels_first", "special"),
        _case_id("depthwise_conv", (12,), 2, 1, "valid", 1, "channels_last", "m2", "special"),
        _case_id("separable_conv", (12,), 2, 1, "same", 1, "channels_last", "m1", "special"),
        _case_id("conv_transpose", (12,), 3, 2, "same", 1, "channels_last", "special"),
    ]
    first = {"data_format": "channels_first"}
    return [
        _special("conv", ids[0], (2, 12, 2), [(3, 2, 2)], kwargs={"padding": "same"}),
        _special("conv", ids[1], (1, 2, 6, 4), [(2, 2, 2, 3)], kwargs={"strides": 2, **first}),
        _special("depthwise_conv", ids[2], (2, 12, 2), [(2, 2, 2)]),
        _special("separable_conv", ids[3], (2, 12, 2), [(2, 2, 1), (1, 2, 3)], kwargs={"padding": "same"}),
        _special("conv_transpose", ids[4], (2, 12, 2), [(3, 2, 2)], (2,), {"padding": "same"}),
    ]


def _eighths(case_id, shape, salt):
    """float32 multiples of 1/8 in [-4, 4): with integer data every product and partial sum is exact,
    so the result does not depend on the order of summation. Normal values there would cancel sums of
    hundreds down to O(1) and leave float32 rounding of the large partial sums (3e-5 measured)."""
    return integers(case_id, shape, -32, 32, salt=salt).astype(np.float32) / np.float32(8)


def _data(cid, shape):
    """int32 data in [-50, 50): with kernels in [-5, 5] no sum comes near the int32 range."""
    return integers(cid, shape, -50, 50)


def _int_kernel(cid, shape, salt):
    return integers(cid, shape, -5, 6, salt=salt)


def _int_cases():
    """int32. JAX's conv casts the inputs to the kernel's dtype, so a float input with an int32 kernel
    is truncated toward zero, and separable_conv's pointwise step truncates the depthwise result the same
    way; depthwise and transposed conv need equal dtypes (their mixes are error cases)."""
    c = [  # the case ids
        _case_id("conv", (6, 5), 3, 1, "same", 1, "channels_last", "int32"),
        _case_id("conv", (8,), 3, 2, "valid", 1, "channels_last", "float32_int32_kernel"),
        _case_id("conv", (8,), 3, 1, "same", 1, "channels_first", "int32_float32_kernel"),
        _case_id("depthwise_conv", (5, 6), 2, 1, "same", 1, "channels_last", "m2", "int32"),
        _case_id("separable_conv", (8,), 3, 1, "valid", 1, "channels_last", "m2", "int32"),
        _case_id("separable_conv", (8,), 2, 1, "same", 1, "channels_last", "m1", "int32_pointwise"),
        _case_id("separable_conv", (8,), 2, 1, "valid", 1, "channels_first", "m2", "int32_float32_pointwise"),
        _case_id("conv_transpose", (4, 3), 3, 2, "same", 1, "channels_last", "int32"),
    ]
    same, first = {"padding": "same"}, {"data_format": "channels_first"}
    return [
        Case(c[0], "conv", (_data(c[0], (2, 6, 5, 3)), _int_kernel(c[0], (3, 3, 3, 4), 1)), same),
        Case(c[1], "conv", (normal(c[1], (2, 8, 3), scale=3.0), _int_kernel(c[1], (3, 3, 2), 1)), {"strides": 2}),
        Case(c[2], "conv", (_data(c[2], (2, 3, 8)), _eighths(c[2], (3, 3, 2), 1)), {**same, **first}),
        Case(c[3], "depthwise_conv", (_data(c[3], (2, 5, 6, 3)), _int_kernel(c[3], (2, 2, 3, 2), 1)), same),
        Case(
            c[4], "separable_conv",
            (_data(c[4], (2, 8, 3)), _int_kernel(c[4], (3, 3, 2), 1), _int_kernel(c[4], (1, 6, 4), 2)),
        ),
        Case(
            c[5], "separable_conv",
            (normal(c[5], (2, 8, 3), scale=3.0), normal(c[5], (2, 3, 1), salt=1), _int_kernel(c[5], (1, 3, 2), 2)),
            same,
        ),
        Case(
            c[6], "separable_conv",
            (_data(c[6], (2, 3, 8)), _int_kernel(c[6], (2, 3, 2), 1), _eighths(c[6], (1, 6, 2), 2)),
            first,
        ),
        Case(c[7], "conv_transpose", (_data(c[7], (2, 4, 3, 3)), _int_kernel(c[7], (3, 3, 2, 3), 1), 2), same),
    ]


def _ones(*shape):
    """A float32 kernel for the error cases, where only its shape matters."""
    return np.ones(shape, np.float32)


def _error(op, what, args, kwargs=None):
    return Case(f"{op}/error-{what}", op, args, kwargs or {})


def _error_cases():
    """Inputs Keras rejects; the expected class and message are whatever Keras raises."""
    x = normal("conv/errors", (2, 6, 3))
    xi = integers("conv/errors", (2, 6, 3), -5, 5)
    return [
        _error("conv", "data_format=NCHW", (x, _ones(3, 3, 4)), {"data_format": "NCHW"}),
        _error("conv", "padding=full", (x, _ones(3, 3, 4)), {"padding": "full"}),
        _error("conv", "padding=causal", (x, _ones(3, 3, 4)), {"padding": "causal"}),
        _error("conv", "channels3-kernel_in2", (x, _ones(3, 2, 4))),
        _error("conv", "g2-filters3", (normal("conv/errors", (2, 6, 4), salt=2), _ones(3, 2, 3))),
        _error("conv", "kernel_rank4-input_rank3", (x, _ones(3, 3, 3, 4))),
        _error("conv", "input_rank2-kernel_rank3", (normal("conv/errors", (6, 3), salt=3), _ones(3, 3, 4))),
        _error("conv", "strides=1x1-1d", (x, _ones(3, 3, 4)), {"strides": (1, 1)}),
        _error("depthwise_conv", "data_format=NCHW", (x, _ones(3, 3, 1)), {"data_format": "NCHW"}),
        _error("depthwise_conv", "padding=full", (x, _ones(3, 3, 1)), {"padding": "full"}),
        _error("depthwise_conv", "channels3-kernel_in2", (x, _ones(3, 2, 2))),
        _error("depthwise_conv", "kernel_rank4-input_rank3", (x, _ones(3, 3, 3, 1))),
        _error("depthwise_conv", "input_rank2-kernel_rank3", (x[0], _ones(3, 3, 1))),
        _error("depthwise_conv", "int32_inputs-float32_kernel", (xi, _ones(3, 3, 1))),
        _error("separable_conv", "int32_inputs-float32_depthwise", (xi, _ones(3, 3, 1), _ones(1, 3, 4))),
        _error("separable_conv", "data_format=NCHW", (x, _ones(3, 3, 1), _ones(1, 3, 4)), {"data_format": "NCHW"}),
        _error("separable_conv", "padding=full", (x, _ones(3, 3, 1), _ones(1, 3, 4)), {"padding": "full"}),
        _error("separable_conv", "channels3-depthwise_in2", (x, _ones(3, 2, 1), _ones(1, 2, 4))),
        _error("separable_conv", "m2-pointwise_in4", (x, _ones(3, 3, 2), _ones(1, 4, 4))),
        _error("separable_conv", "depthwise_rank4-input_rank3", (x, _ones(3, 3, 3, 1), _ones(1, 3, 4))),
        _error("separable_conv", "pointwise_rank4-input_rank3", (x, _ones(3, 3, 1), _ones(1, 1, 3, 4))),
        _error("conv_transpose", "data_format=NCHW", (x, _ones(3, 2, 3), 2), {"data_format": "NCHW"}),
        _error("conv_transpose", "padding=full", (x, _ones(3, 2, 3), 2), {"padding": "full"}),
        _error("conv_transpose", "channels3-kernel_in2", (x, _ones(3, 3, 2), 2)),
        _error("conv_transpose", "kernel_rank4-input_rank3", (x, _ones(3, 3, 2, 3), 2)),
        _error("conv_transpose", "input_rank2-kernel_rank3", (x[0], _ones(3, 2, 3), 2)),
        _error("conv_transpose", "int32_inputs-float32_kernel", (xi, _ones(3, 2, 3), 2)),
    ]


def _since(op, tag, args, kwargs=None, since=None):
    return make_case(op, tag, args, kwargs, since=since)


def _version_cases():
    """What later Keras releases changed (src/ops/conv.ts, `changes`): each case needs the release that
    made the change, so the 3.6.0 set does not hold it."""
    x = normal("conv/versions", (2, 6, 3))
    x_first = normal("conv/versions", (2, 3, 6), salt=1)
    empty_batch = np.zeros((0, 6, 3), np.float32)
    return [
        # conv_transpose's strides default to 1 (3.11).
        _since("conv_transpose", "default-strides-1d-k3-n6", lambda cid: _normals(cid, (2, 6, 3), (3, 2, 3)), since="3.11"),
        _since("conv_transpose", "default-strides-same-2d-k2-n4x5",
               lambda cid: _normals(cid, (1, 4, 5, 2), (2, 2, 3, 2)), {"padding": "same"}, since="3.11"),
        # conv raises on an empty result of a non-empty input (3.13), not on an empty input (3.14).
        _since("conv", "error-empty_output-k7-n6", (x, _ones(7, 3, 4)), since="3.13"),
        _since("conv", "error-empty_output-filters0", (x, _ones(3, 3, 0)), since="3.13"),
        _since("conv", "empty_input-batch0-k3-n6", lambda cid: [empty_batch, normal(cid, (3, 3, 4))], since="3.14"),
        _since("separable_conv", "error-empty_output-pointwise_k7",
               (x, _ones(2, 3, 1), _ones(7, 3, 4)), {"padding": "same"}, since="3.13"),
        _since("separable_conv", "empty_depthwise_output-k7-n6", (x, _ones(7, 3, 1), _ones(1, 3, 4)), since="3.14"),
        # conv_transpose's padding helper raises its own ValueError (3.14).
        _since("conv_transpose", "error-padding=causal", (x, _ones(3, 2, 3)), {"strides": 2, "padding": "causal"}, since="3.14"),
        # The input channels must equal the kernel's, checked first (3.15).
        _since("depthwise_conv", "error-channels3-kernel_in2-channels_first",
               (x_first, _ones(3, 2, 1)), {"data_format": "channels_first"}, since="3.15"),
        _since("depthwise_conv", "error-channels-and-strides=0", (x, _ones(3, 2, 1)), {"strides": 0}, since="3.15"),
        _since("depthwise_conv", "error-kernel_rank1", (x, _ones(3)), since="3.15"),
        _since("separable_conv", "error-channels3-depthwise_in4-channels_first",
               (x_first, _ones(3, 4, 1), _ones(1, 4, 2)), {"data_format": "channels_first"}, since="3.15"),
        _since("conv_transpose", "error-channels3-kernel_in4-channels_first",
               (x_first, _ones(3, 2, 4)), {"strides": 2, "data_format": "channels_first"}, since="3.15"),
        _since("conv_transpose", "error-channels-and-padding=causal",
               (x, _ones(3, 2, 4)), {"strides": 2, "padding": "causal"}, since="3.15"),
    ]


def cases():
    return (
        _version_cases()
        + [_conv_case(*g) for g in CONV]
        + [_depthwise_case(*g) for g in DEPTHWISE]
        + [_separable_case(*g) for g in SEPARABLE]
        + _separable_extras()
        + [_transpose_case(*g) for g in TRANSPOSE + LARGE_TRANSPOSE]
        + _variant_cases()
        + _special_cases()
        + _int_cases()
        + _error_cases()
    )
