"""How a tensorflow or numpy result compares with the JAX result of the same case (a `backends` record).

Agreement is numpy's allclose, |got - want| <= atol + rtol * |want| with want the JAX value, NaN equal to
NaN, infinities equal to themselves, plus the same shape and dtype for every output. Complex values are
compared part by part, real and imaginary each. max_abs is taken over
the elements finite on both sides; max_rel over those where JAX is also non-zero. Both are rounded to 3
significant digits so the record reads well; agreement is decided before rounding.
"""
import numpy as np

DEFAULT_TOLERANCE = {"atol": 1e-6, "rtol": 1e-6}


def tolerance_of(case) -> dict:
    """The case's tolerance; a bound it leaves out keeps its default."""
    return {**DEFAULT_TOLERANCE, **(case.tolerance or {})}


def backend_record(backend, want, got, tolerance) -> dict:
    """The `backends.<backend>` entry: want is the JAX Outcome, got the backend's."""
    if want.error and got.error:
        same = want.error["class"] == got.error["class"]
        note = "both raised" if same else f"JAX raised {want.error['class']}, {backend} {got.error['class']}"
        return {"agrees": same, "error": got.error, "note": note}
    if got.error:
        return {"agrees": False, "error": got.error, "note": f"{backend} raised; JAX returned outputs"}
    if want.error:
        shapes = ", ".join(describe_array(a) for a in got.outputs)
        return {"agrees": False, "note": f"JAX raised {want.error['class']}; {backend} returned {shapes}"}
    return compare_outputs(want.outputs, got.outputs, tolerance)


def compare_outputs(want, got, tolerance) -> dict:
    if len(want) != len(got):
        return {"agrees": False, "note": f"{len(got)} outputs, JAX {len(want)}"}
    agrees, max_abs, max_rel, notes = True, 0.0, 0.0, []
    for i, (w, g) in enumerate(zip(want, got)):
        label = f"output {i}: " if len(want) > 1 else ""
        if w.dtype != g.dtype:
            agrees = False
            notes.append(f"{label}dtype {g.dtype}, JAX {w.dtype}")
        if w.shape != g.shape:
            agrees = False
            notes.append(f"{label}shape {g.shape}, JAX {w.shape}")
            continue
        close, abs_err, rel_err, mismatched = measure(w, g, tolerance)
        agrees = agrees and close
        max_abs, max_rel = max(max_abs, abs_err), max(max_rel, rel_err)
        if mismatched:
            notes.append(f"{label}{mismatched} non-finite values differ")
    record = {"agrees": agrees, "max_abs": round3(max_abs), "max_rel": round3(max_rel)}
    if notes:
        record["note"] = "; ".join(notes)
    return record


def measure(want, got, tolerance) -> tuple:
    """(allclose?, max abs error, max rel error, count of non-finite mismatches) of two equal-shape arrays."""
    w, g = as_parts(want, got), as_parts(got, want)
    close = bool(np.all(np.isclose(g, w, atol=tolerance["atol"], rtol=tolerance["rtol"], equal_nan=True)))
    finite = np.isfinite(w) & np.isfinite(g)
    same_special = (w == g) | (np.isnan(w) & np.isnan(g))
    mismatched = int(np.count_nonzero(~finite & ~same_special))
    diff = np.abs(g[finite] - w[finite])
    max_abs = float(diff.max()) if diff.size else 0.0
    nonzero = w[finite] != 0
    rel = diff[nonzero] / np.abs(w[finite][nonzero])
    max_rel = float(rel.max()) if rel.size else 0.0
    return close, max_abs, max_rel, mismatched


def as_parts(array, other):
    """float64 values; where either side is complex, [re, im] pairs, so each part is compared on its own."""
    if not (np.iscomplexobj(array) or np.iscomplexobj(other)):
        return array.astype(np.float64)
    return np.stack([array.real, np.imag(array)], axis=-1).astype(np.float64)


def round3(value: float) -> float:
    return float(f"{value:.3g}")


def describe_array(array) -> str:
    return f"{array.dtype}{list(array.shape)}"
