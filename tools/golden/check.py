"""`gen_golden.py --check`: what differs between the committed golden/ and a fresh generation.

Every difference is one line naming the file and, where it is inside a case, the case id, so a failing
check says which cases changed and how. The verdict rests on the files; differing tool versions are
reported beside them to explain a difference, not as one.
"""
import hashlib
import json

import numpy as np
import safetensors.numpy

from golden.compare import as_parts

MANIFEST = "manifest.json"


def differences(old: dict, new: dict, ops=None, label="golden") -> list:
    """Lines describing every difference between two golden folders given as {file name: bytes}: a
    forward set, or a gradient set (tools/golden/grad.py), whose cases have the same outline.

    With `ops`, only those ops' files are compared (a partial regeneration has no comparable manifest).
    """
    lines = []
    if ops is None:
        lines += guarded(f"golden/{MANIFEST}", manifest_differences, old, new)
    names = sorted(n for n in set(old) | set(new) if n.endswith(".json") and n != MANIFEST)
    for name in names:
        op = name[:-len(".json")]
        if ops is not None and op not in ops:
            continue
        lines += guarded(f"golden/{op}.json", op_differences, op, old, new)
    return [line.replace("golden/", f"{label}/") for line in lines]


def guarded(where, compare, *args) -> list:
    """A committed file too damaged to compare is one difference, not a crash."""
    try:
        return compare(*args)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        return [f"{where}: unreadable ({type(e).__name__}: {e})"]


def manifest_differences(old, new) -> list:
    if MANIFEST not in old:
        return [f"golden/{MANIFEST}: missing"]
    before, after = json.loads(old[MANIFEST]), json.loads(new[MANIFEST])
    lines = integrity_differences(old)
    for name in sorted(set(before["files"]) | set(after["files"])):
        if name not in after["files"]:
            lines.append(f"golden/{name}: no longer generated")
        elif name not in before["files"]:
            lines.append(f"golden/{name}: new, not committed")
        elif before["files"][name] != after["files"][name]:
            lines.append(f"golden/{name}: sha256 {before['files'][name][:12]} committed, "
                         f"{after['files'][name][:12]} regenerated")
    for key in ("format", "seed", "environment", "forward_manifest"):
        if before.get(key) != after.get(key):
            lines.append(f"golden/{MANIFEST}: {key} {before.get(key)} committed, {after.get(key)} regenerated")
    return lines


def integrity_differences(files: dict) -> list:
    """Where a folder's files and its manifest's sha256 list disagree."""
    listed = json.loads(files[MANIFEST])["files"]
    lines = [f"golden/{name}: its sha256 is not the one golden/{MANIFEST} lists (edited by hand?)"
             for name, sha in sorted(listed.items())
             if name in files and hashlib.sha256(files[name]).hexdigest() != sha]
    lines += [f"golden/{name}: on disk but not in golden/{MANIFEST}"
              for name in sorted(files) if name != MANIFEST and name not in listed]
    lines += [f"golden/{name}: in golden/{MANIFEST} but missing"
              for name in sorted(listed) if name not in files]
    return lines


def version_notes(old, new) -> list:
    """Tool versions that differ from the committed manifest's (explanations, not failures)."""
    if MANIFEST not in old or MANIFEST not in new:
        return []
    before, after = json.loads(old[MANIFEST])["versions"], json.loads(new[MANIFEST])["versions"]
    return [f"{name} {before.get(name)} made golden/, this run has {after.get(name)}"
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]


def op_differences(op, old, new) -> list:
    where = f"golden/{op}.json"
    if f"{op}.json" not in old:
        return [f"{where}: new op, {len(cases_of(new, op))} cases not committed"]
    if f"{op}.json" not in new:
        return [f"{where}: op no longer generated ({len(cases_of(old, op))} committed cases)"]
    before, after = cases_of(old, op), cases_of(new, op)
    tensors_before, tensors_after = tensors_of(old, op), tensors_of(new, op)
    if isinstance(tensors_before, str) or isinstance(tensors_after, str):
        return [f"golden/{op}.safetensors: {tensors_before if isinstance(tensors_before, str) else tensors_after}"]
    # Lines about one case start with its id (the case lives in both <op>.json and <op>.safetensors).
    lines = [f"{case_id}: case added (generated now, not committed)" for case_id in after if case_id not in before]
    lines += [f"{case_id}: case removed (committed, no longer generated)"
              for case_id in before if case_id not in after]
    common = [case_id for case_id in after if case_id in before]
    if [c for c in before if c in after] != common:
        lines.append(f"{where}: cases are in a different order")
    for case_id in common:
        for change in case_changes(before[case_id], after[case_id], tensors_before, tensors_after):
            lines.append(f"{case_id}: {change}")
    if not lines and old.get(f"{op}.safetensors") != new.get(f"{op}.safetensors"):
        lines.append(f"golden/{op}.safetensors: bytes differ though every tensor is equal")
    if not lines and old[f"{op}.json"] != new[f"{op}.json"]:
        lines.append(f"{where}: bytes differ though every case is equal")
    return lines


