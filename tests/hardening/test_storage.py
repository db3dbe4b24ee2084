"""Full disks, a full TMPDIR, a read-only output folder and an input locked by another writer: one clear
sentence naming the place, and nothing left behind. The disks are small tmpfs mounts the test makes
(root only: skipped elsewhere, e.g. on a developer's desktop)."""

import os
import subprocess
import sys
import tempfile
import uuid

import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback

from pipenet.network.sample import generate, write_gpkg


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("storage") / "county.gpkg"
    write_gpkg(generate(km=60, seed=2), str(path))
    return path


@pytest.fixture
def small_disk(tmp_path):
    """mount(size, read_only) -> a fresh tmpfs folder, unmounted after the test."""
    mounted = []

    def mount(size: str = "2m", read_only: bool = False):
        folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
        folder.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small disk here: {result.stderr.decode().strip()}")
        mounted.append(folder)
        return folder
    yield mount
    for folder in mounted:
        subprocess.run(["umount", "--lazy", str(folder)], check=False)  # QGIS may hold a folder in TMPDIR


def run(algorithm, parameters):
    errors = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatal=False):  # noqa: N802 (QGIS API)
            errors.append(error)

    alg = QgsApplication.processingRegistry().createAlgorithmById(f"pipenet:{algorithm}")
    _results, ok = alg.run(parameters, QgsProcessingContext(), Feedback())
    return ok, " ".join(errors)


def layers(sample):
    return {"PIPES": f"{sample}|layername=pipes", "NODES": f"{sample}|layername=nodes"}


def test_a_full_output_disk(pipenet_plugin, sample, small_disk):
    disk = small_disk("512k")
    ok, error = run("buildnetwork", {**layers(sample), "OUTPUT_PIPES": str(disk / "pipes.gpkg"),
                                     "OUTPUT_NODES": str(disk / "nodes.gpkg"), "OUTPUT_FINDINGS": str(disk / "f.gpkg")})
    assert not ok and f"The disk of the output folder {disk} is full" in error, error
    assert os.listdir(disk) == []
    ok, error = run("networkaudit", {**layers(sample), "OUTPUT_FOLDER": str(disk / "audit")})
    assert not ok and "is full" in error and str(disk) in error, error
    assert not (disk / "audit").exists()  # made by the run, removed with what it held


def test_a_full_temporary_folder(pipenet_plugin, sample, small_disk, tmp_path, monkeypatch):
    disk = small_disk("32k")
    monkeypatch.setenv("TMPDIR", str(disk))
    monkeypatch.setattr(tempfile, "tempdir", str(disk))
    ok, error = run("networkaudit", {**layers(sample), "OUTPUT_FOLDER": str(tmp_path / "audit")})
    assert not ok and "temporary folder (TMPDIR)" in error and str(disk) in error, error
    assert [name for name in os.listdir(disk) if "pipenet" in name] == []  # QGIS keeps a folder of its own there


def test_a_read_only_output_folder(pipenet_plugin, sample, small_disk):
    disk = small_disk("1m", read_only=True)
    ok, error = run("buildnetwork", {**layers(sample), "OUTPUT_PIPES": str(disk / "pipes.gpkg")})
    assert not ok and f"Cannot write to {disk}: the file system is read-only" in error, error
    ok, error = run("networkaudit", {**layers(sample), "OUTPUT_FOLDER": str(disk / "audit")})
    assert not ok and "Read-only file system" in error, error


def test_an_input_locked_by_another_writer(pipenet_plugin, sample, tmp_path):
    import shutil

    locked = tmp_path / "locked.gpkg"
    shutil.copy(sample, locked)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(locked)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE'); c.execute('CREATE TABLE an_edit (a)')\n"
        "print('locked', flush=True); time.sleep(120)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        ok, error = run("buildnetwork", {"PIPES": f"{locked}|layername=pipes",
                                         "OUTPUT_PIPES": str(tmp_path / "o.gpkg")})
    finally:
        holder.kill()
        holder.wait()
    assert not ok and f"{locked} is locked by another program" in error, error
    assert not (tmp_path / "o.gpkg").exists()
