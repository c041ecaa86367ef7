"""Drawing a run's charts, shared with one helper process when a second CPU is free.

The reports of a run hold a dozen or more charts; ``ChartJob`` starts a plain ``python -c``
helper (when the drawing is worth its start-up and a CPU is idle) that draws the largest charts
while this process draws the smallest, and ``render_charts`` collects them in plan order. Output
bytes are the same whichever process draws a chart; a helper that fails or hangs is replaced by
drawing here.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from ipss_survey.report.charts.plans import ChartPlan, chart_plans
from ipss_survey.report.charts.style import chart_style, render_figure
from ipss_survey.results import Results

# Drawing worth a second process, in ChartPlan.cost units (about 8 ms each here): the helper
# needs about half a second to start, so below this it would save little or nothing.
MIN_SHARED_COST = 150


def _render_plan(plan: ChartPlan, formats: Sequence[str]) -> dict[str, bytes]:
    chart = plan.build()
    try:
        return render_figure(chart.figure, formats)
    finally:
        chart.close()


def spare_cpus() -> int:
    """CPUs free for a helper now: those beyond this process's own, less the ones other
    processes are running on. On Linux: the runnable tasks (/proc/loadavg) less this process's
    own running threads (a maths library's threads may still spin after a computation); the
    least of a few looks a few milliseconds apart, so a brief stir does not count. Elsewhere
    the other CPUs are taken to be free. (The load average would count this very process's
    earlier runs in a batch as other work.)"""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    busy = None
    try:
        for look in range(3):
            if look:
                time.sleep(0.002)
            with open("/proc/loadavg", encoding="ascii") as fh:
                runnable = int(fh.read().split()[3].split("/")[0])
            others = runnable - _running_threads()
            busy = others if busy is None else min(busy, others)
    except (OSError, ValueError, IndexError):
        busy = 0
    return cpus - 1 - max(busy or 0, 0)


def _running_threads() -> int:
    """This process's threads that are running or runnable (Linux /proc)."""
    running = 0
    for task in os.listdir("/proc/self/task"):
        with suppress(OSError), open(f"/proc/self/task/{task}/stat", encoding="ascii") as fh:
            running += fh.read().rpartition(")")[2].split()[0] == "R"
    return max(running, 1)


# The helper is a plain ``python -c`` child speaking pickle over its stdin and stdout, not a
# multiprocessing pool: "spawn" and "forkserver" re-run the caller's main script in the child
# (a script without an ``if __name__ == "__main__"`` guard would run twice), and "fork" copies a
# process whose other threads (pyarrow's, BLAS's) may hold locks. It gets the parent's sys.path
# first, so it imports the same ipss_survey. When the parent goes away its stdin closes and it
# ends.
HELPER_CODE = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from ipss_survey.report.charts.jobs import serve; serve()"
)


@dataclass(frozen=True)
class HelperSettings:
    """How helpers are started and waited for (tests give a helper that fails or hangs)."""

    code: str = HELPER_CODE  # what ``python -c`` runs in the helper
    patience: float = 120.0  # seconds to wait for the helper's last chart before drawing it
    spare_cpus: Callable[[], int] = spare_cpus


class Helpers:
    """Chart helper processes of one run: at most one started ahead of the analysis.

    ``prestart`` starts one while the analysis runs (it loads matplotlib on the second CPU);
    the next ``ChartJob`` takes it; ``discard`` stops one that no job took. The CLI owns one
    ``Helpers`` per command and discards it when the command ends, whatever happened.
    """

    def __init__(self, settings: HelperSettings | None = None) -> None:
        self.settings = settings or HelperSettings()
        self._warm: Any = None

    def spawn(self) -> Any:
        """A new helper process, already told this process's sys.path; None if it cannot
        start."""
        frozen = getattr(sys, "frozen", False)  # a bundled app's executable is not python
        if not sys.executable or frozen:
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", self.settings.code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError:
            return None
        try:
            pickle.dump(sys.path, proc.stdin)
            proc.stdin.flush()
        except OSError:
            stop(proc)
            return None
        return proc

    def prestart(self) -> None:
        """Start a helper now, when a CPU is idle; harmless when unused (``discard``)."""
        if self._warm is None and self.settings.spare_cpus() >= 1:
            self._warm = self.spawn()

    @property
    def warm(self) -> Any:
        """The prestarted helper not yet taken, if any."""
        return self._warm

    def take(self) -> Any:
        """The prestarted helper for a job, or None (also when it died while waiting)."""
        proc, self._warm = self._warm, None
        if proc is not None and proc.poll() is not None:
            stop(proc)
            return None
        return proc

    def discard(self) -> None:
        """Stop a prestarted helper that no chart job took."""
        proc, self._warm = self._warm, None
        if proc is not None:
            stop(proc)


def stop(proc: Any) -> None:
    """End a helper that holds no work of ours (it may still be loading matplotlib)."""
    with suppress(OSError):
        proc.kill()
    for pipe in (proc.stdin, proc.stdout):
        with suppress(OSError):
            pipe.close()
    proc.wait()


def _warm_up() -> None:
    """Load what drawing needs (matplotlib, its fonts, Pillow) before the results arrive."""
    import PIL.Image  # noqa: F401  (encodes the PNGs)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with chart_style():
        fig = Figure(figsize=(1, 1))
        fig.text(0.1, 0.5, "Warm-up 0.5%", fontweight="bold")
        fig.add_subplot().barh([0], [1])
        FigureCanvasAgg(fig).draw()


