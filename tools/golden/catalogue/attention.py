"""dot_product_attention: MHA, GQA and MQA with bias, boolean mask, causal mask and scale.

Shapes are Keras's: query (B, T, N, H), key and value (B, S, K, H), bias and mask broadcast to
(B, N, T, S). Ids read `<heads>-<extras>-b<B>-t<T>s<S>-h<H>`, heads `mha-n2` (K = N), `gqa-n4k2`
or `mqa-n4k1`.

Left out, where keras-parity differs from Keras-JAX (docs/deviations.md, src/ops/attention.ts):
int32 mixed with float32 among q, k, v (Keras-JAX raises; keras-parity computes in float32), a
non-boolean is_causal, and bias or mask dims that are neither 1 nor the full size.
"""
import numpy as np

from ..common import Case, integers, normal, uniform, make_case

OP = "dot_product_attention"


def _case(tag, args, kwargs=None, tolerance=None):
    return make_case(OP, tag, args, kwargs, tolerance)




def _qkv(cid: str, b: int, t: int, s: int, n: int, k: int, h: int, scale: float = 1.0):
    return (normal(cid, (b, t, n, h), scale, salt=1), normal(cid, (b, s, k, h), scale, salt=2),
            normal(cid, (b, s, k, h), salt=3))


def _heads(n: int, k: int) -> str:
    return f"mha-n{n}" if n == k else (f"mqa-n{n}k1" if k == 1 else f"gqa-n{n}k{k}")


def _dims(shape) -> str:
    return "x".join(map(str, shape))


def _attend(b, t, s, n, k, h, bias=None, mask=None, causal=None, scale=None) -> Case:
    """Random q, k, v; `bias` and `mask` are the shapes of a random bias and a random boolean mask."""
    parts = [_heads(n, k)]
    parts += [f"bias{_dims(bias)}"] if bias is not None else []
    parts += [f"mask{_dims(mask)}"] if mask is not None else []
    parts += [f"causal{'t' if causal else 'f'}"] if causal is not None else []
    parts += [f"scale{scale}"] if scale is not None else []
    case_id = f"{OP}/{'-'.join(parts)}-b{b}-t{t}s{s}-h{h}"
    kwargs = {}
    if bias is not None:
        kwargs["bias"] = normal(case_id, bias, salt=4)
    if mask is not None:
        # Key 0 is always attended, so no row is fully masked here (that has its own cases).
        kwargs["mask"] = uniform(case_id, mask, salt=5) < 0.6
        kwargs["mask"][..., 0] = True
    if causal is not None:
        kwargs["is_causal"] = causal
    if scale is not None:
        kwargs["scale"] = scale
    return Case(case_id, OP, _qkv(case_id, b, t, s, n, k, h), kwargs)


def _sweep() -> list:
    out = [
        _attend(2, 4, 4, 2, 2, 8),
        _attend(1, 3, 5, 3, 3, 4),
        _attend(2, 5, 3, 4, 2, 4),
        _attend(2, 3, 5, 4, 1, 8),
        _attend(1, 1, 1, 1, 1, 1),
        _attend(2, 4, 6, 4, 4, 2, scale=0.5),
        _attend(2, 4, 4, 4, 2, 4, scale=2.0),
        _attend(1, 3, 3, 2, 1, 4, scale=1),
        _attend(2, 3, 4, 2, 2, 4, scale=0.0),  # uniform weights
        _attend(2, 3, 4, 4, 2, 4, causal=True, scale=-1.0),
    ]
    # Every head layout with a full bias, a full mask and the causal mask, T != S both ways.
    for n, k in ((2, 2), (4, 2), (4, 1)):
        for t, s in ((3, 5), (5, 3), (4, 4)):
            out.append(_attend(2, t, s, n, k, 4, bias=(2, n, t, s), mask=(2, n, t, s), causal=True))
        out.append(_attend(2, 3, 5, n, k, 4, bias=(2, n, 3, 5), causal=False))
        out.append(_attend(2, 5, 3, n, k, 4, mask=(2, n, 5, 3)))
        out.append(_attend(2, 3, 5, n, k, 4, causal=True))
    # Broadcast bias and mask: size-1 batch, head, query or key dims.
    out += [
        _attend(2, 4, 5, 4, 2, 4, bias=(1, 1, 4, 5)),
        _attend(2, 4, 5, 4, 2, 4, bias=(2, 1, 1, 5), mask=(1, 4, 4, 5)),
        _attend(2, 4, 5, 4, 1, 4, bias=(1, 4, 4, 1), mask=(2, 1, 1, 5), causal=True),
        _attend(2, 4, 5, 2, 2, 4, mask=(1, 1, 4, 5), causal=True, scale=0.25),
        _attend(2, 4, 5, 2, 2, 4, bias=(1, 1, 1, 1)),
        # Lower-rank bias and mask gain leading 1s (jax.nn's _ensure_4d).
        _attend(2, 4, 5, 2, 2, 4, bias=(4, 5)),
        _attend(2, 4, 5, 4, 2, 4, mask=(4, 5)),
        _attend(2, 4, 5, 4, 2, 4, bias=(4, 4, 5), mask=(1, 4, 5)),
    ]
    return out


