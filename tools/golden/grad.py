"""Gradient sets (docs/golden-format.md): `jax.vjp` of Keras's ops on the calls of a forward set.

For every case of the forward set whose op is in OPS, that returned outputs, all float32, and that passes
at least one float32 tensor: the call is rebuilt from the forward files as keras-parity replays it, one
cotangent is drawn per output (standard normal float32, seeded by the case id), and `jax.vjp` of
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
# OpDef.noGradient in src/ops/. The others (convs, attention, ctc_loss) all run through jax.vjp on their
# valid float cases, but their gradients sum over windows, channels or batches, so each needs its rule first.
OPS = {
    "relu": None, "relu6": None, "sigmoid": None, "softplus": None, "softsign": None, "silu": None,
    "log_sigmoid": None, "leaky_relu": None, "hard_sigmoid": None, "hard_silu": None, "elu": None,
    "selu": None, "gelu": None, "softmax": tol.softmax, "log_softmax": tol.log_softmax,
    # Keras 3.7 and later
    "celu": None, "glu": None, "hard_shrink": None, "hard_tanh": None, "soft_shrink": None,
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
        if outputs and slots and all(o.dtype == np.float32 for o in outputs):
            entries.append(grad_case(keras, op, case["id"], (args, kwargs, slots), outputs, tensors))
    return entries, tensors


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
    fn = getattr(keras.ops, op)
    args, kwargs, slots = call
    names = parameter_names(fn, slots)
    cotangents = [cotangent(case_id, i, o.shape) for i, o in enumerate(outputs)]
    refs = []
    for i, ct in enumerate(cotangents):
        tensors[f"{case_id}/cotangent/{i}"] = ct
        refs.append({"tensor": f"{case_id}/cotangent/{i}"})
    grads, error = vjp(fn, call, cotangents, outputs, case_id)
    entry = {"id": case_id, "cotangents": refs, "tolerance": None}
    if error:
        entry["expected"] = {"error": error}
        return entry
    gradients = {}
    for name, slot, grad in zip(names, slots, grads):
        primal = args[slot] if isinstance(slot, int) else kwargs[slot]
        if grad.shape != primal.shape or grad.dtype != primal.dtype:
            raise SystemExit(f"{case_id}: the gradient of {name} is {grad.dtype}{list(grad.shape)}, "
                             f"its argument {primal.dtype}{list(primal.shape)}")
        tensors[f"{case_id}/grad/{name}"] = np.array(grad, order="C")
        gradients[name] = {"tensor": f"{case_id}/grad/{name}"}
    entry["expected"] = {"gradients": gradients}
    rule = OPS[op]
    if rule:
        entry["tolerance"] = rule(bound_arguments(fn, args, kwargs), outputs, cotangents)
    return entry


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


def cotangent(case_id, index, shape) -> np.ndarray:
    g = np.random.default_rng([common.SEED, zlib.crc32(case_id.encode()), COTANGENT_STREAM, index])
    return g.standard_normal(shape).astype(np.float32)


def vjp(fn, call, cotangents, outputs, case_id) -> tuple:
    """(gradients in slot order, None), or (None, the error) when JAX or Keras raised."""
    import jax
    import jax.numpy as jnp

    args, kwargs, slots = call

    def with_floats(*floats):
        a, kw = list(args), dict(kwargs)
        for slot, x in zip(slots, floats):
            if isinstance(slot, int):
                a[slot] = x
            else:
                kw[slot] = x
        return fn(*a, **kw)

    # As jax arrays, as a Keras tensor on JAX is: a NumPy primal would reach a custom_jvp rule as NumPy,
    # whose comparisons keep subnormals (relu's 1e-40 > 0) where XLA's, as the forward ran, flush them.
    primals = [jnp.asarray(args[s] if isinstance(s, int) else kwargs[s]) for s in slots]
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


def note_primal_differences(case_id, primal, outputs) -> None:
    """The outputs jax.vjp computes on the way should be the forward set's, bit for bit; say where not."""
    if len(primal) != len(outputs):
        raise SystemExit(f"{case_id}: jax.vjp gave {len(primal)} outputs, the forward set {len(outputs)}")
    for i, (got, want) in enumerate(zip(primal, outputs)):
        change = check.tensor_change(want, got)
        if change:
            print(f"note: {case_id}: output {i} under jax.vjp differs from the forward set's ({change})",
                  file=sys.stderr)
