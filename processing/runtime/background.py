"""Work that runs in a thread beside the algorithm: GDAL and QGIS's C++ release the GIL, so it overlaps.

Threads come from ``concurrent.futures`` (``network.parallel.started``), as in the core.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from typing import Any, Callable, Optional

from ...network.parallel import started


class Beside:
    """Run a function in a thread beside the caller's work; ``join()`` waits and re-raises its error."""

    def __init__(self, function: Callable[[], Any]):
        self._future = started(function)

    def alive(self) -> bool:
        """Whether the function is still running."""
        return not self._future.done()

    def join(self, raise_error: bool = True) -> None:
        """Wait for the function; raise what it raised (unless told not to)."""
        if raise_error:
            self._future.result()
        else:
            concurrent.futures.wait([self._future])


class Jobs:
    """Named jobs run one after another in one thread (e.g. copies into one GeoPackage file).

    ``wait(name)`` blocks until that job is done and re-raises its error; ``stop()`` asks the
    remaining jobs to give up (they see ``stopping``) and waits for the thread.
    """

    def __init__(self, jobs: list[tuple[str, Callable[[threading.Event], Any]]], paths: Optional[dict] = None):
        self.paths = paths or {}  # the file each job writes, by name (nothing else writes there meanwhile)
        self.stopping = threading.Event()
        self._done = {name: threading.Event() for name, _ in jobs}
        self._errors: dict[str, BaseException] = {}

        def run() -> None:
            for name, job in jobs:
                try:
                    if self.stopping.is_set():
                        raise RuntimeError("stopped")
                    job(self.stopping)
                except BaseException as error:
                    self._errors[name] = error
                finally:
                    self._done[name].set()
        self._future = started(run)

    def __contains__(self, name: str) -> bool:
        return name in self._done

    def wait(self, name: str, raise_error: bool = True) -> None:
        """Wait for one job; raise what it raised (unless told not to)."""
        self._done[name].wait()
        if raise_error and name in self._errors:
            raise self._errors[name]

    def wait_all(self) -> None:
        """Wait for every job (without raising: each job's error is raised by its own ``wait``)."""
        for done in self._done.values():
            done.wait()

    def stop(self) -> None:
        """Stop what has not run yet and wait for the thread (errors are dropped: the run failed anyway)."""
        self.stopping.set()
        concurrent.futures.wait([self._future])


class Finishing:
    """The end of one output's writing (a SQLite copy, its spatial index) in a thread, while the run
    writes its other outputs. ``path`` is the file it writes: anything else writing there waits."""

    def __init__(self, path: str, function: Callable[[], Any]):
        self.path = path
        self._beside = Beside(function)

    def wait_all(self) -> None:
        """Wait for it; raise what it raised (the output is incomplete: the run fails)."""
        self._beside.join()

    def stop(self) -> None:
        """Wait for it (SQLite cannot be interrupted here), dropping its error: the run failed anyway."""
        self._beside.join(raise_error=False)

    def done(self) -> bool:
        """Whether it has ended (well or not)."""
        return not self._beside.alive()


def finish_beside(background: Optional[list], path: str, function: Callable[[], Any]) -> None:
    """Run ``function`` (the end of an output written into ``path``) in a thread when the run keeps a
    list of background work (the algorithm waits for it before it returns), else now."""
    if background is None:
        function()
    else:
        background.append(Finishing(path, function))


def file_busy(background: Optional[list], path: str) -> bool:
    """Whether an output is still being finished in ``path``."""
    return any(isinstance(job, Finishing) and same_file(job.path, path) and not job.done()
               for job in background or [])


def wait_for_file(background: Optional[list], path: str) -> None:
    """Wait for the outputs still being finished in ``path`` (one writer at a time per GeoPackage)."""
    for job in background or []:
        if isinstance(job, Finishing) and same_file(job.path, path):
            job.wait_all()


def same_file(path: str, other: str) -> bool:
    """Whether two paths name one file (either may not exist yet)."""
    return os.path.abspath(path) == os.path.abspath(other)