def _large() -> list:
    """Products of at least 2^16 multiply-adds per batch and head group, which wasm computes one batch
    at a time (adapters/tfjs/attention.ts): every head layout, bias, mask, causal, and a NaN."""
    def nan_query(cid):
        q, k, v = _qkv(cid, 2, 64, 64, 2, 2, 16)
        q[1, 40, 1, 3] = np.nan
        return q, k, v
    return [
        _attend(2, 64, 64, 2, 2, 16),
        _attend(1, 40, 80, 4, 2, 32, bias=(1, 4, 40, 80), mask=(1, 1, 40, 80), causal=True),
        _attend(2, 33, 65, 4, 1, 8, scale=0.5),
        _case("mha-n2-nan_query-b2-t64s64-h16", nan_query),
    ]


def _masked_rows() -> list:
    """A fully masked row attends uniformly to every key; a -1e9 bias masks additively."""
    def all_masked(cid):
        q, k, v = _qkv(cid, 2, 3, 4, 2, 2, 4)
        mask = np.ones((2, 2, 3, 4), bool)
        mask[0, 1, 2, :] = False
        mask[1, :, 0, :] = False
        mask[1, 0, 1, 1:] = False
        return q, k, v, None, mask
    def neg_bias(cid):
        q, k, v = _qkv(cid, 2, 3, 4, 2, 2, 4)
        keep = uniform(cid, (2, 1, 3, 4), salt=6) < 0.5
        keep[..., 0] = True
        return q, k, v, np.where(keep, 0.0, -1e9).astype(np.float32)
    def neg_bias_row(cid):
        q, k, v, bias = neg_bias(cid)
        bias[1, 0, 2, :] = -1e9  # every logit -1e9: softmax of (nearly) equal logits
        return q, k, v, bias
    def causal_all_masked(cid):
        q, k, v = _qkv(cid, 1, 4, 4, 2, 1, 4)
        mask = np.ones((1, 1, 4, 4), bool)
        mask[..., 0] = False  # with the causal mask, query 0 attends nothing
        return q, k, v, None, mask
    return [
        _case("mha-n2-mask_all_false_rows-b2-t3s4-h4", all_masked),
        _case("gqa-n4k2-bias_neg1e9-b2-t3s4-h4", neg_bias),
        _case("mha-n2-bias_neg1e9_full_row-b2-t3s4-h4", neg_bias_row),
        _case("mqa-n2k1-mask_all_false_causalt-b1-t4s4-h4", causal_all_masked, {"is_causal": True}),
        _case("mha-n2-mask_all_true-b2-t3s4-h4", lambda cid: _qkv(cid, 2, 3, 4, 2, 2, 4),
              {"mask": np.ones((2, 2, 3, 4), bool)}),
    ]


