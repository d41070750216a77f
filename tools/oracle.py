#!/usr/bin/env python3
"""The Keras oracle: one long-lived process that answers `keras.ops.<op>(*args, **kwargs)` calls on Keras's
JAX backend, for `keras-parity fuzz` (src/fuzz/oracle.ts starts it and speaks to it).

Protocol: one JSON object a line. stdout carries only protocol lines; everything Python, JAX or XLA would
print goes to stderr (fd 1 is pointed at fd 2 before anything is imported).

    -> {"id": 1, "cmd": "call", "op": "relu", "args": [...], "kwargs": {...}}
    <- {"id": 1, "outputs": [<tensor>, ...]}  or  {"id": 1, "error": {"class", "message", "origin"}}
    -> {"id": 2, "cmd": "time", "op": ..., "args": ..., "kwargs": ..., "warmup": 2, "repeat": 10}
    <- {"id": 2, "seconds": [...]}  or  {"id": 2, "error": {...}}
    -> the same with "cotangents": [<tensor>, ...], one per output: times jax.vjp of the op and its pullback
    -> {"id": 3, "cmd": "grad", "op": ..., "args": ..., "kwargs": ..., "seed": [<uint32>, ...]}
    <- {"id": 3, "outputs", "cotangents", "gradients": {<parameter>: <tensor>}, "tolerance", "rule"},
       the same with "error" for "gradients" (jax.vjp raised), or {"id": 3, "skip": "<why no gradient>"}

At start it prints {"ready": {"versions": {...}}}, or {"fatal": {"message", "missing"}} and exits 3 when
Keras or JAX cannot be imported. Values are the golden format's (docs/golden-format.md): arrays are
tuples, null is None; a tensor is {"$tensor": {"dtype", "shape", "data": base64 of the little-endian
bytes}}, bit-exact both ways; a float JSON cannot hold (nan, inf, -0.0) is {"$float": "nan"}. The process
ends at the end of its stdin.
"""
import base64
import json
import os
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)

# Standard library only before this: numpy reads NPY_DISABLE_CPU_FEATURES when imported.
from golden import env  # noqa: E402

MISSING_EXIT = 3


def protocol_stream():
    """The real stdout for protocol lines; fd 1 and sys.stdout then lead to stderr, so no print, warning
    or C library log can corrupt the protocol."""
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", buffering=1, encoding="utf-8")


def send(out, message) -> None:
    out.write(json.dumps(message, allow_nan=False) + "\n")
    out.flush()


def boot(out):
    """Pin the environment as gen_golden.py does (same bits as the goldens), import Keras on JAX."""
    # KERAS_PARITY_ORACLE_CPU_PINS=0 (the benchmark's oracle): JAX as a user runs it, every core.
    env.pin("jax", cpu_pins=os.environ.get("KERAS_PARITY_ORACLE_CPU_PINS") != "0")
    try:
        import jax  # noqa: F401  (the backend: a clear message when it alone is missing)
        import keras
        import numpy  # noqa: F401
    except ImportError as e:
        send(out, {"fatal": {"message": f"{type(e).__name__}: {e}", "missing": e.name or ""}})
        sys.exit(MISSING_EXIT)
    env.check_keras_defaults(keras)
    from golden import writer

    return keras, writer.versions()


