"""Covering arrays: for each op of tools/golden/pairwise-factors.json, cases in which every pair of its
factors' levels meets at least once (spec/golden-coverage.spec.ts checks that from the goldens).

A greedy all-pairs construction, deterministic: it starts each row from the first pair not yet covered
and fills the other factors, in declaration order, with the level that covers the most new pairs (the
first such level on a tie), never with a declared exclusion. Each row then becomes a case through the
op family's own case builder, so ids and inputs follow conv.py's and pooling.py's conventions.

The ops outside the conv family already have catalogue cases: there the pairs that
their valid cases hold count as covered, and only the rest get rows.
"""
import itertools
import json
import os

import numpy as np

from ..common import Case, integers, normal, uniform
from .conv import _conv_case, _depthwise_case, _eighths, _sizes, _separable_case, _transpose_case
from .pooling import _geometry_case

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
# modules count (an `error-` id is a call Keras rejects); found.py's cases may go at any time.

_FAMILY = {}


def _family_cases(op) -> list:
    from . import activations, attention, ctc, encoding, losses, normalization

    if not _FAMILY:
        for module in (activations, attention, ctc, encoding, losses, normalization):
            for case in module.cases():
                _FAMILY.setdefault(case.op, []).append(case)
    return [c for c in _FAMILY.get(op, []) if not c.id.split("/")[1].startswith("error-")]


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
            "query_length": "equal" if t == s else "shorter" if t < s else "longer"}


def _extract(op, b) -> dict:
    """A bound call to its levels: the Python twin of the spec's VALUES and CLASSIFY."""
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


def op_factors(decl, op) -> dict:
    """The op's factors and their levels, less the levels an exclusion takes from the op."""
    gone = {next(iter(e["level"].items())) for e in decl["excluded"] if "level" in e and op in e["ops"]}
    return {name: [lv for lv in decl["factors"][name]["levels"] if (name, lv) not in gone]
            for name in decl["ops"][op]}


def op_exclusions(decl, op) -> list:
    return [e for e in decl["excluded"] if "pair" in e and op in e.get("ops", [op])]


def op_cases(decl, op) -> list:
    factors, excluded = op_factors(decl, op), op_exclusions(decl, op)
    if op in BUILDERS:
        return [BUILDERS[op](_values(decl, row)) for row in covering_rows(factors, excluded)]
    covered = {p for case in _family_cases(op) for p in _pairs_of(_levels(case, factors))}
    rows = covering_rows(factors, excluded, covered, FITS.get(op))
    return [_op_case(decl, op, row) for row in rows]


def cases():
    decl = declaration()
    return [c for op in decl["ops"] for c in op_cases(decl, op)]
