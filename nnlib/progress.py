"""Progress display for `Sequential.fit`: a tqdm bar per epoch (verbose=1) and a Keras-style epoch line."""

import time

from tqdm.auto import tqdm


def format_logs(logs):
    """'loss: 0.2841 - accuracy: 0.9182' from {'loss': 0.2841..., 'accuracy': 0.9182...}."""
    return " - ".join(f"{key}: {value:.4f}" for key, value in logs.items())


class EpochProgress:
    """Shows one epoch: a bar refreshed a few times a second (verbose=1), then one summary line (verbose>=1).

    Call `update(logs_fn)` after each batch and `finish(logs)` at the end of the epoch.
    """

    def __init__(self, epoch, epochs, n_batches, verbose):
        self.label = f"Epoch {epoch + 1}/{epochs}"
        self.verbose = verbose
        self.start = time.perf_counter()
        self.bar = None
        if verbose == 1:
            self.bar = tqdm(total=n_batches, desc=self.label, unit="batch", leave=False, mininterval=0.25)
            self._last_postfix = 0.0

    def update(self, logs_fn):
        """Advance one batch; `logs_fn()` gives the running logs, asked for only when the bar redraws."""
        if self.bar is None:
            return
        now = time.perf_counter()
        if now - self._last_postfix > 0.25:
            self.bar.set_postfix_str(format_logs(logs_fn()), refresh=False)
            self._last_postfix = now
        self.bar.update(1)

    def finish(self, logs):
        if self.bar is not None:
            self.bar.close()
        if self.verbose:
            seconds = time.perf_counter() - self.start
            print(f"{self.label} - {seconds:.1f}s - {format_logs(logs)}")