def _special() -> list:
    """Saturated softmax, NaN and infinite inputs, int32 q, k and v (probabilities cast to int32)."""
    def large(cid):
        return _qkv(cid, 2, 3, 4, 2, 2, 4, scale=30.0)
    def nan_query(cid):
        q, k, v = _qkv(cid, 2, 3, 4, 2, 2, 4)
        q[0, 1, 0, 2] = np.nan
        return q, k, v
    def inf_bias(cid):
        q, k, v = _qkv(cid, 2, 3, 4, 2, 2, 4)
        bias = normal(cid, (2, 2, 3, 4), salt=4)
        bias[0, 0, 0, 1] = np.inf
        bias[1, 1, 2, :] = -np.inf  # a row of -inf: NaN, not masked
        return q, k, v, bias
    def ints(cid):
        return [integers(cid, (2, 3, 2, 4), -3, 4, salt=i) for i in (1, 2, 3)]
    return [
        _case("mha-n2-large30-b2-t3s4-h4", large),
        _case("mha-n2-large30-maskt-causalt-b2-t3s4-h4",
              lambda cid: [*large(cid), None, uniform(cid, (2, 1, 3, 4), salt=5) < 0.7], {"is_causal": True}),
        _case("mha-n2-nan_query-b2-t3s4-h4", nan_query),
        _case("mha-n2-bias_inf-b2-t3s4-h4", inf_bias),
        _case("mha-n2-int32-b2-t3s3-h4", ints),
        _case("mha-n2-int32-scale0.5-causalt-b2-t3s3-h4", ints, {"scale": 0.5, "is_causal": True}),
    ]


def _calls() -> list:
    """Every argument positional, query/key/value by keyword, the defaults spelled out."""
    def positional(cid):
        bias, mask = normal(cid, (2, 2, 3, 4), salt=4), uniform(cid, (2, 2, 3, 4), salt=5) < 0.7
        return (*_qkv(cid, 2, 3, 4, 2, 2, 4), bias, mask, 0.3, True)
    qkv = lambda cid: _qkv(cid, 2, 3, 4, 2, 2, 4)
    by_name = {name: (lambda cid, i=i: qkv(cid)[i]) for i, name in enumerate(("query", "key", "value"))}
    defaults = {"bias": None, "mask": None, "scale": None, "is_causal": False}
    return [
        _case("mha-n2-positional-bias-mask-scale0.3-causalt-b2-t3s4-h4", positional),
        _case("mha-n2-keyword_qkv-b2-t3s4-h4", [], by_name),
        _case("mha-n2-explicit_defaults-b2-t3s4-h4", qkv, defaults),
    ]


def _errors() -> list:
    def qkv(q_shape, k_shape, v_shape=None):
        def args(cid):
            v = normal(cid, v_shape or k_shape, salt=3)
            return normal(cid, q_shape, salt=1), normal(cid, k_shape, salt=2), v
        return args
    def int_mask(cid):
        return [*qkv((2, 3, 2, 4), (2, 4, 2, 4))(cid), None, integers(cid, (2, 2, 3, 4), 0, 2)]
    def float_mask(cid):
        return [*qkv((2, 3, 2, 4), (2, 4, 2, 4))(cid), None, uniform(cid, (2, 2, 3, 4))]
    def bool_value(cid):
        q, k, v = qkv((2, 3, 2, 4), (2, 4, 2, 4))(cid)
        return q, k, v > 0
    return [
        _case("error-query_rank3", qkv((3, 2, 4), (4, 2, 4))),
        _case("error-query_rank5", qkv((1, 2, 3, 2, 4), (1, 2, 4, 2, 4))),
        _case("error-mask_int32", int_mask),
        _case("error-mask_float32", float_mask),
        _case("error-heads-n3k2", qkv((2, 3, 3, 4), (2, 4, 2, 4))),
        _case("error-value_shape", qkv((2, 3, 2, 4), (2, 4, 2, 4), (2, 5, 2, 4))),
        _case("error-query_head_dim", qkv((2, 3, 2, 8), (2, 4, 2, 4))),
        _case("error-batch", qkv((1, 3, 2, 4), (2, 4, 2, 4))),
        _case("error-value_bool", bool_value),
    ]


