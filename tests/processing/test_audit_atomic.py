"""The audit's folder: complete files under their final names only, one run at a time, nothing lost."""

import os
import subprocess
import sys

import pytest

from pipenet.network.sample import generate, write_gpkg


@pytest.fixture(scope="module")
def sample_gpkg(tmp_path_factory):
    path = tmp_path_factory.mktemp("atomic") / "county.gpkg"
    write_gpkg(generate(km=5, seed=3), str(path))
    return path


def audit(gpkg, folder, **extra):
    from qgis import processing

    return processing.run("pipenet:networkaudit", {"PIPES": f"{gpkg}|layername=pipes",
                                                   "NODES": f"{gpkg}|layername=nodes",
                                                   "OUTPUT_FOLDER": str(folder), **extra})


@pytest.fixture
def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # no longer running


def test_a_folder_in_use_is_refused_and_keeps_its_result(pipenet_plugin, sample_gpkg, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "out"
    audit(sample_gpkg, out)
    before = (out / "pipenet_audit.gpkg").stat().st_ino
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".pipenet-audit.lock").write_text(str(other.pid))
        with pytest.raises(QgsProcessingException, match=f"in use by another PipeNet run \\(process {other.pid}\\)"):
            audit(sample_gpkg, out)
    finally:
        other.kill()
        other.wait()
    assert (out / "pipenet_audit.gpkg").stat().st_ino == before  # the first run's result is still there


def test_what_a_killed_run_left_is_cleaned_and_the_run_succeeds(pipenet_plugin, sample_gpkg, tmp_path, dead_pid):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".pipenet-audit.lock").write_text(str(dead_pid))
    (out / f"pipenet_audit-partial-{dead_pid}.gpkg").write_bytes(b"half written")
    (out / f"pipenet_audit-partial-{dead_pid}.gpkg-wal").write_bytes(b"")
    (out / f".pipenet-{dead_pid}-abc").mkdir()
    audit(sample_gpkg, out)
    assert sorted(path.name for path in out.iterdir() if path.name.startswith(".") or "partial" in path.name) == []
    assert (out / "pipenet_audit.gpkg").exists()


def test_a_failed_run_leaves_the_earlier_result_and_no_partial_file(pipenet_plugin, sample_gpkg, tmp_path,
                                                                   monkeypatch):
    from qgis.core import QgsProcessingException

    from pipenet.processing.outputs import writers

    out = tmp_path / "out"
    audit(sample_gpkg, out)
    earlier = (out / "pipenet_audit.gpkg").stat().st_ino

    def fail(self, *arguments, **options):
        assert any(path.name.startswith("pipenet_audit-partial-") for path in out.iterdir())  # being written aside
        raise OSError("disk gone")
    monkeypatch.setattr(writers.OutputWriters, "write_findings", fail)
    with pytest.raises(QgsProcessingException):
        audit(sample_gpkg, out)
    assert (out / "pipenet_audit.gpkg").stat().st_ino == earlier  # the same file: neither replaced nor removed
    from osgeo import ogr

    assert ogr.Open(str(out / "pipenet_audit.gpkg")).GetLayerByName("pipes").GetFeatureCount() > 0
    assert [path.name for path in out.iterdir() if path.name.startswith(".") or "partial" in path.name] == []


def test_staging_folders_of_killed_runs_are_removed(pipenet_plugin, dead_pid):
    import tempfile
    from pathlib import Path

    from pipenet.processing.outputs.atomic import staging_folder

    stale = Path(tempfile.gettempdir()) / f"pipenet-stage-{dead_pid}-x1"
    stale.mkdir(exist_ok=True)
    mine = staging_folder()
    try:
        assert not stale.exists() and Path(mine).name.startswith(f"pipenet-stage-{os.getpid()}-")
    finally:
        os.rmdir(mine)


def test_a_staged_folder_moves_in_on_success_and_leaves_nothing_on_failure(pipenet_plugin, tmp_path):
    from pipenet.processing.outputs.atomic import staged_folder

    out = tmp_path / "out"
    with staged_folder(out) as staged:
        (staged / "a.csv").write_text("new")
        assert not (out / "a.csv").exists()  # not under its final name while the run goes on
    assert (out / "a.csv").read_text() == "new"
    with pytest.raises(RuntimeError):
        with staged_folder(out) as staged:
            (staged / "a.csv").write_text("half")
            raise RuntimeError("failed")
    assert (out / "a.csv").read_text() == "new" and [p.name for p in out.iterdir()] == ["a.csv"]