def cases_of(files, op) -> dict:
    return {case["id"]: case for case in json.loads(files[f"{op}.json"])["cases"]}


def tensors_of(files, op):
    """{key: array} of an op's safetensors file, or a line saying why it cannot be read."""
    name = f"{op}.safetensors"
    if name not in files:
        return "missing"
    try:
        return safetensors.numpy.load(files[name])
    except Exception as e:  # a damaged file is a difference to report, not a crash
        return f"unreadable ({e})"


def case_changes(before, after, tensors_before, tensors_after) -> list:
    changes = []
    inputs = input_changes(before, after, tensors_before, tensors_after)
    if inputs:
        changes.append(f"changed inputs ({inputs})")
    if before["tolerance"] != after["tolerance"]:
        changes.append(f"changed tolerance: {before['tolerance']} -> {after['tolerance']}")
    change = expected_change(before["expected"], after["expected"], tensors_before, tensors_after)
    if change:
        changes.append(f"changed expected {'gradients' if 'gradients' in after['expected'] else 'outputs'} ({change})")
    backends_before, backends_after = before.get("backends", {}), after.get("backends", {})
    for backend in sorted(set(backends_before) | set(backends_after)):
        b, a = backends_before.get(backend), backends_after.get(backend)
        if b != a:
            changes.append(f"changed backend record {backend}: {json.dumps(b, sort_keys=True)} -> "
                           f"{json.dumps(a, sort_keys=True)}")
    return changes


# What a case is given: a forward case's call, a gradient case's cotangents.
INPUTS = ("args", "kwargs", "cotangents")


def input_changes(before, after, tensors_before, tensors_after) -> str:
    given = [part for part in INPUTS if part in before or part in after]
    parts = [f"{part} {json.dumps(before.get(part))} -> {json.dumps(after.get(part))}"
             for part in given if before.get(part) != after.get(part)]
    if parts:
        return "; ".join(parts)
    for key in [k for part in given for k in tensor_keys(before[part])]:
        change = tensor_change(tensors_before.get(key), tensors_after.get(key))
        if change:
            parts.append(f"{key.split('/', 2)[2]}: {change}")
    return "; ".join(parts)


def tensor_keys(value) -> list:
    if isinstance(value, dict):
        if "tensor" in value:
            return [value["tensor"]]
        return [k for v in value.values() for k in tensor_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in tensor_keys(v)]
    return []


def expected_change(before, after, tensors_before, tensors_after) -> str:
    if "error" in before or "error" in after:
        if before == after:
            return ""
        return f"{summary(before)} -> {summary(after)}"
    b, a = results(before), results(after)
    if list(b) != list(a):
        return f"{summary(before)} -> {summary(after)}"
    parts = []
    for label in b:
        change = tensor_change(tensors_before.get(b[label]), tensors_after.get(a[label]))
        if change:
            parts.append(f"{label}: {change}")
    return "; ".join(parts)


def results(expected) -> dict:
    """label -> tensor key of what a case expects: its outputs, or a gradient case's gradients by name."""
    if "gradients" in expected:
        return {f"gradient of {name}": ref["tensor"] for name, ref in expected["gradients"].items()}
    return {f"output {i}": ref["tensor"] for i, ref in enumerate(expected["outputs"])}


def summary(expected) -> str:
    if "error" in expected:
        return f"raises {expected['error']['class']}: {expected['error']['message'][:120]!r}"
    if "gradients" in expected:
        return f"gradients of {', '.join(expected['gradients']) or 'nothing'}"
    return f"{len(expected['outputs'])} outputs"


def tensor_change(before, after) -> str:
    """'' when the two arrays are bit-identical, else what differs."""
    if before is None or after is None:
        return "tensor missing" if before is not after else ""
    if before.dtype != after.dtype or before.shape != after.shape:
        return f"{before.dtype}{list(before.shape)} -> {after.dtype}{list(after.shape)}"
    if before.tobytes() == after.tobytes():
        return ""
    b, a = as_parts(before, after), as_parts(after, before)
    differ = ~(((b == a) & (np.signbit(b) == np.signbit(a))) | (np.isnan(b) & np.isnan(a)))
    finite = differ & np.isfinite(a) & np.isfinite(b)
    max_abs = float(np.abs(a[finite] - b[finite]).max()) if finite.any() else 0.0
    return f"{int(differ.sum())} of {b.size} values differ, max abs {max_abs:.3g}"
