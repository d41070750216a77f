"""Loading the catalogue and turning a case's call into JSON plus named tensors (docs/golden-format.md)."""
import importlib
import pkgutil

import numpy as np

# complex64 is safetensors' C64, real then imaginary float32 (docs/golden-format.md); polar returns it.
TENSOR_DTYPES = ("float32", "int32", "bool", "complex64")


class CatalogueError(Exception):
    """The catalogue asks for something the golden format cannot hold."""


def load(only=None, keras_version=None) -> list:
    """Every case of every module of golden.catalogue (modules by name, cases in their order) that Keras
    `keras_version` can run (each case's `since`; default: the installed Keras)."""
    from golden import catalogue
    from golden.common import version_tuple
    from golden.env import installed_keras

    version = version_tuple(keras_version or installed_keras())

    cases = []
    for info in sorted(pkgutil.iter_modules(catalogue.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"golden.catalogue.{info.name}")
        cases.extend(module.cases())
    check_unique(cases)
    cases = [case for case in cases if case.since is None or version_tuple(case.since) <= version]
    for case in cases:
        encode_call(case)  # fail now, not after an hour of running, on what the format cannot hold
    if only:
        unknown = set(only) - {case.op for case in cases}
        if unknown:
            raise CatalogueError(f"--only names ops without cases: {', '.join(sorted(unknown))}")
        cases = [case for case in cases if case.op in only]
    return cases


def check_unique(cases) -> None:
    seen = set()
    for case in cases:
        if case.id in seen:
            raise CatalogueError(f"duplicate case id {case.id}")
        seen.add(case.id)


def by_op(cases) -> dict:
    """op -> its cases, ops in the order they first appear."""
    groups = {}
    for case in cases:
        groups.setdefault(case.op, []).append(case)
    return groups


def encode_call(case) -> tuple:
    """(args JSON, kwargs JSON, {key: array}) for one case; tensors become {"tensor": key}."""
    tensors = {}
    args = [encode_value(case.id, v, f"{case.id}/args/{i}", tensors) for i, v in enumerate(case.args)]
    kwargs = {k: encode_value(case.id, v, f"{case.id}/kwargs/{k}", tensors) for k, v in case.kwargs.items()}
    return args, kwargs, tensors


def encode_value(case_id, value, key, tensors):
    if isinstance(value, (np.ndarray, np.generic)):  # a numpy scalar is a 0-d tensor (see call_args)
        check_tensor(case_id, key, value)
        tensors[key] = np.array(value, order="C")  # not ascontiguousarray: it makes 0-d arrays 1-d
        return {"tensor": key}
    if isinstance(value, tuple):
        return [encode_value(case_id, v, f"{key}/{i}", tensors) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not np.isfinite(value):
            raise CatalogueError(f"{case_id}: {key} is {value}, which JSON cannot hold")
        return value
    # A list would replay as a tuple: that changes the call.
    raise CatalogueError(f"{case_id}: {key} is a {type(value).__name__}; use a tuple, a Python number or "
                         "an np.ndarray")


def check_tensor(case_id, key, array) -> None:
    if array.dtype.name not in TENSOR_DTYPES:
        raise CatalogueError(f"{case_id}: {key} has dtype {array.dtype}; goldens hold {TENSOR_DTYPES}")


def call_args(case) -> tuple:
    """The case's args and kwargs with every array copied, so no backend can alter the catalogue's."""
    return copy_arrays(tuple(case.args)), {k: copy_arrays(v) for k, v in case.kwargs.items()}


def copy_arrays(value):
    """Also turns numpy scalars into the 0-d arrays the golden file records, so the call is the recorded one."""
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array(value)
    if isinstance(value, tuple):
        return tuple(copy_arrays(v) for v in value)
    return value
