"""Covering arrays: for each op of tools/golden/pairwise-factors.json, cases in which every pair of its
factors' levels meets at least once (spec/golden-coverage.spec.ts checks that from the goldens).

A greedy all-pairs construction, deterministic: it starts each row from the first pair not yet covered
and fills the other factors, in declaration order, with the level that covers the most new pairs (the
first such level on a tie), never with a declared exclusion. Each row then becomes a case through the
op family's own case builder, so ids and inputs follow conv.py's and pooling.py's conventions.

The ops outside the conv family already have catalogue cases: there the pairs that
their valid cases hold count as covered, and only the rest get rows.

The factor sets of `later_ops` (ops, or behaviours of seed ops, that a later Keras brought) work the same
way, against the catalogue cases that every Keras from the set's `since` can run; their cases carry that
`since`, so an older Keras's golden set leaves them out.
"""
import itertools
import json
import os

import numpy as np

from ..common import Case, integers, normal, uniform, version_tuple
from .conv import _conv_case, _depthwise_case, _eighths, _sizes, _separable_case, _transpose_case
from .patches import _blocks
from .pooling import _geometry_case, _input_shape

FACTORS_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pairwise-factors.json")


def declaration() -> dict:
    with open(FACTORS_FILE, encoding="utf-8") as f:
        return json.load(f)


def covering_rows(factors: dict, excluded: list, covered=frozenset(), fits=None) -> list:
    """Rows {factor: level} covering every allowed pair of levels of two factors but the `covered` ones;
    `excluded` holds {"pair": {factor: level, factor: level}, "why": ..} entries: pairs that no row may
    contain. `fits(row)`, when given, rejects a partial row that Keras would refuse as a whole."""
    banned = {_pair(*e["pair"].items()) for e in excluded if set(e["pair"]) <= set(factors)}
    names = list(factors)
    wanted = [
        _pair((f, a), (g, b))
        for f, g in itertools.combinations(names, 2)
        for a in factors[f]
        for b in factors[g]
    ]
    uncovered = set(wanted) - banned - set(covered)
    rows = []
    while uncovered:
        (f, a), (g, b) = sorted(next(p for p in wanted if p in uncovered))
        row = {f: a, g: b}
        for name in names:
            if name not in row:
                row[name] = _best_level(name, factors[name], row, uncovered, banned, fits)
        rows.append({name: row[name] for name in names})
        uncovered -= _pairs_of(row)
    return rows


def _pair(x, y):
    return frozenset((x, y))


def _pairs_of(row):
    return {_pair(x, y) for x, y in itertools.combinations(row.items(), 2)}


def _best_level(name, levels, row, uncovered, banned, fits=None):
    allowed = [lv for lv in levels if not any(_pair((name, lv), fixed) in banned for fixed in row.items())
               and (fits is None or fits({**row, name: lv}))]
    if not allowed:
        raise ValueError(f"pairwise: no level of {name} fits {row}")
    return max(allowed, key=lambda lv: sum(_pair((name, lv), fixed) in uncovered for fixed in row.items()))


def _values(decl, row) -> dict:
    """The row's levels as the example values the declaration gives them, tuples cut to the rank."""
    factors = decl["factors"]
    out = {name: factors[name]["levels"][level] for name, level in row.items()}
    rank = out["rank"]
    return {k: tuple(v[:rank]) if isinstance(v, list) else v for k, v in out.items()}


def _scalar(t):
    """A tuple whose dims agree is passed as one int, as callers usually write it."""
    return t[0] if len(set(t)) == 1 else t


def _spatial(v):
    """Input sizes: room for one dilated window plus a stride and one more, so 'valid' is never empty and
    'same' has something to pad."""
    dilation = v.get("dilation", (1,) * v["rank"])
    return tuple((k - 1) * d + 1 + s + 1 for k, d, s in zip(v["window"], dilation, v["strides"]))


def _window(v):
    return _scalar(v["strides"]), v["padding"], _scalar(v["dilation"]), v["data_format"]


def _conv(v):
    spatial = _spatial(v)
    channels = _sizes(spatial)[1]
    c_in, kernel_in = (2 * channels, channels) if v["groups"] > 1 else (channels, channels)
    s, pad, d, df = _window(v)
    return _conv_case(spatial, _scalar(v["window"]), s, pad, d, df, c_in, kernel_in)


def _depthwise(v):
    s, pad, d, df = _window(v)
    return _depthwise_case(_spatial(v), _scalar(v["window"]), s, pad, d, df, v["multiplier"])


def _separable(v):
    s, pad, d, df = _window(v)
    return _separable_case(_spatial(v), _scalar(v["window"]), s, pad, d, df, v["multiplier"])


