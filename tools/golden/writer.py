"""Turning results into the bytes of golden/ (docs/golden-format.md) and writing them.

Everything is built in memory first, so a run that would break the size limit writes nothing. Bytes depend
only on the results: sorted JSON keys, cases in catalogue order, no timestamps, and safetensors' own
writer (which orders tensors by dtype alignment, then name).
"""
import hashlib
import importlib.metadata
import json
import os
import platform

import numpy as np
import safetensors.numpy

from golden import cases as catalogue_cases, env

FORMAT = 1
SIZE_LIMIT = 20_000_000
KEEP = ("README.md",)  # in golden/ but not ours: never written, never hashed
MANIFEST = "manifest.json"


def dumps(value) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()


def op_files(op, cases, outcomes, records) -> dict:
    """{"<op>.json": bytes, "<op>.safetensors": bytes} for one op's cases."""
    entries, tensors = [], {}
    for case in cases:
        args, kwargs, inputs = catalogue_cases.encode_call(case)
        tensors.update(inputs)
        entries.append({"id": case.id, "args": args, "kwargs": kwargs,
                        "expected": expected(case.id, outcomes[case.id], tensors),
                        "tolerance": case.tolerance, "backends": records[case.id]})
    data = safetensors.numpy.save(tensors)
    check_round_trip(op, tensors, data)
    return {f"{op}.json": dumps({"op": op, "cases": entries}), f"{op}.safetensors": data}


def check_round_trip(op, tensors, data) -> None:
    """Every tensor reads back with its shape, dtype and bytes (a 0-d tensor once came back 1-d)."""
    loaded = safetensors.numpy.load(data)
    for key, array in tensors.items():
        back = loaded[key]
        if back.shape != array.shape or back.dtype != array.dtype or back.tobytes() != array.tobytes():
            raise SystemExit(f"{op}.safetensors: {key} does not read back as written")


def expected(case_id, outcome, tensors) -> dict:
    if outcome.error:
        return {"error": outcome.error}
    refs = []
    for i, array in enumerate(outcome.outputs):
        key = f"{case_id}/out/{i}"
        tensors[key] = np.array(array, order="C")  # not ascontiguousarray: it makes 0-d arrays 1-d
        refs.append({"tensor": key})
    return {"outputs": refs}


def versions() -> dict:
    def dist(*names):
        for name in names:
            try:
                return importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
        return "not installed"

    return {"keras": dist("keras"), "jax": dist("jax"), "jaxlib": dist("jaxlib"),
            "tensorflow": dist("tensorflow-cpu", "tensorflow"), "numpy": dist("numpy"),
            "scipy": dist("scipy"), "safetensors": dist("safetensors"), "python": platform.python_version()}


def manifest(files: dict, seed: int, extra=None) -> bytes:
    """`extra`: keys a gradient set adds (the forward manifest it was made from)."""
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    return dumps({"format": FORMAT, "seed": seed, "versions": versions(), "environment": env.recorded(),
                  "files": hashes, **(extra or {})})


def ours(name: str) -> bool:
    return name not in KEEP and name != MANIFEST and name.endswith((".json", ".safetensors"))


def final_files(out_dir, new_files: dict, full: bool) -> dict:
    """Every op file golden/ holds after this run: the new ones, plus the old ones when only some ops ran."""
    files = {}
    if not full and os.path.isdir(out_dir):
        for name in sorted(os.listdir(out_dir)):
            if ours(name):
                with open(os.path.join(out_dir, name), "rb") as f:
                    files[name] = f.read()
    files.update(new_files)
    return files


def write(out_dir, files: dict, seed: int, extra=None) -> dict:
    """Write the op files and the manifest; remove op files no longer produced. Returns what was written."""
    everything = dict(files)
    everything[MANIFEST] = manifest(files, seed, extra)
    kept = sum(os.path.getsize(os.path.join(out_dir, n)) for n in KEEP if os.path.exists(os.path.join(out_dir, n)))
    size = kept + sum(len(data) for data in everything.values())
    if size > SIZE_LIMIT:
        raise SystemExit(f"golden/ would be {size} bytes, over the {SIZE_LIMIT} byte limit; nothing written")
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if ours(name) and name not in everything:
            os.remove(os.path.join(out_dir, name))
    for name, data in everything.items():
        write_bytes(os.path.join(out_dir, name), data)
    return everything


def write_bytes(path, data: bytes) -> None:
    """Leave the file's modification time alone when nothing changed."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
