"""Running one case on the Keras backend this process imported: its outputs or the exception it raised."""
import dataclasses
import linecache
import os
import re
import site
import sys
import warnings
from typing import Optional

import numpy as np

from golden import cases as catalogue_cases

GOLDEN_DTYPES = catalogue_cases.TENSOR_DTYPES


@dataclasses.dataclass
class Outcome:
    """What one backend did with one case: `outputs` (numpy arrays) or `error` ({class, message, origin})."""

    outputs: Optional[list] = None
    error: Optional[dict] = None


def run_case(keras, case) -> Outcome:
    op = getattr(keras.ops, case.op)
    args, kwargs = catalogue_cases.call_args(case)
    # Warnings are not errors (softmax warns on a size-1 axis); keep them off the console.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = op(*args, **kwargs)
            outputs = [keras.ops.convert_to_numpy(x) for x in flatten(result)]
        except Exception as e:  # every exception is a result to record
            return Outcome(error=describe(e))
    return Outcome(outputs=[np.asarray(x) for x in outputs])


def flatten(result) -> list:
    """An op returns one tensor or a tuple of tensors (moments, ctc_decode)."""
    if isinstance(result, (tuple, list)):
        if any(isinstance(x, (tuple, list)) for x in result):
            raise TypeError("nested outputs are not supported by the golden format")
        return list(result)
    return [result]


def check_golden_dtypes(case_id, outputs) -> None:
    """The golden (JAX) outputs must fit the format: float32, int32 or bool."""
    for i, array in enumerate(outputs):
        if array.dtype.name not in GOLDEN_DTYPES:
            raise SystemExit(f"{case_id}: output {i} has dtype {array.dtype}; goldens hold {GOLDEN_DTYPES}")


def describe(error: BaseException) -> dict:
    return {"class": type(error).__name__, "message": clean_message(str(error)), "origin": origin(error)}


def origin(error: BaseException) -> str:
    """The top-level package of the innermost frame that raised (keras, jax, tensorflow, numpy...), or
    "python" where that frame is Keras's but no `raise` of Keras's raised: Python or numpy failed on an
    operation in Keras's code (`(1,) + 1.5`, a bool negated), and the message is theirs, not a check's."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "unknown"
    package = str(tb.tb_frame.f_globals.get("__name__", "unknown")).split(".")[0]
    if package == "keras" and not raised_by_statement(tb):
        return "python"
    return package


def raised_by_statement(tb) -> bool:
    """Whether the frame's current line is a `raise` statement (a multi-line one reports its first line)."""
    line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
    return line.lstrip().startswith("raise")


def _path_prefixes() -> list:
    """Install locations that error messages may quote, longest first, with their placeholders."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pairs = [(p, "<site-packages>") for p in site.getsitepackages() + [site.getusersitepackages()]]
    pairs += [(repo, "<repo>"), (sys.prefix, "<python>"), (sys.base_prefix, "<python>")]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_PREFIXES = _path_prefixes()
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
# JAX 0.10's verifier errors quote the MLIR location of the call, which is the Python call stack (ours
# included: it differs between `npm run golden` and `--check`); TensorFlow's missing-kernel errors list the
# op's attributes and the registered kernels in no fixed order. Neither is the error: both are cut, with
# what follows them.
_VOLATILE_TAILS = ("\n\t\tat loc(", " with these attrs: [")


def clean_message(message: str) -> str:
    """Drop what changes between runs and machines: install paths, object addresses, call-site dumps."""
    for tail in _VOLATILE_TAILS:
        if tail in message:
            message = message[: message.index(tail)]
    for prefix, placeholder in _PREFIXES:
        message = message.replace(prefix, placeholder)
    return _ADDRESS.sub("0x?", message)
