"""Progress of a generation on stderr, with `--progress`: `progress <done>/<total> <label>` lines, which
`keras-parity golden` draws as a bar (a line per tenth in a log)."""
import sys
import threading

ENABLED = False  # set by gen_golden.py --progress


class Progress(threading.Thread):
    """Every `interval` seconds, while the backends run, prints their summed progress when it changed.
    `sources` maps a backend name to a function returning how many of its `per_backend` cases are done."""

    def __init__(self, sources: dict, per_backend: int, interval: float = 0.5):
        super().__init__(name="progress", daemon=True)
        self.sources, self.per_backend, self.interval = sources, per_backend, interval
        self.finished = threading.Event()
        self.last = None

    def run(self):
        if not ENABLED:
            return
        while not self.finished.wait(self.interval):
            self.report()

    def stop(self):
        self.finished.set()
        self.join()
        self.report()

    def report(self):
        if not ENABLED:
            return
        counts = {name: min(done(), self.per_backend) for name, done in self.sources.items()}
        if counts == self.last:
            return
        self.last = counts
        label = "  ".join(f"{name} {n}/{self.per_backend}" for name, n in counts.items())
        total = self.per_backend * len(counts)
        print(f"progress {sum(counts.values())}/{total} {label}", file=sys.stderr, flush=True)
