#!/usr/bin/env python3
"""Generate golden/keras-<version>/ from the real Keras installed (docs/golden-format.md), or check it.

    python tools/gen_golden.py [--grad] [--out DIR] [--only op1,op2] [--check]

Run with the Python of one supported Keras version (`npm run golden` runs each). Every case of
tools/golden/catalogue that this Keras can run (a case's `since`) runs on Keras's JAX backend in this
process (the golden value) and on its tensorflow and numpy backends in one worker process each, at the
same time. The results go to golden/keras-<version>/<op>.json, <op>.safetensors and manifest.json, and
the cases where Keras's backends disagree to docs/keras-backend-disagreements-<version>.md. The output
depends only on the catalogue and the pinned versions (tools/requirements/keras-<version>.txt): running
it twice gives the same bytes.

--grad writes the gradient set instead, golden/grad/keras-<version>/: `jax.vjp` of the ops of
tools/golden/grad.py's OPS on every valid float case of the forward set (--forward, by default
golden/keras-<version>/), with the cotangents drawn (tools/golden/grad.py). JAX alone, no workers.

--check regenerates into a temporary folder and exits 1, with one line per difference, when golden/ or
the disagreements doc differ from what Keras produces now. Exit 3 means a worker crashed or timed out on
some case (recorded against that case, files written all the same).
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TOOLS)
BACKENDS = ("tensorflow", "numpy")
sys.path.insert(0, TOOLS)

# Standard library only: numpy reads NPY_DISABLE_CPU_FEATURES when imported, so nothing else may come first.
from golden import env  # noqa: E402


def default_out(grad=False) -> str:
    return os.path.join(REPO, "golden", *(["grad"] if grad else []), f"keras-{env.installed_keras()}")


def default_doc() -> str:
    return os.path.join(REPO, "docs", f"keras-backend-disagreements-{env.installed_keras()}.md")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="golden folder (default: golden/keras-<installed Keras version>/, with "
                                      "--grad golden/grad/keras-<version>/)")
    parser.add_argument("--grad", action="store_true", help="the gradient set of the forward set (--forward)")
    parser.add_argument("--forward", default=default_out(),
                        help="with --grad: the forward set (default: golden/keras-<installed Keras version>/)")
    parser.add_argument("--only", help="comma-separated ops to (re)generate or check")
    parser.add_argument("--check", action="store_true", help="compare a fresh generation with --out")
    parser.add_argument("--progress", action="store_true",
                        help="print `progress <done>/<total>` lines to stderr (keras-parity golden draws a bar)")
    parser.add_argument("--doc", help="disagreements doc to write (default: docs/keras-backend-disagreements-"
                                      "<version>.md when --out is the default, else none)")
    parser.add_argument("--case-timeout", type=float, default=300.0,
                        help="seconds a worker may spend on one case (or on starting up)")
    parser.add_argument("--worker", choices=BACKENDS, help=argparse.SUPPRESS)
    parser.add_argument("--cases-from", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.only = sorted(set(args.only.split(","))) if args.only else None
    args.out = args.out or default_out(args.grad)
    if args.doc is None and not args.grad and os.path.abspath(args.out) == default_out():
        args.doc = default_doc()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from golden import progress

    progress.ENABLED = args.progress
    if args.worker:
        env.pin(args.worker)
        from golden import workers

        return workers.worker_main(args.worker, args.cases_from, args.worker_out)
    scratch = tempfile.mkdtemp(prefix="golden-")  # everything temporary of this run, workers' included
    env.pin("jax", keras_home=os.path.join(scratch, "keras-home"))
    signal.signal(signal.SIGTERM, lambda *_: abort(scratch))
    from golden.cases import CatalogueError

    try:
        return check(args, scratch) if args.check else generate_into(args, scratch)
    except CatalogueError as e:
        print(f"catalogue error: {e}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def abort(scratch) -> None:
    """On SIGTERM: an exception could be swallowed (JAX's gc callback), so clean up and leave at once."""
    from golden import workers

    workers.kill_all()
    shutil.rmtree(scratch, ignore_errors=True)
    os._exit(143)


def produce(args, out_dir, scratch) -> tuple:
    """Generate the set `args` asks for into out_dir: (files written, doc text or None, worker failures)."""
    if args.grad:
        return generate_grad(args.forward, out_dir, args.only), None, []
    return generate(out_dir, args.only, args.case_timeout, scratch)


def generate_into(args, scratch) -> int:
    files, doc, failures = produce(args, args.out, scratch)
    if args.doc and doc is not None:
        from golden import writer

        writer.write_bytes(args.doc, doc.encode())
    print(f"wrote {os.path.relpath(args.out)}/ ({len(files)} files)"
          + (f" and {os.path.relpath(args.doc)}" if args.doc and doc is not None else ""), file=sys.stderr)
    if args.only and args.doc:
        print(f"{os.path.relpath(args.doc)} is only rewritten by a run without --only", file=sys.stderr)
    return report_failures(failures)


def generate(out_dir, only, case_timeout, scratch) -> tuple:
    """Run every case, write out_dir; return (files written, doc text or None with --only, worker failures)."""
    import keras

    from golden import cases, common, compare, report, runner, workers, writer

    env.check_keras_defaults(keras)
    started = time.monotonic()
    selected = cases.load(only)
    pool = [workers.Worker(b, [c.id for c in selected], tempfile.mkdtemp(prefix="workers-", dir=scratch),
                           case_timeout) for b in BACKENDS]
    outcomes = run_all(keras, runner, selected, pool, started)
    records = {c.id: {w.backend: compare.backend_record(w.backend, outcomes[c.id], w.results[c.id],
                                                        compare.tolerance_of(c)) for w in pool}
               for c in selected}
    new_files = {}
    for op, op_cases in cases.by_op(selected).items():
        new_files.update(writer.op_files(op, op_cases, outcomes, records))
    files = writer.write(out_dir, writer.final_files(out_dir, new_files, full=only is None), common.SEED)
    doc = None if only else report.render(files, json.loads(files[writer.MANIFEST]))
    print(f"total {time.monotonic() - started:.1f} s", file=sys.stderr)
    return files, doc, [line for w in pool for line in w.failures]


def generate_grad(forward_dir, out_dir, only) -> dict:
    """The gradient set of the forward set in forward_dir, written to out_dir; returns its files."""
    import keras

    from golden import common, grad, writer

    env.check_keras_defaults(keras)
    new_files, extra = grad.generate(keras, read_folder(forward_dir), only)
    return writer.write(out_dir, writer.final_files(out_dir, new_files, full=only is None), common.SEED, extra)


def run_all(keras, runner, selected, pool, started) -> dict:
    """The workers run their backends while this process runs JAX; returns the JAX outcomes."""
    from golden.progress import Progress

    outcomes = {}
    progress = Progress({"jax": lambda: len(outcomes), **{w.backend: w.done_count for w in pool}}, len(selected))
    for worker in pool:
        worker.start()
    progress.start()
    try:
        run_jax(keras, runner, selected, outcomes)
    except BaseException:
        progress.stop()
        for worker in pool:
            worker.stop()
        for worker in pool:
            worker.join(timeout=30)
        raise
    print(f"jax: {len(selected)} cases in {time.monotonic() - started:.1f} s; waiting for workers",
          file=sys.stderr)
    for worker in pool:
        worker.join()
        print(f"{worker.backend}: {worker.seconds:.1f} s", file=sys.stderr)
    progress.stop()
    return outcomes


def run_jax(keras, runner, selected, outcomes) -> dict:
    """Fills `outcomes` (case id -> Outcome) case by case, so progress can count them."""
    for case in selected:
        outcome = runner.run_case(keras, case)
        if outcome.outputs is not None:
            runner.check_golden_dtypes(case.id, outcome.outputs)
        outcomes[case.id] = outcome
    return outcomes


def check(args, scratch) -> int:
    from golden import check as golden_check, writer

    new, doc, failures = produce(args, os.path.join(scratch, "golden"), scratch)
    old = read_folder(args.out)
    lines = golden_check.differences(old, new, args.only, label=os.path.relpath(args.out))
    if args.doc and doc is not None:
        lines += doc_differences(args.doc, doc)
    for note in golden_check.version_notes(old, new):
        print(f"note: {note}", file=sys.stderr)
    code = report_failures(failures)
    if lines:
        print(f"golden check FAILED, {len(lines)} difference(s) (regenerate with `npm run golden`):")
        print("\n".join(lines))
        return 1
    cases = sum(len(json.loads(data)["cases"]) for name, data in new.items()
                if name.endswith(".json") and name != writer.MANIFEST)
    print(f"golden check passed: {os.path.relpath(args.out)}/ matches Keras ({cases} cases)")
    return code


def read_folder(folder) -> dict:
    from golden import writer

    if not os.path.isdir(folder):
        return {}
    names = [n for n in sorted(os.listdir(folder)) if writer.ours(n) or n == writer.MANIFEST]
    files = {}
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            files[name] = f.read()
    return files


def doc_differences(path, doc: str) -> list:
    try:
        with open(path, encoding="utf-8") as f:
            current = f.read()
    except FileNotFoundError:
        return [f"{os.path.relpath(path)}: missing"]
    return [] if current == doc else [f"{os.path.relpath(path)}: out of date"]


def report_failures(failures) -> int:
    if not failures:
        return 0
    print(f"{len(failures)} worker failures (recorded in the cases they hit):", file=sys.stderr)
    for line in failures:
        print(f"  {line}", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
