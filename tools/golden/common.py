"""What every catalogue module uses: the Case record and per-case seeded random inputs.

Each case draws its inputs from a generator seeded by the global seed and its own id, so adding,
removing or reordering cases never changes the inputs of another case.
"""
import dataclasses
import re
import zlib
from typing import Any, Optional

import numpy as np

SEED = 20241003  # Keras 3.6.0's release date; any fixed value would do.

ID_PATTERN = re.compile(r"^[a-z_0-9]+/[A-Za-z0-9_.=+-]+$")


@dataclasses.dataclass
class Case:
    """One call `keras.ops.<op>(*args, **kwargs)`.

    Tensors are numpy arrays (float32, int32 or bool); other values are passed as they are (tuples stay
    tuples). `tolerance`, when set, is {"atol": .., "rtol": .., "why": ".."}.
    """

    id: str
    op: str
    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    tolerance: Optional[dict] = None
    # The Keras minor release ("3.7") that made this call possible: the op or a keyword it passes came
    # then. A golden set of an older Keras leaves the case out.
    since: Optional[str] = None

    def __post_init__(self):
        if not ID_PATTERN.match(self.id) or not self.id.startswith(self.op + "/"):
            raise ValueError(f"bad case id {self.id!r} for op {self.op!r}")


def rng(case_id: str) -> np.random.Generator:
    """The generator of one case: seeded by SEED and the case id."""
    return np.random.default_rng([SEED, zlib.crc32(case_id.encode())])


def normal(case_id: str, shape, scale=1.0, salt=0) -> np.ndarray:
    """float32 normal values; `salt` tells apart several tensors of one case."""
    g = np.random.default_rng([SEED, zlib.crc32(case_id.encode()), salt])
    return (g.standard_normal(shape) * scale).astype(np.float32)


def uniform(case_id: str, shape, low=0.0, high=1.0, salt=0) -> np.ndarray:
    g = np.random.default_rng([SEED, zlib.crc32(case_id.encode()), salt])
    return g.uniform(low, high, shape).astype(np.float32)


def integers(case_id: str, shape, low, high, salt=0) -> np.ndarray:
    """int32 values in [low, high)."""
    g = np.random.default_rng([SEED, zlib.crc32(case_id.encode()), salt])
    return g.integers(low, high, shape).astype(np.int32)


def make_case(op: str, tag: str, args, kwargs=None, tolerance=None, since=None) -> Case:
    """The case `<op>/<tag>`. `args`, any of its items, or a keyword's value may be a function of the case
    id, which seeds its random inputs; numpy scalars become 0-d arrays. `since`: the Keras minor release
    the call needs (its op or a keyword came then), None for 3.6."""
    case_id = f"{op}/{tag}"
    if callable(args):
        args = args(case_id)
    args = [a(case_id) if callable(a) else a for a in args]
    args = [np.asarray(a) if isinstance(a, np.generic) else a for a in args]
    kwargs = {k: v(case_id) if callable(v) else v for k, v in (kwargs or {}).items()}
    return Case(case_id, op, tuple(args), kwargs, tolerance, since)


def version_tuple(version: str) -> tuple:
    """"3.15.1" -> (3, 15, 1); "3.7" -> (3, 7, 0), so that releases compare numerically."""
    parts = tuple(int(p) for p in version.split("."))
    return parts + (0,) * (3 - len(parts))


def axis_tag(axis) -> str:
    """An axis in an id: 1, none, 0x2 for (0, 2), 1x for the one-tuple (1,), empty for ()."""
    return f"{axis[0]}x" if isinstance(axis, tuple) and len(axis) == 1 else fmt(axis)


def shape_tag(shape) -> str:
    return fmt(tuple(shape)) if len(shape) else "scalar"


def fmt(value: Any) -> str:
    """A parameter value as it appears in a case id: (2, 3) -> 2x3, None -> none, True -> t."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (tuple, list)):
        return "x".join(fmt(v) for v in value) or "empty"
    return str(value)
