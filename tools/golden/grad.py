"""Gradient sets (docs/golden-format.md): `jax.vjp` of Keras's ops on the calls of a forward set.

For every case of the forward set whose op is in OPS, that returned outputs, each float32 or complex64, and
that passes at least one float32 tensor: the call is rebuilt from the forward files as keras-parity replays
it, one cotangent is drawn per output (standard normal float32, seeded by the case id; complex64 for a
complex64 output, real and imaginary parts so drawn), and `jax.vjp` of
`keras.ops.<op>` with respect to every float32 tensor argument gives the gradients, keyed by Keras
parameter name. A call whose vjp raises records the error instead. Nothing but the forward files and the
pinned versions decides the bytes: the cases come in the forward set's order.
"""
import hashlib
import inspect
import json
import sys
import time
import warnings
import zlib

import numpy as np
import safetensors.numpy

from golden import check, common, grad_tolerances as tol, runner, writer
from golden.cases import CatalogueError

# The ops a gradient set covers, each with its tolerance rule (grad_tolerances.py; None: the default, right
# for elementwise gradients). An op a Keras version lacks is skipped in its set. To cover another op, add
# it here with a rule derived from how far its gradient sums: the differentiable ops are those without
# OpDef.noGradient in src/ops/. The others (convs, attention) all run through jax.vjp on their
# valid float cases, but their gradients sum over windows, channels or batches, so each needs its rule first.
OPS = {
    "relu": None, "relu6": None, "sigmoid": None, "softplus": None, "softsign": None, "silu": None,
    "log_sigmoid": None, "leaky_relu": None, "hard_sigmoid": None, "hard_silu": None, "elu": None,
    "selu": None, "gelu": tol.gelu, "softmax": tol.softmax, "log_softmax": tol.log_softmax,
    # Keras 3.7 and later
    "celu": None, "glu": tol.glu, "hard_shrink": None, "hard_tanh": None, "soft_shrink": None,
    "squareplus": None, "tanh_shrink": None, "sparse_plus": None, "sparsemax": tol.sparsemax,
    "threshold": None, "sparse_sigmoid": None,
    # pooling (the adaptive pools from Keras 3.13)
    "max_pool": tol.pooling("max_pool", tol.one), "average_pool": tol.pooling("average_pool", tol.pool_cells),
    "adaptive_max_pool": tol.pooling("adaptive_max_pool", tol.one),
    "adaptive_average_pool": tol.pooling("adaptive_average_pool", tol.adaptive_cells),
    # normalization and losses (rms_normalization from Keras 3.9, layer_normalization from 3.11)
    "moments": tol.moments, "batch_normalization": tol.batch_normalization, "normalize": tol.normalize,
    "rms_normalization": tol.rms_normalization, "layer_normalization": tol.layer_normalization,
    "binary_crossentropy": None, "categorical_crossentropy": tol.categorical_crossentropy,
    "sparse_categorical_crossentropy": tol.sparse_categorical_crossentropy, "psnr": tol.psnr,
    # the patch ops (Keras 3.12 and later): moves of single values but unfold's, which adds overlapping windows
    "depth_to_space": None, "space_to_depth": None, "fold": None, "unfold": tol.unfold,
    # attention: sums over the head dims, the keys and the query rows of each kv head
    "dot_product_attention": tol.dot_product_attention,
    # the convolutions: strided convolutions of the cotangent, summing over kernel taps and channels or batch
    "conv_transpose": tol.conv_transpose,
    "conv": tol.conv, "depthwise_conv": tol.depthwise_conv, "separable_conv": tol.separable_conv,
    # CTC: the logits' gradient, posterior weights of the alignment paths over the frames
    "ctc_loss": tol.ctc_loss,
    # polar (Keras 3.9 and later): complex64 output, a complex64 cotangent; products, summed where broadcast
    "polar": tol.polar,
}

# A fourth seed word that no catalogue draw (SEED, case, salt) uses, so a cotangent never repeats an input.
COTANGENT_STREAM = 0x67726164


def select(only, forward_ops) -> list:
    """The ops to take gradients of: OPS that the forward set has, limited to `only` when given."""
    if only:
        skipped = sorted(set(only) - set(OPS))
        if skipped:
            print(f"no gradient goldens for {', '.join(skipped)} (not in tools/golden/grad.py's OPS)", file=sys.stderr)
    return [op for op in sorted(forward_ops) if op in OPS and (not only or op in only)]