def _flags() -> list:
    """flash_attention (3.7): on CPU JAX True finds no cuDNN and raises, None and False compute.
    attn_logits_soft_cap (3.10): off TPU any value raises, before the inputs are looked at."""
    qkv = lambda cid: _qkv(cid, 2, 3, 4, 2, 2, 4)
    rank3 = lambda cid: [normal(cid, (3, 2, 4)), *_qkv(cid, 2, 3, 4, 2, 2, 4)[1:]]
    return [
        make_case(OP, "mha-n2-flash_attention=false-b2-t3s4-h4", qkv, {"flash_attention": False}, since="3.7"),
        make_case(OP, "mha-n2-flash_attention=none-causalt-b2-t3s4-h4", qkv,
                  {"flash_attention": None, "is_causal": True}, since="3.7"),
        make_case(OP, "error-flash_attention=true", qkv, {"flash_attention": True}, since="3.7"),
        make_case(OP, "error-query_rank3-flash_attention=true", rank3, {"flash_attention": True}, since="3.7"),
        make_case(OP, "error-attn_logits_soft_cap=1", qkv, {"attn_logits_soft_cap": 1.0}, since="3.10"),
        make_case(OP, "error-query_rank3-attn_logits_soft_cap=30", rank3, {"attn_logits_soft_cap": 30.0}, since="3.10"),
    ]


def _mixed_dtypes() -> list:
    """Keras 3.12 casts q, k and v to their result dtype (the bias too)."""
    def cast(dtypes, bias=None):
        def args(cid):
            q, k, v = _qkv(cid, 2, 3, 4, 2, 2, 4)
            out = [x > 0 if d == "bool" else (x * 3).astype(d) if d == "int32" else x for x, d in zip((q, k, v), dtypes)]
            return out + ([normal(cid, bias, scale=2.0, salt=4)] if bias else [])
        return args
    return [
        make_case(OP, "mha-n2-int32_query-b2-t3s4-h4", cast(("int32", "float32", "float32")), since="3.12"),
        make_case(OP, "mha-n2-bool_query-b2-t3s4-h4", cast(("bool", "float32", "float32")), since="3.12"),
        make_case(OP, "mha-n2-int32_qk-bool_value-b2-t3s4-h4", cast(("int32", "int32", "bool")), since="3.12"),
        make_case(OP, "mha-n2-int32-float_bias2x2x3x4-b2-t3s4-h4", cast(("int32", "int32", "int32"), (2, 2, 3, 4)),
                  since="3.12"),
    ]


