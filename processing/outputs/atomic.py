"""Outputs that exist under their final name only when complete, and folders one run writes at a time.

A run writes its files under a name of its own carrying its process id (``pipenet_audit-partial-1234.gpkg``,
``.pipenet-1234-…/``) and renames them when they are complete, so a killed or failed run never leaves
a half-written file under a final name, and the user's earlier result stays until the new one is
whole. The audit names its own files; every other algorithm's file outputs are staged for it by
PipeNetAlgorithm.processAlgorithm (StagedOutputs). A lock file in the output folder keeps a second
run out while the first writes there. What a killed run left behind (its hidden files, its lock) is
recognised by its process id no longer running and removed by the next run.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ...network.parallel import in_threads

LOCK_NAME = ".pipenet-audit.lock"
# names made by a run: the partial GeoPackage (and its -wal/-shm/-journal), the hidden text folder
LEFT_BEHIND = re.compile(r"^(?:\.pipenet-(\d+)-.*|pipenet_audit-partial-(\d+)\.gpkg.*)$")
STAGING_PREFIX = "pipenet-stage-"


STOP_AT = "PIPENET_STOP_AT"  # the named writing step a fault test stops the process at (checkpoint)


def checkpoint(step: str) -> None:
    """A named step of writing outputs. The fault tests (tests/hardening/test_killed_writes.py) set
    PIPENET_STOP_AT to a step and kill -9 the process waiting here, to show that whatever moment a
    run dies at, no file is left under a final name half-written. Otherwise nothing happens."""
    if os.environ.get(STOP_AT) == step:
        import sys
        import time

        sys.stderr.write(f"PIPENET_STOPPED_AT {step}\n")
        sys.stderr.flush()
        time.sleep(600)


class FolderInUse(RuntimeError):
    """Another running process writes into the output folder."""

    def __init__(self, folder: Path, pid: int):
        super().__init__(f"The output folder {folder} is in use by another PipeNet run (process {pid}); "
                         "wait for it to finish or choose another folder.")
        self.folder, self.pid = folder, pid


def pid_alive(pid: int) -> bool:
    """Whether a process with this id is running (on this machine)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def partial_path(final: Path) -> Path:
    """Where ``final`` is written until it is complete: a name beside it carrying this process id.
    One dot only: QGIS's sink finds a GeoPackage's driver from everything after the first dot of
    the name (QFileInfo.completeSuffix), so ``.x.gpkg`` or ``x.partial.gpkg`` would find none."""
    return final.with_name(f"{final.stem}-partial-{os.getpid()}{final.suffix}")


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the folder's lock while a run writes there; raise FolderInUse if a running process holds it.

    A lock left by a process that no longer runs (killed) is taken over, and what that process left
    behind in the folder is removed first.
    """
    lock = folder / LOCK_NAME
    while True:
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                holder = 0
            if pid_alive(holder):
                raise FolderInUse(folder, holder) from None
            try:
                lock.unlink()  # a killed run's: taken over
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(descriptor, "w") as handle:
            handle.write(str(os.getpid()))
        break
    try:
        remove_left_behind(folder)
        yield
    finally:
        try:
            lock.unlink()
        except FileNotFoundError:
            pass


@contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """A hidden folder of this run inside ``folder`` to write a run's files into; when the run
    succeeds they are moved into ``folder`` (replacing earlier ones), when it fails they are removed:
    a file exists under its final name only when the whole run is complete."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_left_behind(folder)
    staged = Path(tempfile.mkdtemp(prefix=f".pipenet-{os.getpid()}-", dir=folder))
    try:
        yield staged
        for made in sorted(staged.iterdir()):
            os.replace(made, folder / made.name)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def remove_left_behind(folder: Path) -> list[Path]:
    """Remove the hidden files and folders that runs no longer running left in ``folder``."""
    removed = []
    for entry in Path(folder).iterdir():
        match = LEFT_BEHIND.match(entry.name)
        if not match or pid_alive(int(match.group(1) or match.group(2))):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


# the files of a shapefile beside its .shp (QgsVectorFileWriter.deleteShapeFile removes the same)
SHAPEFILE_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd", ".shp.xml")
JOURNALS = ("-wal", "-shm", "-journal")  # a SQLite file's, while a connection writes it
SQLITE_FILES = (".gpkg", ".sqlite", ".db")


class IncompleteOutput(RuntimeError):
    """A file a run wrote is not whole (a writer still open, a damaged GeoPackage) and is not moved in,
    or cannot be moved in (its target held open by another program)."""


@dataclass(frozen=True)
class StagedOutput:
    """One file output of a run: where the user wants it and where it is written until complete."""

    final: str  # the path as the user gave it
    partial: str  # the path the algorithm writes
    layer: bool  # a layer (QGIS's sink or the bulk writer) in the run's hidden folder, its name kept


