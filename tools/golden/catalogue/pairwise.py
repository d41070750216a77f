"""Covering arrays: for each op of tools/golden/pairwise-factors.json, cases in which every pair of its
factors' levels meets at least once (spec/golden-coverage.spec.ts checks that from the goldens).

A greedy all-pairs construction, deterministic: it starts each row from the first pair not yet covered
and fills the other factors, in declaration order, with the level that covers the most new pairs (the
first such level on a tie), never with a declared exclusion. Each row then becomes a case through the
op family's own case builder, so ids and inputs follow conv.py's and pooling.py's conventions.
"""
import itertools
import json
import os

from ..common import Case
from .conv import _conv_case, _depthwise_case, _eighths, _sizes, _separable_case, _transpose_case
from .pooling import _geometry_case

FACTORS_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pairwise-factors.json")


def declaration() -> dict:
    with open(FACTORS_FILE, encoding="utf-8") as f:
        return json.load(f)


def covering_rows(factors: dict, excluded: list) -> list:
    """Rows {factor: level} covering every allowed pair of levels of two factors; `excluded` holds
    {"pair": {factor: level, factor: level}, "why": ..} entries: pairs that no row may contain."""
    banned = {_pair(*e["pair"].items()) for e in excluded if set(e["pair"]) <= set(factors)}
    names = list(factors)
    wanted = [
        _pair((f, a), (g, b))
        for f, g in itertools.combinations(names, 2)
        for a in factors[f]
        for b in factors[g]
    ]
    uncovered = set(wanted) - banned
    rows = []
    while uncovered:
        (f, a), (g, b) = sorted(next(p for p in wanted if p in uncovered))
        row = {f: a, g: b}
        for name in names:
            if name not in row:
                row[name] = _best_level(name, factors[name], row, uncovered, banned)
        rows.append({name: row[name] for name in names})
        uncovered -= _pairs_of(row)
    return rows


def _pair(x, y):
    return frozenset((x, y))


def _pairs_of(row):
    return {_pair(x, y) for x, y in itertools.combinations(row.items(), 2)}


def _best_level(name, levels, row, uncovered, banned):
    allowed = [lv for lv in levels if not any(_pair((name, lv), fixed) in banned for fixed in row.items())]
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


def op_cases(decl, op) -> list:
    factors = {name: list(decl["factors"][name]["levels"]) for name in decl["ops"][op]}
    return [BUILDERS[op](_values(decl, row)) for row in covering_rows(factors, decl["excluded"])]


def cases():
    decl = declaration()
    return [c for op in decl["ops"] for c in op_cases(decl, op)]