def _transpose(v):
    spatial = tuple(2 + s for s in v["strides"])  # the output grows with the strides: inputs stay small
    s, pad, d, df = _window(v)
    output_padding = v["output_padding"] and _scalar(v["output_padding"])
    return _transpose_case(spatial, _scalar(v["window"]), s, pad, output_padding, d, df)


def _pool(op):
    def build(v):
        strides = _scalar(v["strides"])
        return _geometry_case(op, _spatial(v), _scalar(v["window"]), strides, v["padding"], v["data_format"])

    return build


def _exact(build):
    """The case with its tensors redrawn as multiples of 1/8 (conv.py's _eighths): every product and
    partial sum is then exact in float32, so the result does not depend on the order of summation. With
    normal values a 3-D window's 54-term sums differ from Keras's own float32 rounding by up to 7e-6,
    beyond the default tolerance, on every backend alike: noise that would hide a geometry bug."""

    def exact_case(v):
        c = build(v)
        args = tuple(_eighths(c.id, a.shape, salt=i) if hasattr(a, "shape") else a for i, a in enumerate(c.args))
        return Case(c.id, c.op, args, c.kwargs)

    return exact_case


BUILDERS = {
    "conv": _exact(_conv),
    "depthwise_conv": _exact(_depthwise),
    "separable_conv": _exact(_separable),
    "conv_transpose": _exact(_transpose),
    "max_pool": _pool("max_pool"),
    "average_pool": _pool("average_pool"),
}


# The other ops ---------------------------------------------------------------------------------------
# Each valid catalogue case is classified as spec/golden-coverage.spec.ts classifies its golden; the rows
# then cover what those cases leave, each row a case `<op>/pairs-<factor>=<level>-...`. Only the family
# modules count (an `error-` id is a call Keras rejects); found.py's cases may go at any time. Only the
# seed's cases (no `since`) count, so every Keras version's set holds the same pairs cases; for a set of
# `later_ops`, the cases that every Keras from its `since` on runs.

_FAMILY = {}


def _family_cases(op, since=None) -> list:
    from . import activations, attention, ctc, encoding, losses, normalization, patches, pooling

    if not _FAMILY:
        for module in (activations, attention, ctc, encoding, losses, normalization, patches, pooling):
            for case in module.cases():
                _FAMILY.setdefault(case.op, []).append(case)

    def runs(c):
        return c.since is None or (since is not None and version_tuple(c.since) <= version_tuple(since))

    return [c for c in _FAMILY.get(op, []) if runs(c) and not c.id.split("/")[1].startswith("error-")]