def generate(keras, forward: dict, only) -> tuple:
    """({file name: bytes} of the selected ops, the forward manifest's extra keys) from a forward set given
    as {file name: bytes}."""
    integrity = check.integrity_differences(forward)
    if integrity:
        raise SystemExit("the forward set does not match its manifest:\n" + "\n".join(integrity))
    manifest = json.loads(forward[writer.MANIFEST])
    if manifest["versions"]["keras"] != keras.__version__:
        raise SystemExit(f"the forward set was made by Keras {manifest['versions']['keras']}, this is {keras.__version__}")
    started, files, count = time.monotonic(), {}, 0
    for op in select(only, [name[:-len(".json")] for name in manifest["files"] if name.endswith(".json")]):
        stored = forward.get(f"{op}.safetensors")  # an op whose cases hold no tensor has none
        entries, tensors = op_cases(keras, op, json.loads(forward[f"{op}.json"])["cases"],
                                    safetensors.numpy.load(stored) if stored else {})
        if entries:
            data = safetensors.numpy.save(tensors)
            writer.check_round_trip(op, tensors, data)
            files.update({f"{op}.json": writer.dumps({"op": op, "cases": entries}), f"{op}.safetensors": data})
            count += len(entries)
    print(f"gradients: {count} cases in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return files, {"forward_manifest": hashlib.sha256(forward[writer.MANIFEST]).hexdigest()}


def op_cases(keras, op, cases, forward_tensors) -> tuple:
    """(case entries, {key: array}) of one op: a gradient case per forward case that has a gradient."""
    entries, tensors = [], {}
    for case in cases:
        args, kwargs = rebuild(case, forward_tensors)
        outputs = [forward_tensors[o["tensor"]] for o in case["expected"].get("outputs", [])]
        slots = slots_of(case["id"], args, kwargs)
        if has_gradients(outputs, slots):
            entries.append(grad_case(keras, op, case["id"], (args, kwargs, slots), outputs, tensors))
    return entries, tensors


# The output dtypes a cotangent is drawn for: polar's complex64 takes a complex64 one, as jax.vjp asks.
COTANGENT_DTYPES = (np.float32, np.complex64)


def has_gradients(outputs, slots) -> bool:
    """A call has gradients to take when it returned outputs, each float32 or complex64, and passes a
    float32 tensor."""
    return bool(outputs) and bool(slots) and all(o.dtype in COTANGENT_DTYPES for o in outputs)


def rebuild(case, tensors) -> tuple:
    """(args, kwargs) of a forward case as replayed: JSON arrays are tuples, tensors fresh copies."""
    def decode(value):
        if isinstance(value, list):
            return tuple(decode(v) for v in value)
        if isinstance(value, dict):
            return np.array(tensors[value["tensor"]])  # not ascontiguousarray: it makes 0-d arrays 1-d
        return value

    return tuple(decode(a) for a in case["args"]), {k: decode(v) for k, v in case["kwargs"].items()}


def slots_of(case_id, args, kwargs) -> list:
    """Where the float32 tensors of a call are: positional indexes and keyword names."""
    for value in list(args) + list(kwargs.values()):
        if isinstance(value, tuple) and any(isinstance(v, np.ndarray) for v in value):
            # No op takes one yet; its gradients would need a key per tuple item.
            raise CatalogueError(f"{case_id}: a tensor inside a tuple argument; gradient sets do not hold these")
    return ([i for i, a in enumerate(args) if is_float(a)]
            + [k for k, v in kwargs.items() if is_float(v)])


def is_float(value) -> bool:
    return isinstance(value, np.ndarray) and value.dtype == np.float32


def grad_case(keras, op, case_id, call, outputs, tensors) -> dict:
    """The entry of one gradient case, `call` its (args, kwargs, float slots); its cotangents and gradients
    go into `tensors`."""
    cotangents = [cotangent(case_id, i, o) for i, o in enumerate(outputs)]
    refs = []
    for i, ct in enumerate(cotangents):
        tensors[f"{case_id}/cotangent/{i}"] = ct
        refs.append({"tensor": f"{case_id}/cotangent/{i}"})
    gradients, error, tolerance = differentiate(keras, op, case_id, call, outputs, cotangents)
    entry = {"id": case_id, "cotangents": refs, "tolerance": None}
    if error:
        entry["expected"] = {"error": error}
        return entry
    for name, grad in gradients.items():
        tensors[f"{case_id}/grad/{name}"] = grad
    entry["expected"] = {"gradients": {name: {"tensor": f"{case_id}/grad/{name}"} for name in gradients}}
    entry["tolerance"] = tolerance
    return entry


def differentiate(keras, op, case_id, call, outputs, cotangents) -> tuple:
    """(gradients {Keras parameter name: array}, None, the op's tolerance rule's value) of `call`, its
    (args, kwargs, float slots), for `cotangents`; or (None, the error, None) when JAX or Keras raised.
    The goldens and the fuzzer's oracle (tools/oracle.py) both take their gradients here."""
    fn = getattr(keras.ops, op)
    args, kwargs, slots = call
    names = parameter_names(fn, slots)
    grads, error = vjp(fn, call, cotangents, outputs, case_id)
    if error:
        return None, error, None
    gradients = {}
    for name, slot, grad in zip(names, slots, grads):
        primal = args[slot] if isinstance(slot, int) else kwargs[slot]
        if grad.shape != primal.shape or grad.dtype != primal.dtype:
            raise SystemExit(f"{case_id}: the gradient of {name} is {grad.dtype}{list(grad.shape)}, "
                             f"its argument {primal.dtype}{list(primal.shape)}")
        gradients[name] = np.array(grad, order="C")
    rule = OPS.get(op)
    return gradients, None, rule(bound_arguments(fn, args, kwargs), outputs, cotangents) if rule else None


def parameter_names(fn, slots) -> list:
    """Keras's parameter name of each slot: a keyword's own, a position's from the op's signature."""
    params = list(inspect.signature(fn).parameters.values())
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = []
    for slot in slots:
        if isinstance(slot, int) and (slot >= len(params) or params[slot].kind not in positional):
            raise SystemExit(f"{fn.__name__}: positional argument {slot} has no parameter name")
        names.append(params[slot].name if isinstance(slot, int) else slot)
    return names


def bound_arguments(fn, args, kwargs) -> dict:
    bound = inspect.signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def cotangent(case_id, index, output) -> np.ndarray:
    return draw_cotangent([common.SEED, zlib.crc32(case_id.encode())], index, output.shape, output.dtype)


def draw_cotangent(words, index, shape, dtype=np.float32) -> np.ndarray:
    """Standard normal float32 in `shape` from the seed words, the cotangent stream and the output index;
    for a complex64 output, those values are the real parts and the next draws the imaginary parts."""
    g = np.random.default_rng([*words, COTANGENT_STREAM, index])
    real = g.standard_normal(shape).astype(np.float32)
    if np.dtype(dtype) != np.complex64:
        return real
    ct = np.empty(shape, np.complex64)
    ct.real, ct.imag = real, g.standard_normal(shape).astype(np.float32)
    return ct


def vjp(fn, call, cotangents, outputs, case_id) -> tuple:
    """(gradients in slot order, None), or (None, the error) when JAX or Keras raised."""
    import jax
    import jax.numpy as jnp

    args, kwargs, slots = call
    with_floats = differentiable(fn, args, kwargs, slots)
    # As jax arrays, as a Keras tensor on JAX is: a NumPy primal would reach a custom_jvp rule as NumPy,
    # whose comparisons keep subnormals (relu's 1e-40 > 0) where XLA's, as the forward ran, flush them.
    primals = [jnp.asarray(x) for x in at(args, kwargs, slots)]
    cotangents = [jnp.asarray(c) for c in cotangents]
    # Warnings are not errors (softmax warns on a size-1 axis), as in the forward run.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result, pullback = jax.vjp(with_floats, *primals)
            flat, tree = jax.tree_util.tree_flatten(result)
            grads = pullback(jax.tree_util.tree_unflatten(tree, cotangents))
        except Exception as e:  # every exception is a result to record
            return None, runner.describe(e)
    note_primal_differences(case_id, [np.asarray(x) for x in flat], outputs)
    return [np.asarray(g) for g in grads], None


def at(args, kwargs, slots) -> list:
    """The values of a call at `slots` (positional indexes and keyword names)."""
    return [args[s] if isinstance(s, int) else kwargs[s] for s in slots]


def substitute(args, kwargs, slots, values) -> tuple:
    """(args, kwargs) of a call with `values` put at `slots`."""
    a, kw = list(args), dict(kwargs)
    for slot, x in zip(slots, values):
        if isinstance(slot, int):
            a[slot] = x
        else:
            kw[slot] = x
    return a, kw


def differentiable(fn, args, kwargs, slots):
    """`fn` of the call as a function of the values at `slots`, what jax.vjp takes."""
    def with_floats(*floats):
        a, kw = substitute(args, kwargs, slots, floats)
        return fn(*a, **kw)

    return with_floats


def note_primal_differences(case_id, primal, outputs) -> None:
    """The outputs jax.vjp computes on the way should be the forward set's, bit for bit; say where not."""
    if len(primal) != len(outputs):
        raise SystemExit(f"{case_id}: jax.vjp gave {len(primal)} outputs, the forward set {len(outputs)}")
    for i, (got, want) in enumerate(zip(primal, outputs)):
        change = check.tensor_change(want, got)
        if change:
            print(f"note: {case_id}: output {i} under jax.vjp differs from the forward set's ({change})",
                  file=sys.stderr)