class StagedOutputs:
    """The file outputs of one run, written beside their targets under names of this run and moved in
    when the run is complete and they are checked (commit), or removed when it fails (discard).

    A layer is written into a hidden folder of the run beside its target (``.pipenet-<pid>-…/``) under
    its own file name, which the file may carry inside (a GeoPackage's table, a GeoJSON's name), with
    its parts beside it (a shapefile's .dbf, .prj ...). Any other file (CSV, HTML, PNG, .inp, a
    project) is written beside its target under a hidden name (``.pipenet-<pid>-<token>-<name>``): a
    project's relative paths to its layers are then those of its final place. Both are what
    remove_left_behind recognises when a killed run left them.
    """

    def __init__(self) -> None:
        self.outputs: dict[str, StagedOutput] = {}
        self.folders: dict[str, Path] = {}  # target folder (absolute) -> the run's hidden folder there
        self._prefixes: list[tuple[str, str]] = []  # (hidden folder/, target folder as given/) for final()
        self._files: list[tuple[Path, str]] = []  # (folder, hidden prefix) of each staged file
        self._cleaned: set[str] = set()  # folders made and rid of killed runs' leftovers

    def stage(self, key: str, path: str, layer: bool) -> str:
        """Where output ``key``, wanted at ``path``, is written (the folder made and a killed run's
        leftovers removed from it first)."""
        given = os.path.dirname(path)
        folder = os.path.abspath(given or os.curdir)
        if folder not in self._cleaned:
            os.makedirs(folder, exist_ok=True)
            remove_left_behind(Path(folder))
            self._cleaned.add(folder)
        name = os.path.basename(path)
        if layer:
            if folder not in self.folders:
                hidden = tempfile.mkdtemp(prefix=f".pipenet-{os.getpid()}-", dir=folder)
                self.folders[folder] = Path(hidden)
                self._prefixes.append((os.path.join(hidden, ""), os.path.join(given, "")))
            partial = str(self.folders[folder] / name)
        else:
            prefix = f".pipenet-{os.getpid()}-{secrets.token_hex(3)}-"  # two runs in one QGIS, one target
            self._files.append((Path(folder), prefix))
            self._prefixes.append((os.path.join(folder, prefix), os.path.join(given, "")))
            partial = os.path.join(folder, prefix + name)
        self.outputs[key] = StagedOutput(path, partial, layer)
        return partial

    def final(self, text: str) -> str:
        """``text`` (a destination, a message) with this run's partial paths replaced by the final ones."""
        for partial, final in self._prefixes:
            text = text.replace(partial, final)
        return text

    def _moves(self) -> list[tuple[Path, Path]]:
        """(written file, its final path) of every file this run staged."""
        moves = [(entry, Path(folder) / entry.name) for folder, hidden in self.folders.items()
                 for entry in sorted(hidden.iterdir())]
        for folder, prefix in self._files:  # the file and what its writer made beside it (name + ".gpkg")
            moves += [(entry, folder / entry.name[len(prefix):]) for entry in sorted(folder.glob(prefix + "*"))]
        return moves

    def commit(self) -> None:
        """Check every staged file, then move each to its final name, replacing an earlier one.

        Each file is whole under its final name from its rename on. A shapefile is several files: the
        earlier one is removed first and the new .shp moved in last, so no .shp is ever beside another
        run's .dbf. Raises IncompleteOutput (nothing moved) when a file is not whole.
        """
        moves = self._moves()
        # a layer's own file (QGIS adds .gpkg to a name without a known extension), not a part beside it
        layers = {path for output in self.outputs.values() if output.layer
                  for path in (output.partial, output.partial + ".gpkg")}
        # SQLite reads every page of a GeoPackage without Python's lock: the files side by side
        in_threads(lambda move: check_complete(move[0], move[1], layer=str(move[0]) in layers), moves)
        checkpoint("before_rename")
        for final in {final.with_suffix("") for _, final in moves if final.suffix.lower() == ".shp"}:
            for suffix in (".shp", *SHAPEFILE_PARTS):
                Path(str(final) + suffix).unlink(missing_ok=True)
        for written, final in sorted(moves, key=lambda move: move[1].suffix.lower() == ".shp"):
            if written.is_dir() and final.is_dir():
                shutil.rmtree(final)
            try:
                os.replace(written, final)
            except OSError as error:  # Windows: the earlier file open in a program (a layer of the project)
                raise IncompleteOutput(f"Cannot put {final} in place: {error.strerror or error}. Close it where it "
                                       "is open (remove the layer from the project) or choose another name.") from None
            checkpoint("output_renamed")
        self.discard()

    def discard(self) -> None:
        """Remove whatever the run staged (it failed, or everything was moved in)."""
        for hidden in self.folders.values():
            shutil.rmtree(hidden, ignore_errors=True)
        for folder, prefix in self._files:
            for entry in folder.glob(prefix + "*"):
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def read_only(path, timeout: float = 5.0) -> closing:
    """A read-only SQLite connection to the file ``path`` (whatever characters its name has: a URI
    percent-encodes them), closed when its ``with`` block ends."""
    return closing(sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True, timeout=timeout))


