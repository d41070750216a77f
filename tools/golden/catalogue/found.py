"""Calls that `keras-parity fuzz --save` found (found.json): each a case `<op>/found-<name>`.

found.json holds every element of every tensor: float32 values as the shortest decimal that reads back as
the same float32 (strings, so "nan", "inf" and "-0.0" fit in JSON), int32 and bool values as they are; a
float that JSON cannot hold is {"$float": "nan"}. Arrays are tuples, as in the golden format. Where a case
came from (the command, the backend, the mismatch) is in its "found" entry, for people; Keras's answer is
recorded by gen_golden.py like any other case's.
"""
import json
import os

import numpy as np

from ..common import Case

FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "found.json")


def cases():
    if not os.path.exists(FILE):
        return []
    with open(FILE, encoding="utf-8") as f:
        doc = json.load(f)
    return [Case(c["id"], c["id"].split("/")[0], tuple(decode(v) for v in c["args"]),
                 {k: decode(v) for k, v in c["kwargs"].items()}, c.get("tolerance"), c.get("since"))
            for c in doc["cases"]]


def decode(value):
    if isinstance(value, list):
        return tuple(decode(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"tensor"}:
            return tensor(**value["tensor"])
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {k: decode(v) for k, v in value.items()}
    return value


def tensor(dtype, shape, values):
    # float("0.1") is the double nearest 0.1; the float32 cast rounds it as the fuzzer's Math.fround did.
    items = [float(v) for v in values] if dtype == "float32" else values
    return np.array(items, dtype=dtype).reshape(shape)