def serve() -> None:
    """The helper's loop: plan the charts, then draw each chart whose index the parent sends,
    until it sends None."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    try:
        _warm_up()
        results, formats = pickle.load(inp)
        plans = chart_plans(results)
        pickle.dump(("ready", [p.name for p in plans]), out)
        out.flush()
        while (index := pickle.load(inp)) is not None:
            try:
                reply: tuple = ("done", index, _render_plan(plans[index], formats))
            except Exception as exc:  # the parent draws it again and reports the error itself
                reply = ("failed", index, repr(exc))
            pickle.dump(reply, out)
            out.flush()
    except (EOFError, BrokenPipeError):
        return  # the parent stopped listening


class ChartJob:
    """Draw every chart of a Results in the given formats, sharing the work with one helper
    process when there is enough to draw and a second CPU.

    Drawing is CPU-bound Python (matplotlib), so threads would not help. Creating the job
    starts the helper (a fresh interpreter: about half a second to import matplotlib), or takes
    the one ``Helpers.prestart`` started while the analysis ran. The helper takes the longest
    charts first while the caller does other work; ``finish`` then draws the shortest ones in
    this process until every chart is taken, so neither side waits while there is work. The
    helper draws the same bytes this process would (same code, same settings, no dates):
    output does not depend on which process drew what. Without a helper
    (one CPU, a busy machine, little to draw, ``processes=1``, or a helper that cannot start,
    fails or hangs) everything is drawn here.
    """

    def __init__(
        self,
        results: Results,
        formats: Sequence[str],
        processes: int | None = None,
        helpers: Helpers | None = None,
    ) -> None:
        self.helpers = helpers or Helpers()
        self.plans = chart_plans(results)
        self.formats = tuple(formats)
        self._drawn: list[dict[str, bytes] | None] = [None] * len(self.plans)
        self._lock = threading.Lock()
        # charts not yet claimed are order[front:back]: the helper takes the longest first, this
        # process the shortest, so whichever finishes last has only a short chart left
        self._order = sorted(range(len(self.plans)), key=lambda i: (-self.plans[i].cost, i))
        self._front, self._back = 0, len(self.plans)
        self._proc: Any = None
        self._thread: Any = None
        warm = self.helpers.take()
        if processes is None:
            # a helper pays only when a CPU would otherwise stay idle; a prestarted one has
            # paid its start-up already
            enough = warm is not None or sum(p.cost for p in self.plans) >= MIN_SHARED_COST
            spare = warm is not None or self.helpers.settings.spare_cpus() >= 1
            processes = 2 if enough and spare else 1
        if processes > 1 and len(self.plans) > 1:
            self._start(results, warm)
        elif warm is not None:
            stop(warm)

    def _start(self, results: Results, warm: Any = None) -> None:
        # the charts read neither of these; they are the bulk of a grouped Results
        slim = dataclasses.replace(results, group_tests=[], reliability=[])
        self._proc = warm if warm is not None else self.helpers.spawn()
        if self._proc is None:
            return
        self._thread = threading.Thread(target=self._feed, args=(slim,), daemon=True)
        self._thread.start()

    def _claim(self, front: bool) -> int | None:
        """The next unclaimed chart from the front (helper) or the back (this process)."""
        with self._lock:
            if self._front >= self._back:
                return None
            if front:
                self._front += 1
                return self._order[self._front - 1]
            self._back -= 1
            return self._order[self._back]

    def _feed(self, results: Results) -> None:
        """In a thread of this process: hand the helper one chart at a time, keep its bytes."""
        proc = self._proc
        try:
            pickle.dump((results, self.formats), proc.stdin)
            proc.stdin.flush()
            if pickle.load(proc.stdout) != ("ready", [p.name for p in self.plans]):
                return  # planned other charts (never expected): draw everything here
            while True:
                index = self._claim(front=True)
                pickle.dump(index, proc.stdin)
                proc.stdin.flush()
                if index is None:
                    return
                reply = pickle.load(proc.stdout)
                if reply[0] == "done" and reply[1] == index:
                    self._drawn[index] = reply[2]
                # else left empty: finish() draws it here, raising any real error
        except Exception:  # the helper is gone or unusable: finish() draws what it claimed
            return

    def finish(self) -> list[tuple[ChartPlan, dict[str, bytes]]]:
        """Every chart's bytes by format, in report order."""
        try:
            while (index := self._claim(front=False)) is not None:
                self._drawn[index] = _render_plan(self.plans[index], self.formats)
            if self._thread is not None and any(d is None for d in self._drawn):
                self._thread.join(self.helpers.settings.patience)  # drawing one of them
            for i, drawn in enumerate(self._drawn):
                if drawn is None:  # claimed by a helper that failed
                    self._drawn[i] = _render_plan(self.plans[i], self.formats)
        finally:
            self.close()
        return [(plan, d) for plan, d in zip(self.plans, self._drawn, strict=True) if d]

    def close(self) -> None:
        """Stop the helper; one still starting or drawing is killed (its work is not needed)."""
        with self._lock:
            self._front = self._back
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if self._thread is not None and self._thread.is_alive():
            proc.kill()
            self._thread.join()
        for pipe in (proc.stdin, proc.stdout):
            with suppress(OSError):
                pipe.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def render_charts(
    results: Results,
    formats: Sequence[str] = ("png", "svg"),
    processes: int | None = None,
    helpers: Helpers | None = None,
) -> list[tuple[ChartPlan, dict[str, bytes]]]:
    """Every chart of the reports drawn in ``formats``: (plan, {format: bytes}) in report order."""
    return ChartJob(results, formats, processes, helpers).finish()