def check_complete(path: Path, final: Path, layer: bool) -> None:
    """Raise IncompleteOutput unless ``path`` is a whole file: no SQLite journal is left (each writer
    closed), a GeoPackage passes SQLite's quick check, and a layer's file (``layer``) opens in GDAL."""
    journals = [path] if path.name.endswith(JOURNALS) else \
        [Path(f"{path}{journal}") for journal in JOURNALS if Path(f"{path}{journal}").exists()]
    if journals:
        raise IncompleteOutput(f"{final} was not written to the end: its writer is still open ({journals[0].name}).")
    if path.suffix.lower() in SQLITE_FILES:
        try:
            with read_only(path) as connection:
                verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            verdict = str(error)
        if verdict != "ok":
            raise IncompleteOutput(f"{final} is damaged ({verdict}): it was not written to the end.")
    if layer and path.is_file():
        from osgeo import gdal

        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            dataset = gdal.OpenEx(str(path), gdal.OF_VECTOR)
        except RuntimeError:  # GDAL's exceptions turned on by someone
            dataset = None
        finally:
            gdal.PopErrorHandler()
        if dataset is None or dataset.GetLayerCount() == 0:
            raise IncompleteOutput(f"{final} was not written to the end: GDAL cannot open it as a layer.")


def staging_folder() -> str:
    """A private folder for staged values in the system's temporary folder (named by this process id);
    those of processes no longer running are removed first."""
    root = Path(tempfile.gettempdir())
    for entry in root.glob(STAGING_PREFIX + "*"):
        match = re.match(re.escape(STAGING_PREFIX) + r"(\d+)-", entry.name)
        if match and not pid_alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-")


# Below this a disk counts as full once a write has failed: a GeoPackage grows by pages, an index
# by whole nodes, so a failure comes well before the last byte is used.
FULL_BELOW = 16 * 1024 * 1024


def storage_problem(error: BaseException, outputs: list[str], inputs: list[str]) -> str | None:
    """What about the disks or files explains a run that failed: a read-only or full output folder,
    a full temporary folder, a GeoPackage locked by another writer; None: nothing found there, the
    error speaks for itself. Looked at before the run's partial outputs are removed."""
    folders = []
    for path in outputs:
        folder = Path(path).parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        folders.append(folder)
    for folder in dict.fromkeys(folders):
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"Cannot write to {folder}: the file system is read-only. Choose an output folder you can write to."
    places = [(folder, "output folder") for folder in dict.fromkeys(folders)]
    places.append((Path(tempfile.gettempdir()), "temporary folder (TMPDIR)"))
    free = {folder: shutil.disk_usage(folder) for folder, _ in places}
    full = [(folder, what) for folder, what in places
            if free[folder].free < min(FULL_BELOW, free[folder].total // 10) or free[folder].free < 1024 * 1024]
    # SQLite says "database or disk is full"; the space may be free again once its temporary files went
    said_full = getattr(error, "errno", None) == errno.ENOSPC or any(
        words in str(error) for words in ("database or disk is full", "No space left on device"))
    if not full and said_full:
        folder, what = min(places, key=lambda place: free[place[0]].free)
        advice = "set TMPDIR to a folder on a larger disk" if what.startswith("temporary") else \
            "free some space or choose another output folder"
        return f"The {what} {folder} ran out of space ({free[folder].total / 1e6:.0f} MB in all; {error}): {advice}."
    if full:
        folder, what = full[0]
        return (f"The disk of the {what} {folder} is full ({free[folder].free / 1e6:.1f} MB free of "
                f"{free[folder].total / 1e6:.0f} MB): free some space or choose another {what.split(' (')[0]}.")
    if "locked" in str(error).lower():
        locked = [path for path in dict.fromkeys([*inputs, *outputs]) if _locked(path)]
        return (f"{', '.join(locked) or 'A GeoPackage of this run'} is locked by another program writing to it "
                "(an edit in QGIS not yet saved, another process): save or close that edit and run again.")
    return None


def _locked(path: str) -> bool:
    """Whether another connection holds a GeoPackage so that it cannot be read now."""
    if not path.lower().endswith(".gpkg") or not os.path.isfile(path):
        return False
    try:
        with read_only(path, timeout=0) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as error:
        return "locked" in str(error)
    return False
