#!/usr/bin/env python3
"""The Keras oracle: one long-lived process that answers `keras.ops.<op>(*args, **kwargs)` calls on Keras's
JAX backend, for `keras-parity fuzz` (src/fuzz/oracle.ts starts it and speaks to it).

Protocol: one JSON object a line. stdout carries only protocol lines; everything Python, JAX or XLA would
print goes to stderr (fd 1 is pointed at fd 2 before anything is imported).

    -> {"id": 1, "cmd": "call", "op": "relu", "args": [...], "kwargs": {...}}
    <- {"id": 1, "outputs": [<tensor>, ...]}  or  {"id": 1, "error": {"class", "message", "origin"}}
    -> {"id": 2, "cmd": "time", "op": ..., "args": ..., "kwargs": ..., "warmup": 2, "repeat": 10}
    <- {"id": 2, "seconds": [...]}  or  {"id": 2, "error": {...}}

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


def call(keras, request) -> dict:
    from golden import common, runner

    # A Case, so runner.run_case makes the call exactly as gen_golden.py does (copies, warnings, errors).
    case = common.Case(f"{request['op']}/oracle", request["op"], decode(request.get("args", [])),
                       {k: decode(v) for k, v in request.get("kwargs", {}).items()})
    try:
        outcome = runner.run_case(keras, case)
    except AttributeError as e:  # no such op in keras.ops
        return {"error": runner.describe(e)}
    if outcome.error:
        return {"error": outcome.error}
    return {"outputs": [encode_tensor(a) for a in outcome.outputs]}


def time_call(keras, request) -> dict:
    """Seconds per call, each until JAX has the result ready; inputs are on the device beforehand."""
    import jax

    from golden import runner

    fn = getattr(keras.ops, request["op"])
    on_device = lambda v: keras.ops.convert_to_tensor(v) if hasattr(v, "dtype") else v  # noqa: E731
    args = [on_device(v) for v in decode(request.get("args", []))]
    kwargs = {k: on_device(decode(v)) for k, v in request.get("kwargs", {}).items()}
    try:
        for _ in range(int(request.get("warmup", 1))):
            jax.block_until_ready(fn(*args, **kwargs))
        seconds = []
        for _ in range(int(request.get("repeat", 1))):
            start = time.perf_counter()
            jax.block_until_ready(fn(*args, **kwargs))
            seconds.append(time.perf_counter() - start)
    except Exception as e:  # an op that raises has no time
        return {"error": runner.describe(e)}
    return {"seconds": seconds}


COMMANDS = {"call": call, "time": time_call}


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