def _fallback() -> list:
    """Where jax.nn.dot_product_attention raises, Keras 3.12 runs its own implementation: any mask
    dtype, its own rank-4 expansion of bias and mask, size-1 dims of q, k and v broadcast, and its own
    errors (src/ops/attention-fallback.ts)."""
    def qkv_shapes(q, k, v=None):
        def args(cid):
            return [normal(cid, q, salt=1), normal(cid, k, salt=2), normal(cid, v or k, salt=3)]
        return args
    def with_mask(mask, dtype="int32", q=(2, 3, 2, 4), k=(2, 4, 2, 4)):
        def args(cid):
            m = integers(cid, mask, 0, 2, salt=5) if dtype == "int32" else uniform(cid, mask, salt=5) - 0.3
            if dtype == "int32":
                m[..., 0] = 1
            return [*qkv_shapes(q, k)(cid), None, m.astype(dtype)]
        return args
    def nan_mask(cid):
        m = uniform(cid, (2, 1, 3, 4), salt=5) < 0.5
        m = m.astype(np.float32)
        m[0, 0, 1, 2] = np.nan
        return [*qkv_shapes((2, 3, 2, 4), (2, 4, 2, 4))(cid), None, m]
    def with_bias(bias, q=(2, 3, 2, 4), k=(2, 4, 2, 4), v=None):
        return lambda cid: [*qkv_shapes(q, k, v)(cid), normal(cid, bias, salt=4)]
    def int_mask_bias(cid):
        return [*qkv_shapes((2, 3, 4, 4), (2, 4, 2, 4))(cid), normal(cid, (2, 4, 3, 4), salt=4),
                integers(cid, (2, 1, 3, 4), 0, 2, salt=5)]
    return [
        make_case(OP, "gqa-n4k2-mask_int32_2x1x3x4-causalt-b2-t3s4-h4", int_mask_bias, {"is_causal": True}, since="3.12"),
        make_case(OP, "mha-n2-mask_float32_nan-b2-t3s4-h4", nan_mask, since="3.12"),
        make_case(OP, "mha-n2-mask_float32_2x2x3x4-b2-t3s4-h4", with_mask((2, 2, 3, 4), "float32"), since="3.12"),
        # Keras's expansion: (B, S) -> (B, 1, 1, S); (B, N, S) with N heads -> (B, N, 1, S).
        make_case(OP, "mha-n2-mask_int32_2x4-b2-t3s4-h4", with_mask((2, 4)), since="3.12"),
        make_case(OP, "mha-n2-mask_int32_2x2x4-b2-t3s4-h4", with_mask((2, 2, 4)), since="3.12"),
        make_case(OP, "mha-n2-mask_int32_1x3x4-b2-t3s4-h4", with_mask((1, 3, 4)), since="3.12"),
        make_case(OP, "error-mask_int32_3x4", with_mask((3, 4)), since="3.12"),
        make_case(OP, "error-mask_int32_5d", with_mask((1, 2, 2, 3, 4)), since="3.12"),
        make_case(OP, "error-mask_int32_heads3", with_mask((2, 3, 3, 4)), since="3.12"),
        make_case(OP, "error-bias_heads3-query_batch1", with_bias((2, 3, 3, 4), q=(1, 3, 2, 4)), since="3.12"),
        make_case(OP, "error-bias_t2-query_batch1", with_bias((2, 2, 2, 4), q=(1, 3, 2, 4)), since="3.12"),
        make_case(OP, "error-bias_batch3-query_batch1", with_bias((3, 1, 3, 4), q=(1, 3, 2, 4)), since="3.12"),
        make_case(OP, "error-kv_heads0", qkv_shapes((2, 3, 2, 4), (2, 4, 0, 4)), since="3.12"),
        make_case(OP, "error-value_heads3", qkv_shapes((2, 3, 2, 4), (2, 4, 2, 4), (2, 4, 3, 4)), since="3.12"),
        make_case(OP, "error-value_head_dim8", qkv_shapes((2, 3, 2, 4), (2, 4, 2, 4), (2, 4, 2, 8)), since="3.12"),
        # Size-1 dims of the key and value broadcast in Keras's einsums.
        make_case(OP, "mha-n2-kv_batch1-b2-t3s4-h4", qkv_shapes((2, 3, 2, 4), (1, 4, 2, 4)), since="3.12"),
        make_case(OP, "gqa-n4k2-value_length1-b2-t3s4-h4", qkv_shapes((2, 3, 4, 4), (2, 4, 2, 4), (2, 1, 2, 4)), since="3.12"),
        make_case(OP, "mha-n2-key_head_dim1-b2-t3s4-h4", qkv_shapes((2, 3, 2, 4), (2, 4, 2, 1), (2, 4, 2, 4)), since="3.12"),
        make_case(OP, "error-value_heads2-mqa-n2k1", qkv_shapes((2, 3, 2, 4), (2, 4, 1, 4), (2, 4, 2, 4)), since="3.12"),
        make_case(OP, "mha-n2-kv_batch1-bias2x1x3x4-b2-t3s4-h4", with_bias((2, 1, 3, 4), k=(1, 4, 2, 4)), since="3.12"),
        # jax.nn: a bias longer than a key of length 1 grows the logits, and the values broadcast.
        make_case(OP, "mha-n2-bias2x2x3x4-key_length1-b2-t3s1-h4", with_bias((2, 2, 3, 4), k=(2, 1, 2, 4)), since="3.12"),
    ]


def cases() -> list:
    return (_sweep() + _large() + _masked_rows() + _special() + _calls() + _errors()
            + _flags() + _mixed_dtypes() + _fallback())