def decode(value):
    """A protocol value as the Python call takes it."""
    import numpy as np

    if isinstance(value, list):
        return tuple(decode(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"$tensor"}:
            t = value["$tensor"]
            raw = base64.b64decode(t["data"])
            dtype = {"float32": "<f4", "int32": "<i4", "bool": "?", "complex64": "<c8"}[t["dtype"]]
            # A copy: frombuffer's array is read-only, and a 0-d shape needs reshape after it.
            return np.frombuffer(raw, dtype=dtype).reshape(t["shape"]).copy()
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {k: decode(v) for k, v in value.items()}
    return value


def encode_tensor(array) -> dict:
    import numpy as np

    array = np.asarray(array)
    little = array.astype(array.dtype.newbyteorder("<"), copy=False) if array.dtype.byteorder == ">" else array
    data = base64.b64encode(np.ascontiguousarray(little).tobytes()).decode("ascii")
    return {"dtype": array.dtype.name, "shape": list(array.shape), "data": data}


def forward(keras, request):
    """(the call as a Case, runner.run_case's Outcome of it)."""
    from golden import common, runner

    # A Case, so runner.run_case makes the call exactly as gen_golden.py does (copies, warnings, errors).
    case = common.Case(f"{request['op']}/oracle", request["op"], decode(request.get("args", [])),
                       {k: decode(v) for k, v in request.get("kwargs", {}).items()})
    try:
        return case, runner.run_case(keras, case)
    except AttributeError as e:  # no such op in keras.ops
        return case, runner.Outcome(error=runner.describe(e))


def call(keras, request) -> dict:
    _, outcome = forward(keras, request)
    if outcome.error:
        return {"error": outcome.error}
    return {"outputs": [encode_tensor(a) for a in outcome.outputs]}


def grad_call(keras, request) -> dict:
    """jax.vjp of the call as the gradient goldens take it (golden/grad.py: the same float32 arguments,
    parameter names and tolerance rule), one cotangent per output drawn from the request's seed words."""
    from golden import grad
    from golden.cases import CatalogueError

    case, outcome = forward(keras, request)
    if outcome.error:
        return {"skip": f"Keras raised {outcome.error['class']}"}
    try:
        slots = grad.slots_of(case.id, case.args, case.kwargs)
    except CatalogueError as e:
        return {"skip": str(e)}
    if not grad.has_gradients(outcome.outputs, slots):
        return {"skip": "no float32 tensor argument" if not slots else "an output that is not float32"}
    words = [int(w) for w in request["seed"]]
    cotangents = [grad.draw_cotangent(words, i, o.shape, o.dtype) for i, o in enumerate(outcome.outputs)]
    try:
        gradients, error, tolerance = grad.differentiate(keras, case.op, case.id, (case.args, case.kwargs, slots),
                                                         outcome.outputs, cotangents)
    except SystemExit as e:  # a gradient of another shape than its argument: JAX's doing, not the call's
        return {"error": {"class": "GradientMismatch", "message": str(e), "origin": "oracle"}}
    answer = {"outputs": [encode_tensor(a) for a in outcome.outputs],
              "cotangents": [encode_tensor(c) for c in cotangents], "rule": case.op in grad.OPS}
    if error:
        return {**answer, "error": error}
    return {**answer, "gradients": {k: encode_tensor(g) for k, g in gradients.items()}, "tolerance": tolerance}


def time_call(keras, request) -> dict:
    """Seconds per call, each until JAX has the result ready; inputs are on the device beforehand. With
    "cotangents", the call is the op's jax.vjp and its pullback (timed_vjp)."""
    import jax

    from golden import runner

    fn = getattr(keras.ops, request["op"])
    try:
        if "cotangents" in request:
            run = timed_vjp(fn, request)
        else:
            on_device = lambda v: keras.ops.convert_to_tensor(v) if hasattr(v, "dtype") else v  # noqa: E731
            args = [on_device(v) for v in decode(request.get("args", []))]
            kwargs = {k: on_device(decode(v)) for k, v in request.get("kwargs", {}).items()}
            run = lambda: fn(*args, **kwargs)  # noqa: E731
        for _ in range(int(request.get("warmup", 1))):
            jax.block_until_ready(run())
        seconds = []
        for _ in range(int(request.get("repeat", 1))):
            start = time.perf_counter()
            jax.block_until_ready(run())
            seconds.append(time.perf_counter() - start)
    except Exception as e:  # an op that raises has no time
        return {"error": runner.describe(e)}
    return {"seconds": seconds}


def timed_vjp(fn, request):
    """The op's outputs and its gradients for the request's cotangents, as a JAX user trains: jax.vjp of
    the op and its pullback in one jax.jit, compiled here (outside any timing). Every array is an argument
    of the compiled function (none is a constant XLA could fold); the float32 ones are differentiated, as
    gradient goldens take them (golden/grad.py)."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from golden import grad

    args, kwargs = decode(request.get("args", [])), {k: decode(v) for k, v in request.get("kwargs", {}).items()}
    arrays = ([i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
              + [k for k, v in kwargs.items() if isinstance(v, np.ndarray)])
    floats = grad.slots_of(request["op"], args, kwargs)

    def step(values, cotangents):
        a, kw = grad.substitute(args, kwargs, arrays, values)
        outputs, pullback = jax.vjp(grad.differentiable(fn, a, kw, floats), *grad.at(a, kw, floats))
        return outputs, pullback(jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(outputs), cotangents))

    values = [jnp.asarray(v) for v in grad.at(args, kwargs, arrays)]
    cotangents = [jnp.asarray(c) for c in decode(request["cotangents"])]
    compiled = jax.jit(step).lower(values, cotangents).compile()
    return lambda: compiled(values, cotangents)


COMMANDS = {"call": call, "time": time_call, "grad": grad_call}


def serve(out, keras) -> None:
    """Answer requests until stdin ends; a request the oracle cannot read is answered with its error."""
    from golden import runner

    while True:
        line = sys.stdin.readline()
        if not line:
            return
        if not line.strip():
            continue
        request = {}
        try:
            request = json.loads(line)
            answer = COMMANDS[request["cmd"]](keras, request)
        except Exception as e:  # a malformed request; the op's own errors are answers already
            answer = {"error": {**runner.describe(e), "origin": "oracle"}}
        send(out, {"id": request.get("id") if isinstance(request, dict) else None, **answer})


def main(extend=None) -> int:
    """`extend(keras)`, when given, runs once Keras is imported (the specs add test ops with it)."""
    out = protocol_stream()
    keras, versions = boot(out)
    if extend:
        extend(keras)
    send(out, {"ready": {"versions": versions}})
    serve(out, keras)
    return 0


if __name__ == "__main__":
    sys.exit(main())