def _bound(case) -> dict:
    """The call's arguments by Keras's parameter names, defaults filled (keras is imported by then)."""
    import inspect

    import keras

    kwargs = dict(case.kwargs)
    if "num_tokens" in kwargs:
        kwargs["num_classes"] = kwargs.pop("num_tokens")
    bound = inspect.signature(getattr(keras.ops, case.op)).bind(*case.args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _flag(v):
    return "true" if v else "false"


def _count(n):
    return "1" if n == 1 else ">1"


def _rank(t):
    n = np.ndim(t)
    return str(n) if n < 3 else ">2"


def _finite(t):
    a = np.asarray(t)
    return "nonfinite" if a.dtype.kind == "f" and not np.isfinite(a).all() else "finite"


def _axis(a):
    if a is None or isinstance(a, tuple):
        return "none" if a is None else "tuple"
    return {-1: "-1", 0: "0"}.get(a, "other")


def _coefficient(s):
    return "<0" if s < 0 else "0" if s == 0 else "fraction" if s < 1 else "1" if s == 1 else ">1"


def _moments_axes(axes, rank):
    axes = (axes,) if isinstance(axes, int) else axes
    if axes is not None and len(axes) == 0:
        return "empty"
    if axes is None or len(set(a % rank for a in axes)) == rank:
        return "all"
    return "one" if len(axes) == 1 else "several"


def _optional(t, full):
    return "none" if t is None else "full" if np.shape(t) == tuple(full) else "broadcast"


def _lengths(lengths, size):
    return "full" if (np.asarray(lengths) >= size).all() else "short"


def _labels(x, classes):
    a = np.asarray(x)
    return "in_range" if ((a >= 0) & (a < classes)).all() else "out_of_range"


def _data(x) -> dict:
    return {"dtype": np.asarray(x).dtype.name, "tensor_rank": _rank(x), "values": _finite(x)}


def _loss(b) -> dict:
    out = b["output"]
    return {"from_logits": _flag(b["from_logits"]), "tensor_rank": _rank(out), "values": _finite(out),
            "dtype": np.asarray(b["target"]).dtype.name, "second_dtype": np.asarray(out).dtype.name,
            "axis": _axis(b.get("axis"))}


def _attention(b) -> dict:
    q, k = np.shape(b["query"]), np.shape(b["key"])
    full = (q[0], q[2], q[1], k[1])
    n, kh, t, s = q[2], k[2], q[1], k[1]
    return {"dtype": np.asarray(b["query"]).dtype.name,
            "heads": "mha" if n == kh else "mqa" if kh == 1 else "gqa",
            "bias": _optional(b["bias"], full), "mask": _optional(b["mask"], full),
            "is_causal": _flag(b["is_causal"]), "scale": "none" if b["scale"] is None else "given",
            "query_length": "equal" if t == s else "shorter" if t < s else "longer",
            "flash_attention": "none" if b.get("flash_attention") is None else _flag(b["flash_attention"]),
            "mask_dtype": "none" if b["mask"] is None else np.asarray(b["mask"]).dtype.name}


def _given(v):
    return "none" if v is None else "given"


def _axis_form(a, rank):
    if a is None or isinstance(a, tuple):
        return "none" if a is None else "tuple"
    if a == -1:
        return "-1"
    return ("last" if a == rank - 1 else "other") if a >= 0 else "negative"


def _signed(v):
    """A whole float counts as an int: JavaScript, and so the spec, cannot tell 2.0 from 2."""
    if v == 0:
        return "0"
    kind = "int" if float(v).is_integer() else "fraction"
    return f"{kind}<0" if v < 0 else f"{kind}>0"


def _data_format(f):
    return "channels_last" if f is None else f.lower()


def _per_dim(v, rank):
    return tuple(v) if isinstance(v, tuple) else (v,) * rank


def _tuple_level(t):
    if all(d == 1 for d in t):
        return "1"
    return ">1" if len(set(t)) == 1 else "unequal"


def _window_level(t):
    classes = {"1" if k == 1 else "even" if k % 2 == 0 else "odd" for k in t}
    return classes.pop() if len(classes) == 1 else "mixed"


def _padding_level(t):
    if not any(p > 0 for p in t):
        return "0"
    return ">0" if len(set(t)) == 1 else "unequal"


def _form(v):
    return "tuple" if isinstance(v, tuple) else "int"


def _output_size_level(sizes, spatial):
    if all(o == 1 for o in sizes):
        return "1"
    if any(o > n for o, n in zip(sizes, spatial)):
        return "larger"
    return "divides" if all(n % o == 0 for o, n in zip(sizes, spatial)) else "uneven"


def _adaptive_levels(b) -> dict:
    x, df = b["inputs"], _data_format(b["data_format"])
    shape, rank = np.shape(x), np.ndim(x) - 2
    spatial = shape[2:] if df == "channels_first" else shape[1:-1]
    sizes = _per_dim(b["output_size"], rank)[:rank]  # 1-D reads output_size[0] alone
    return {"rank": str(rank), "data_format": df, "output_size": _output_size_level(sizes, spatial),
            "form": _form(b["output_size"]), "dtype": np.asarray(x).dtype.name}


def _patches_levels(b) -> dict:
    return {"window": _window_level(_per_dim(b["kernel_size"], 2)), "strides": _tuple_level(_per_dim(b["stride"], 2)),
            "dilation": _tuple_level(_per_dim(b["dilation"], 2)),
            "zero_padding": _padding_level(_per_dim(b["padding"], 2)), "form": _form(b["kernel_size"]),
            "dtype": np.asarray(b["x"]).dtype.name}


def _extract(op, b) -> dict:
    """A bound call to its levels: the Python twin of the spec's VALUES and CLASSIFY."""
    if op in ("glu", "sparsemax"):
        return {**_data(b["x"]), "axis_form": _axis_form(b["axis"], np.ndim(b["x"]))}
    if op == "threshold":
        return {**_data(b["x"]), "threshold": _signed(b["threshold"]), "default_value": _signed(b["default_value"])}
    if op in ("hard_shrink", "soft_shrink"):
        return {**_data(b["x"]), "threshold": _signed(b["threshold"])}
    if op == "squareplus":
        return {**_data(b["x"]), "b": _coefficient(b["b"])}
    if op == "rms_normalization":
        x = b["x"]
        return {**_data(x), "axis_form": _axis_form(b["axis"], max(np.ndim(x), 1)), "scale": _given(b["scale"]),
                "epsilon": _given(b["epsilon"])}
    if op == "layer_normalization":
        x = b["x"]
        return {**_data(x), "axis_form": _axis_form(b["axis"], np.ndim(x)), "gamma": _given(b["gamma"]),
                "beta": _given(b["beta"]), "epsilon": _given(b["epsilon"])}
    if op in ("adaptive_max_pool", "adaptive_average_pool"):
        return _adaptive_levels(b)
    if op in ("unfold", "fold"):
        return _patches_levels(b)
    if op in ("depth_to_space", "space_to_depth"):
        return {"data_format": _data_format(b["data_format"]), "block_size": "2" if b["block_size"] == 2 else ">2",
                "dtype": np.asarray(b["x"]).dtype.name}
    if op in ("one_hot", "multi_hot"):
        x = b["x"] if op == "one_hot" else b["inputs"]
        return {**_data(x), "axis": _axis(b["axis"]), "labels": _labels(x, b["num_classes"]),
                "dtype_argument": b["dtype"] or "none"}
    if op in ("binary_crossentropy", "categorical_crossentropy"):
        return _loss(b)
    if op == "sparse_categorical_crossentropy":
        target, out = b["target"], b["output"]
        return {**_loss(b), "target_shape": "trailing1" if np.ndim(target) == np.ndim(out) else "squeezed",
                "labels": _labels(np.asarray(target).astype(np.int32), np.shape(out)[b["axis"]])}
    if op == "psnr":
        return {**_data(b["x1"]), "second_dtype": np.asarray(b["x2"]).dtype.name,
                "max_val": "whole" if float(b["max_val"]).is_integer() else "fractional"}
    if op == "moments":
        x = b["x"]
        return {**_data(x), "axes": _moments_axes(b["axes"], np.ndim(x)), "keepdims": _flag(b["keepdims"])}
    if op == "batch_normalization":
        return {**_data(b["x"]), "axis": _axis(b["axis"]), "offset": "none" if b["offset"] is None else "given",
                "scale": "none" if b["scale"] is None else "given"}
    if op == "normalize":
        order = b["order"]
        return {**_data(b["x"]), "axis": _axis(b["axis"]), "order": str(order) if order in (1, 2) else "other",
                "epsilon": "none" if b["epsilon"] is None else "given"}
    if op == "ctc_loss":
        out = b["output"]
        return {"dtype": np.asarray(out).dtype.name, "mask_index": "0" if b["mask_index"] == 0 else "other",
                "sequence_lengths": _lengths(b["output_length"], np.shape(out)[1]),
                "target_lengths": _lengths(b["target_length"], np.shape(b["target"])[1])}
    if op == "ctc_decode":
        x, m = b["inputs"], b["mask_index"]
        return {"dtype": np.asarray(x).dtype.name, "strategy": b["strategy"], "beam_width": _count(b["beam_width"]),
                "top_paths": _count(b["top_paths"]), "merge_repeated": _flag(b["merge_repeated"]),
                "mask_index": "none" if m is None else "0" if m == 0 else "other",
                "sequence_lengths": _lengths(b["sequence_lengths"], np.shape(x)[1])}
    if op == "dot_product_attention":
        return _attention(b)
    levels = {**_data(b["x"]), "axis": _axis(b.get("axis"))}
    for name in ("negative_slope", "alpha"):
        if name in b:
            levels[name] = _coefficient(b[name])
    if "approximate" in b:
        levels["approximate"] = _flag(b["approximate"])
    return levels


def _levels(case, factors) -> dict:
    levels = _extract(case.op, _bound(case))
    return {f: levels[f] for f in factors}


def _normalize_fits(row) -> bool:
    """Whether some order completes the row. Only order 2 is Keras's own sum (and only for floats); the
    other orders go to jnp.linalg.norm, which takes one axis, two axes (order 1 too), all axes of a rank-1
    tensor, and no empty tuple."""
    orders = [row["order"]] if "order" in row else ["1", "2", "other"]
    if row.get("dtype") in ("int32", "bool"):
        orders = [o for o in orders if o != "2"]
    return any(_norm_takes(row.get("axis"), order, row.get("tensor_rank")) for order in orders)


def _norm_takes(axis, order, rank) -> bool:
    if order == "2" or rank is None:
        return True
    if axis == "none":
        return rank in ("0", "1") or (order == "1" and rank == "2")
    return not (axis == "tuple" and rank == "0")


FITS = {"normalize": _normalize_fits}
SHAPES = {"0": (), "1": (5,), "2": (3, 4), ">2": (2, 3, 4)}


def _tensor(cid, dtype, shape, values="finite", salt=0, low=-4, high=5):
    """Normal float32, int32 in [low, high), or bools; nonfinite puts NaN, inf and -inf first."""
    if dtype == "float32":
        x = np.array(normal(cid, shape, salt=salt))  # a 0-d array, not a numpy scalar: it is written below
        flat = x.reshape(-1)
        if values == "nonfinite":
            specials = np.array([np.nan, np.inf, -np.inf], np.float32)[: flat.size]
            flat[: specials.size] = specials
        return x
    x = integers(cid, shape, low, high, salt=salt)
    return x.astype(bool) if dtype == "bool" else x


def _tag(op, row) -> str:
    text = "-".join(f"{f}={lv}" for f, lv in row.items())
    return f"{op}/pairs-" + text.replace(">", "gt").replace("<", "lt")


def _axis_value(level, rank, order=2):
    if level == "tuple":
        return tuple(range(min(rank, 2 if order in (1, 2) else 1)))
    return {"-1": -1, "0": 0, "other": 1, "none": None}[level]


def _example(decl, factor, level):
    return decl["factors"][factor]["levels"][level]


def _labels_tensor(cid, dtype, shape, classes, level, salt=0):
    """Labels in [0, classes), or with the first one at `classes` + 1 and negatives among the rest."""
    if dtype == "bool":
        return integers(cid, shape, 0, 2, salt=salt).astype(bool)
    x = np.array(integers(cid, shape, *((0, classes) if level == "in_range" else (-2, classes + 3)), salt=salt))
    if level == "out_of_range":
        x.reshape(-1)[:1] = classes + 1
    return x.astype(np.float32) if dtype == "float32" else x


def _elementwise_case(decl, op, row, cid):
    kwargs = {f: _example(decl, f, row[f]) for f in ("negative_slope", "alpha", "approximate") if f in row}
    axis = {"axis": _axis_value(row["axis"], len(SHAPES[row["tensor_rank"]]))} if "axis" in row else {}
    return (_tensor(cid, row["dtype"], SHAPES[row["tensor_rank"]], row["values"]),), {**kwargs, **axis}


def _encoding_case(decl, op, row, cid):
    x = _labels_tensor(cid, row["dtype"], SHAPES[row["tensor_rank"]], 4, row["labels"])
    dtype = _example(decl, "dtype_argument", row["dtype_argument"])
    return (x, 4), {"axis": _axis_value(row["axis"], 2), "dtype": dtype}


def _loss_tensor(cid, dtype, shape, logits, salt, target=False):
    """A loss's target (0/1 or probabilities) or output (probabilities, logits, or all True for bool)."""
    if dtype == "bool":
        return integers(cid, shape, 0, 2, salt=salt).astype(bool) if target else np.ones(shape, bool)
    if dtype == "int32":
        return integers(cid, shape, *((-3, 4) if logits and not target else (0, 2) if target else (1, 4)), salt=salt)
    if logits and not target:
        return normal(cid, shape, scale=2.0, salt=salt)
    return uniform(cid, shape, 0.05, 0.95, salt=salt)


def _crossentropy_case(decl, op, row, cid):
    logits, shape = row["from_logits"] == "true", SHAPES[row["tensor_rank"]]
    output = _loss_tensor(cid, row["second_dtype"], shape, logits, 1)
    if row.get("values") == "nonfinite":
        output = _tensor(cid, "float32", shape, "nonfinite", salt=1)
    kwargs = {"from_logits": logits}
    if "axis" in row:
        kwargs["axis"] = _axis_value(row["axis"], len(shape))
    return (_loss_tensor(cid, row["dtype"], shape, logits, 0, target=True), output), kwargs


def _sparse_case(decl, op, row, cid):
    logits, rank = row["from_logits"] == "true", len(SHAPES[row["tensor_rank"]])
    shape = (3,) * rank  # equal dims: a one-hot along another axis than -1 broadcasts against the output
    target_shape = shape[:-1] + ((1,) if row["target_shape"] == "trailing1" else ())
    target = _labels_tensor(cid, row["dtype"], target_shape, 3, row["labels"])
    output = _loss_tensor(cid, row["second_dtype"], shape, logits, 1)
    return (target, output), {"from_logits": logits, "axis": _axis_value(row["axis"], rank)}


def _psnr_case(decl, op, row, cid):
    shape = SHAPES[row["tensor_rank"]]
    x1 = _tensor(cid, row["dtype"], shape, low=0, high=4)
    x2 = _tensor(cid, row["second_dtype"], shape, salt=1, low=0, high=4)
    return (x1, x2, _example(decl, "max_val", row["max_val"])), {}


def _moments_case(decl, op, row, cid):
    shape = SHAPES[row["tensor_rank"]]
    axes = {"one": (1,) if len(shape) > 1 else (0,), "several": (0, 2), "all": None, "empty": ()}[row["axes"]]
    return (_tensor(cid, row["dtype"], shape), axes), {"keepdims": row["keepdims"] == "true"}


def _batch_normalization_case(decl, op, row, cid):
    shape = SHAPES[row["tensor_rank"]]
    axis = _axis_value(row["axis"], len(shape))
    n = shape[axis]
    stats = (normal(cid, (n,), salt=1), uniform(cid, (n,), 0.5, 2.0, salt=2))
    kwargs = {}
    if row["offset"] == "given":
        kwargs["offset"] = normal(cid, (n,), salt=3)
    if row["scale"] == "given":
        kwargs["scale"] = uniform(cid, (n,), -2.0, 2.0, salt=4)
    return (_tensor(cid, row["dtype"], shape), *stats, axis), kwargs


def _normalize_case(decl, op, row, cid):
    shape, order = SHAPES[row["tensor_rank"]], _example(decl, "order", row["order"])
    kwargs = {"axis": _axis_value(row["axis"], len(shape), order), "order": order,
              "epsilon": _example(decl, "epsilon", row["epsilon"])}
    return (_tensor(cid, row["dtype"], shape),), kwargs


def _ctc_logits(cid, dtype, shape):
    return _tensor(cid, dtype, shape, low=-30, high=30)  # spread-out ints: few exact ties


def _ctc_loss_case(decl, op, row, cid):
    blank = 0 if row["mask_index"] == "0" else 2
    labels = np.array([[1, 3], [3, 3]] if blank == 2 else [[1, 2], [3, 3]], np.int32)
    target_length = np.array([2, 2] if row["target_lengths"] == "full" else [2, 1], np.int32)
    output_length = np.array([6, 6] if row["sequence_lengths"] == "full" else [6, 4], np.int32)
    logits = _ctc_logits(cid, row["dtype"], (2, 6, 4))
    return (labels, logits, target_length, output_length), {"mask_index": blank}


def _ctc_decode_case(decl, op, row, cid):
    lengths = np.array([5, 5] if row["sequence_lengths"] == "full" else [5, 3], np.int32)
    kwargs = {"strategy": row["strategy"], "merge_repeated": row["merge_repeated"] == "true",
              **{f: _example(decl, f, row[f]) for f in ("beam_width", "top_paths", "mask_index")}}
    return (_ctc_logits(cid, row["dtype"], (2, 5, 4)), lengths), kwargs


def _attention_case(decl, op, row, cid):
    n, k = {"mha": (2, 2), "gqa": (4, 2), "mqa": (4, 1)}[row["heads"]]
    t, s = {"equal": (4, 4), "shorter": (3, 5), "longer": (5, 3)}[row["query_length"]]
    q, key, value = (_tensor(cid, row["dtype"], shape, salt=i, low=-3, high=4)
                     for i, shape in enumerate([(2, t, n, 4), (2, s, k, 4), (2, s, k, 4)]))
    shapes = {"full": (2, n, t, s), "broadcast": (1, 1, t, s)}
    kwargs = {"is_causal": row["is_causal"] == "true", "scale": _example(decl, "scale", row["scale"])}
    if row["bias"] != "none":
        kwargs["bias"] = normal(cid, shapes[row["bias"]], salt=4)
    if row["mask"] != "none":
        mask = uniform(cid, (2, 1, 1, s) if row["mask"] == "broadcast" else shapes["full"], salt=5) < 0.6
        mask[..., 0] = True  # no row fully masked
        kwargs["mask"] = mask
    return (q, key, value), kwargs


OTHER_BUILDERS = {
    "one_hot": _encoding_case, "multi_hot": _encoding_case,
    "binary_crossentropy": _crossentropy_case, "categorical_crossentropy": _crossentropy_case,
    "sparse_categorical_crossentropy": _sparse_case, "psnr": _psnr_case, "moments": _moments_case,
    "batch_normalization": _batch_normalization_case, "normalize": _normalize_case,
    "ctc_loss": _ctc_loss_case, "ctc_decode": _ctc_decode_case, "dot_product_attention": _attention_case,
}


def _op_case(decl, op, row) -> Case:
    cid = _tag(op, row)
    args, kwargs = OTHER_BUILDERS.get(op, _elementwise_case)(decl, op, row, cid)
    return Case(cid, op, tuple(args), kwargs)


# The later ops ---------------------------------------------------------------------------------------

# Every axis of these is even, as glu's split needs.
EVEN_SHAPES = {"1": (6,), "2": (4, 6), ">2": (2, 4, 6)}


def _data_tensor(cid, dtype, shape, int_scale=5.0):
    """Normal float32; int32 spread like normal(int_scale), negatives included; bools half True."""
    if dtype == "float32":
        return np.asarray(normal(cid, shape))
    if dtype == "int32":
        return np.asarray(np.round(normal(cid, shape, scale=int_scale)).astype(np.int32))
    return np.asarray(normal(cid, shape) > 0)


def _axis_of_form(level, rank):
    """The axis of a rank-`rank` tensor in the form `level`: another axis is the middle one where there is
    one (else the first), another negative one the first; a tuple holds the first and the last axis."""
    return {"-1": -1, "last": rank - 1, "other": 1 if rank > 2 else 0, "negative": -rank,
            "tuple": tuple(sorted({0, max(rank - 1, 0)})), "none": None}[level]


def _axis_case(decl, op, row, cid):
    shape = (EVEN_SHAPES if op == "glu" else SHAPES)[row["tensor_rank"]]
    x = _data_tensor(cid, row.get("dtype", "float32"), shape)
    return (x,), {"axis": _axis_of_form(row["axis_form"], len(shape))}


def _later_elementwise_case(decl, op, row, cid):
    """As the seed's elementwise cases, with the op's one parameter (celu's alpha, a shrink's threshold,
    squareplus's b) where it has one."""
    kwargs = {f: _example(decl, f, row[f]) for f in ("alpha", "threshold", "b") if f in row}
    return (_tensor(cid, row["dtype"], SHAPES[row["tensor_rank"]], row["values"]),), kwargs


def _threshold_case(decl, op, row, cid):
    t, d = _example(decl, "threshold", row["threshold"]), _example(decl, "default_value", row["default_value"])
    if row["dtype"] == "float32":
        x = normal(cid, (3, 4), scale=2.0)
        x.reshape(-1)[:2] = [t, 0]  # x > threshold is strict: an x equal to it takes default_value
    elif row["dtype"] == "int32":
        x = integers(cid, (3, 4), -4, 5)
    else:
        x = integers(cid, (3, 4), 0, 2).astype(bool)
    return (x,), {"threshold": t, "default_value": d}


def _rms_case(decl, op, row, cid):
    shape = SHAPES[row["tensor_rank"]]
    rank = max(len(shape), 1)  # Keras reads a 0-D x as (1,)
    kwargs = {"axis": _axis_of_form(row["axis_form"], rank)}
    if row["scale"] == "given":
        kwargs["scale"] = normal(cid, shape[-1:] or (1,), salt=1)
    if row["epsilon"] == "given":
        kwargs["epsilon"] = _example(decl, "epsilon", row["epsilon"])
    return (_data_tensor(cid, row["dtype"], shape),), kwargs


def _layer_norm_case(decl, op, row, cid):
    shape = SHAPES[row["tensor_rank"]]
    rank = len(shape)
    axis = () if rank == 0 else _axis_of_form(row["axis_form"], rank)  # () is a scalar's only axis form
    axes = sorted(a % rank for a in (axis if isinstance(axis, tuple) else (axis,)))
    # x's sizes on the axes: Keras reshapes gamma and beta to x's rank, unless axis is [rank - 1] (then they
    # broadcast as given).
    reduced = tuple(shape[a] for a in axes)
    kwargs = {"axis": axis}
    if row["gamma"] == "given":
        kwargs["gamma"] = np.asarray(uniform(cid, reduced, 0.5, 1.5, salt=1))
    if row["beta"] == "given":
        kwargs["beta"] = np.asarray(normal(cid, reduced, salt=2))
    if row["epsilon"] == "given":
        kwargs["epsilon"] = _example(decl, "epsilon", row["epsilon"])
    return (_data_tensor(cid, row["dtype"], shape, int_scale=50.0),), kwargs


# (spatial size, output_size) per output_size class, an int for every dim or a tuple per dim (a lower
# rank takes the leading dims). The reciprocals of the outputs that do not divide are exact in float32,
# so no window's float32 end rounds past the input.
ADAPTIVE_SIZES = {
    "int": {"divides": (8, 4), "uneven": (6, 4), "larger": (5, 8), "1": (5, 1)},
    "tuple": {"divides": ((8, 6, 4), (4, 3, 2)), "uneven": ((6, 7, 5), (4, 2, 2)), "larger": ((5, 3, 2), (8, 4, 4)),
              "1": ((5, 4, 3), (1, 1, 1))},
}


def _patch_values(cid, dtype, shape):
    """float32 multiples of 1/8 (sums of a few stay exact in any order), int32 or bools."""
    if dtype == "float32":
        return _eighths(cid, shape, salt=0)
    if dtype == "int32":
        return integers(cid, shape, -1000, 1000)
    return integers(cid, shape, 0, 2).astype(bool)


def _adaptive_case(decl, op, row, cid):
    rank = int(row["rank"])
    n, out = ADAPTIVE_SIZES[row["form"]][row["output_size"]]
    spatial, output_size = ((n,) * rank, out) if row["form"] == "int" else (n[:rank], out[:rank])
    batch, channels = (1, 2) if rank == 3 else (2, 3)
    x = _patch_values(cid, row["dtype"], _input_shape(spatial, row["data_format"], batch, channels))
    return (x, output_size), {"data_format": row["data_format"]}


def _patches_case(decl, op, row, cid):
    factors = decl["factors"]
    v = {f: tuple(factors[f]["levels"][row[f]][:2]) for f in ("window", "strides", "dilation", "zero_padding")}
    written = _scalar if row["form"] == "int" else tuple
    kernel, stride, dilation, padding = (written(v[f]) for f in ("window", "strides", "dilation", "zero_padding"))
    size = tuple((k - 1) * d + 1 + s + 1 for k, d, s in zip(v["window"], v["dilation"], v["strides"]))
    kwargs = {"dilation": dilation, "padding": padding, "stride": stride}
    if op == "unfold":
        return (_patch_values(cid, row["dtype"], (2, 2, *size)), kernel), kwargs
    length, taps = _blocks(size, v["window"], v["dilation"], v["zero_padding"], v["strides"])
    return (_patch_values(cid, row["dtype"], (2, 2 * taps, length)), written(size), kernel), kwargs


def _block_case(decl, op, row, cid):
    bs = _example(decl, "block_size", row["block_size"])
    spatial, channels = ((2, 3), 2 * bs * bs) if op == "depth_to_space" else ((2 * bs, 3 * bs), 2)
    x = _patch_values(cid, row["dtype"], _input_shape(spatial, row["data_format"], 2, channels))
    return (x, bs), {"data_format": row["data_format"]}


def _later_attention_case(decl, op, row, cid):
    """The seed's builder in float32, its bool mask then turned into the row's mask dtype: non-zero keeps."""
    args, kwargs = _attention_case(decl, op, {**row, "dtype": "float32"}, cid)
    mask = kwargs.get("mask")
    if row["mask_dtype"] == "int32":
        kwargs["mask"] = np.where(mask, integers(cid, mask.shape, 1, 4, salt=6), 0).astype(np.int32)
    elif row["mask_dtype"] == "float32":
        kwargs["mask"] = np.where(mask, uniform(cid, mask.shape, 0.25, 2.0, salt=6), 0).astype(np.float32)
    kwargs["flash_attention"] = _example(decl, "flash_attention", row["flash_attention"])
    return args, kwargs


LATER_BUILDERS = {
    **{op: _later_elementwise_case for op in ("celu", "hard_shrink", "soft_shrink", "squareplus", "hard_tanh",
                                              "tanh_shrink", "sparse_plus", "sparse_sigmoid")},
    "glu": _axis_case, "sparsemax": _axis_case, "threshold": _threshold_case, "rms_normalization": _rms_case,
    "layer_normalization": _layer_norm_case, "adaptive_max_pool": _adaptive_case,
    "adaptive_average_pool": _adaptive_case, "unfold": _patches_case, "fold": _patches_case,
    "depth_to_space": _block_case, "space_to_depth": _block_case, "dot_product_attention": _later_attention_case,
}


def op_factors(decl, op, names=None) -> dict:
    """The op's factors (its seed set unless `names`) and their levels, less the levels an exclusion takes
    from the op."""
    gone = {next(iter(e["level"].items())) for e in decl["excluded"] if "level" in e and op in e["ops"]}
    return {name: [lv for lv in decl["factors"][name]["levels"] if (name, lv) not in gone]
            for name in (decl["ops"][op] if names is None else names)}


def op_exclusions(decl, op) -> list:
    return [e for e in decl["excluded"] if "pair" in e and op in e.get("ops", [op])]


def op_cases(decl, op) -> list:
    factors, excluded = op_factors(decl, op), op_exclusions(decl, op)
    if op in BUILDERS:
        return [BUILDERS[op](_values(decl, row)) for row in covering_rows(factors, excluded)]
    covered = {p for case in _family_cases(op) for p in _pairs_of(_levels(case, factors))}
    rows = covering_rows(factors, excluded, covered, FITS.get(op))
    return [_op_case(decl, op, row) for row in rows]


def later_op_cases(decl, op) -> list:
    """The cases that cover the pairs of the op's `later_ops` set, each with the set's `since`."""
    entry = decl["later_ops"][op]
    factors, excluded = op_factors(decl, op, entry["factors"]), op_exclusions(decl, op)
    covered = {p for case in _family_cases(op, entry["since"]) for p in _pairs_of(_levels(case, factors))}
    out = []
    for row in covering_rows(factors, excluded, covered):
        cid = _tag(op, row)
        args, kwargs = LATER_BUILDERS[op](decl, op, row, cid)
        out.append(Case(cid, op, tuple(args), kwargs, since=entry["since"]))
    return out


def _runs(since) -> bool:
    """Whether the installed Keras has what a `later_ops` set needs. Its cases bind their calls by Keras's
    own signature, which an older Keras lacks; that Keras's golden set would leave them out anyway."""
    from ..env import installed_keras

    return version_tuple(installed_keras()) >= version_tuple(since)


def cases():
    decl = declaration()
    later = [c for op, entry in decl["later_ops"].items() if _runs(entry["since"]) for c in later_op_cases(decl, op)]
    return [c for op in decl["ops"] for c in op_cases(decl, op)] + later
