"""The tensorflow and numpy backends, each in a worker process (KERAS_BACKEND is fixed at import).

A worker rebuilds the catalogue, runs the case ids it is given in order, and after each case appends a
line to progress.jsonl and saves the outputs as .npy files. The parent supervises it from a thread: a case
that runs past the timeout, or a worker that dies, is recorded against that case as a WorkerTimeout or
WorkerCrashed error and a new worker goes on from the next case, so one bad case costs one case.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np

from golden.runner import Outcome

GEN_GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gen_golden.py")
MAX_RESTARTS = 5
LIVE = set()  # worker processes running now, for kill_all


def kill_all() -> None:
    """Kill every running worker with its process group (they run in sessions of their own)."""
    for proc in list(LIVE):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


# ---- inside the worker process ----

def worker_main(backend: str, cases_file: str, out_dir: str) -> int:
    import keras

    from golden import cases as catalogue_cases, env
    from golden.runner import run_case

    env.check_keras_defaults(keras)
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    with open(cases_file) as f:
        ids = json.load(f)
    wanted = set(ids)
    catalogue = {case.id: case for case in catalogue_cases.load() if case.id in wanted}
    with open(os.path.join(out_dir, "progress.jsonl"), "a") as progress:
        for i, case_id in enumerate(ids):
            log(progress, {"start": case_id})
            outcome = run_case(keras, catalogue[case_id])
            for j, array in enumerate(outcome.outputs or []):
                np.save(os.path.join(out_dir, f"{i}_{j}.npy"), array, allow_pickle=False)
            log(progress, {"done": case_id, "index": i, "error": outcome.error,
                           "outputs": len(outcome.outputs or [])})
    return 0


def count_done(progress_path) -> int:
    """How many `done` records a worker's progress.jsonl holds (0 before it exists)."""
    if not os.path.exists(progress_path):
        return 0
    with open(progress_path) as f:
        return sum(1 for line in f if line.startswith('{"done"'))


def log(stream, record) -> None:
    stream.write(json.dumps(record) + "\n")
    stream.flush()


# ---- in the parent ----

class Worker(threading.Thread):
    """Runs `ids` on `backend` in worker processes; `results` maps case id -> Outcome when joined."""

    def __init__(self, backend, ids, tmp_dir, case_timeout):
        super().__init__(name=f"worker-{backend}", daemon=True)
        self.backend, self.ids, self.tmp_dir, self.case_timeout = backend, list(ids), tmp_dir, case_timeout
        self.results = {}
        self.failures = []  # human-readable lines, printed by the parent
        self.seconds = 0.0
        self.proc = None
        self.stopped = False
        self.running = 0  # cases done by the worker process running now, not yet in results

    def done_count(self) -> int:
        """Cases finished so far (read from another thread: a moment stale at worst)."""
        return len(self.results) + self.running

    def stop(self):
        """Kill the worker process (the parent is failing) and let the thread end."""
        self.stopped = True
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)

    def run(self):
        start = time.monotonic()
        remaining, attempt = self.ids, 0
        while remaining and not self.stopped:
            remaining = self.attempt(remaining, attempt)
            attempt += 1
            if remaining and attempt > MAX_RESTARTS:
                self.give_up(remaining, f"not run: the {self.backend} worker failed {attempt} times")
                self.failures.append(f"{self.backend}: gave up after {attempt} failed workers")
                break
        self.seconds = time.monotonic() - start

    def attempt(self, ids, attempt) -> list:
        """Run `ids` in one worker process; return the ids still to run after a failure."""
        out_dir = os.path.join(self.tmp_dir, f"{self.backend}-{attempt}")
        os.makedirs(out_dir)
        cases_file = os.path.join(out_dir, "cases.json")
        with open(cases_file, "w") as f:
            json.dump(ids, f)
        log_path = os.path.join(out_dir, "worker.log")
        with open(log_path, "w") as log_file:
            self.proc = proc = subprocess.Popen(
                [sys.executable, GEN_GOLDEN, "--worker", self.backend, "--cases-from", cases_file,
                 "--worker-out", out_dir],
                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            LIVE.add(proc)
            try:
                timed_out = self.wait(proc, out_dir)
            finally:
                LIVE.discard(proc)
        started, done = self.collect(out_dir, ids)
        self.running = 0
        if len(done) == len(ids) and proc.returncode == 0:
            return []
        return self.fail(ids, started, done, proc.returncode, timed_out, log_path)

    def wait(self, proc, out_dir) -> bool:
        """Wait for the worker; kill it when one case (or its start-up) takes longer than the timeout."""
        progress_path = os.path.join(out_dir, "progress.jsonl")
        last_size, last_change = -1, time.monotonic()
        while proc.poll() is None:
            time.sleep(0.2)
            size = os.path.getsize(progress_path) if os.path.exists(progress_path) else 0
            if size != last_size:
                last_size, last_change = size, time.monotonic()
                self.running = count_done(progress_path)
            elif time.monotonic() - last_change > self.case_timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
        return False

    def collect(self, out_dir, ids) -> tuple:
        """Read progress.jsonl: the id started last, and the ids done (their outcomes into results)."""
        started, done = None, []
        path = os.path.join(out_dir, "progress.jsonl")
        if not os.path.exists(path):
            return started, done
        with open(path) as f:
            for line in f:
                if not line.endswith("\n"):
                    break  # cut off by a crash
                record = json.loads(line)
                if "start" in record:
                    started = record["start"]
                    continue
                index = ids.index(record["done"])
                outputs = None if record["error"] else [
                    np.load(os.path.join(out_dir, f"{record['index']}_{j}.npy"), allow_pickle=False)
                    for j in range(record["outputs"])]
                self.results[record["done"]] = Outcome(outputs=outputs, error=record["error"])
                done.append(ids[index])
        return started, done

    def fail(self, ids, started, done, returncode, timed_out, log_path) -> list:
        with open(log_path, errors="replace") as f:
            tail = f.read()[-2000:]
        culprit = started if started is not None and started not in done else None
        if culprit is None:
            # Died before or after a case (start-up, import, catalogue): retrying cannot help.
            self.give_up([i for i in ids if i not in done],
                         f"not run: the {self.backend} worker exited with code {returncode}")
            self.failures.append(f"{self.backend} worker exited with code {returncode}:\n{tail}")
            return []
        if timed_out:
            error = {"class": "WorkerTimeout", "origin": "gen_golden",
                     "message": f"the {self.backend} worker took more than {self.case_timeout} s on this case"}
        else:
            error = {"class": "WorkerCrashed", "origin": "gen_golden",
                     "message": f"the {self.backend} worker exited with code {returncode} on this case"}
        self.results[culprit] = Outcome(error=error)
        self.failures.append(f"{culprit}: {error['message']}\n{tail}")
        return ids[ids.index(culprit) + 1:]

    def give_up(self, ids, message) -> None:
        for case_id in ids:
            self.results[case_id] = Outcome(error={"class": "WorkerFailed", "message": message,
                                                   "origin": "gen_golden"})
