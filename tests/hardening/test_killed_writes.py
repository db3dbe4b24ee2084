"""kill -9 at named steps of writing (atomic.checkpoint): the audit's, and those every other algorithm's
outputs go through (the bulk GeoPackage writer, QGIS's sink, a file output moved in). Whenever a run
dies, the folder holds the earlier complete result or nothing under a final name, and the next run
cleans up and succeeds.

The run is a real ``qgis_process`` run; PIPENET_STOP_AT makes it wait at the step, where it is killed.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from pipenet.network.sample import generate, write_gpkg

from ..conftest import QGIS_PROCESS, run_qgis_process

STEPS = ["rows_inserting", "pipes_written", "findings_written", "gpkg_complete", "gpkg_renamed", "map_written",
         "file_moved"]
FINAL = ["pipenet_audit.gpkg", "pipenet_audit.qgz", "overview.png", "summary.html", "summary.json",
         "risk_register.csv"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("killed") / "county.gpkg"
    write_gpkg(generate(km=8, seed=4), str(path))
    return path


def audit_command(sample, folder):
    return [str(QGIS_PROCESS), "run", "pipenet:networkaudit", "--", f"PIPES={sample}|layername=pipes",
            f"NODES={sample}|layername=nodes", f"OUTPUT_FOLDER={folder}"]


def run_until(qgis_profile, sample, folder, step, command=audit_command):
    """Start a run (an audit unless ``command`` says otherwise) that waits at ``step``, and kill -9 it there."""
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(qgis_profile), QT_QPA_PLATFORM="offscreen",
               PIPENET_STOP_AT=step)
    env.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-pipenet")
    process = subprocess.Popen(command(sample, folder), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    deadline = time.monotonic() + 300
    for line in process.stderr:  # the run says where it waits
        seen.append(line)
        if f"PIPENET_STOPPED_AT {step}" in line or time.monotonic() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert any(f"PIPENET_STOPPED_AT {step}" in line for line in seen), "".join(seen[-20:])


def complete(path):
    """A GeoPackage that passes SQLite's integrity check and has its pipes and findings."""
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in connection.execute("SELECT table_name FROM gpkg_contents")}
        assert {"pipes", "findings", "nodes"} <= tables
        return connection.execute("SELECT count(*) FROM pipes").fetchone()[0]


@pytest.fixture(scope="module")
def earlier_result(qgis_profile, sample, tmp_path_factory):
    """A complete audit folder, copied into each test's folder as the user's earlier result."""
    folder = tmp_path_factory.mktemp("earlier") / "audit"
    run_qgis_process(qgis_profile, *audit_command(sample, folder)[1:])
    return folder


CASES = [(step, True) for step in STEPS] + [(step, False) for step in ("rows_inserting", "gpkg_renamed", "file_moved")]


@pytest.mark.parametrize("step, earlier", CASES, ids=[f"{step}-{'earlier' if earlier else 'empty'}"
                                                      for step, earlier in CASES])
def test_a_run_killed_at_any_step_leaves_no_half_written_file(qgis_process, qgis_profile, sample, earlier_result,
                                                              tmp_path, step, earlier):
    folder = tmp_path / "audit"
    if earlier:
        shutil.copytree(earlier_result, folder)
        pipes = complete(folder / "pipenet_audit.gpkg")
        before = {name: (folder / name).read_bytes() for name in FINAL}
    run_until(qgis_profile, sample, folder, step)
    present = {path.name for path in folder.iterdir()} if folder.exists() else set()
    if "pipenet_audit.gpkg" in present:  # the earlier result, or this run's once it was complete
        assert complete(folder / "pipenet_audit.gpkg") > 0
    if earlier:
        for name in FINAL:  # every earlier file is there, old or (once renamed in) new and whole
            assert name in present, (step, name)
        if STEPS.index(step) < STEPS.index("gpkg_renamed"):
            assert {name: (folder / name).read_bytes() for name in FINAL} == before
            assert complete(folder / "pipenet_audit.gpkg") == pipes
    else:
        assert not present & set(FINAL) - {"pipenet_audit.gpkg"} or STEPS.index(step) >= STEPS.index("file_moved")
        if STEPS.index(step) < STEPS.index("gpkg_renamed"):
            assert "pipenet_audit.gpkg" not in present
    # the next run removes what the killed one left (its partial file, hidden folder and lock) and succeeds
    qgis_process(*audit_command(sample, folder)[1:])
    left = sorted(path.name for path in folder.iterdir() if path.name.startswith(".") or "partial" in path.name)
    assert left == [], left
    assert complete(folder / "pipenet_audit.gpkg") > 0


# -- every other algorithm: its outputs staged by PipeNetAlgorithm (base.stage_outputs) ----------------------

# the bulk GeoPackage writer (rows copied by SQLite), QGIS's sink (a shapefile), checked, then moved in
BUILD_STEPS = ["rows_inserting", "sink_writing", "before_rename", "output_renamed"]
BUILD_LAYERS = ["pipes.gpkg", "nodes.gpkg", "findings.shp"]  # with the shapefile's .dbf, .shx ...


def hidden_names(names):
    return [name for name in names if name.startswith(".pipenet-")]


def build_command(sample, folder):
    return [str(QGIS_PROCESS), "run", "pipenet:buildnetwork", "--", f"PIPES={sample}|layername=pipes",
            f"NODES={sample}|layername=nodes", f"OUTPUT_PIPES={folder}/pipes.gpkg",
            f"OUTPUT_NODES={folder}/nodes.gpkg", f"OUTPUT_FINDINGS={folder}/findings.shp"]


def whole_layer(path):
    """The features of a layer file that GDAL opens (a GeoPackage that passes SQLite's integrity check too)."""
    from osgeo import ogr

    if path.suffix == ".gpkg":
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    source = ogr.Open(str(path))
    assert source is not None, path
    return source.GetLayer(0).GetFeatureCount()


@pytest.fixture(scope="module")
def earlier_build(qgis_profile, sample, tmp_path_factory):
    """A complete buildnetwork result, copied into each test's folder as the user's earlier one."""
    folder = tmp_path_factory.mktemp("earlier_build") / "build"
    run_qgis_process(qgis_profile, *build_command(sample, folder)[1:])
    return folder


BUILD_CASES = [(step, True) for step in BUILD_STEPS] + [(step, False) for step in BUILD_STEPS[:3]]


@pytest.mark.parametrize("step, earlier", BUILD_CASES, ids=[f"{step}-{'earlier' if earlier else 'empty'}"
                                                            for step, earlier in BUILD_CASES])
def test_a_killed_buildnetwork_leaves_its_earlier_result_or_nothing(qgis_process, qgis_profile, sample,
                                                                      earlier_build, tmp_path, step, earlier):
    folder = tmp_path / "build"
    files = sorted(path.name for path in earlier_build.iterdir())
    assert set(BUILD_LAYERS) < set(files) and not hidden_names(files)
    if earlier:
        shutil.copytree(earlier_build, folder)
        counts = {name: whole_layer(folder / name) for name in BUILD_LAYERS}
        before = {name: (folder / name).read_bytes() for name in files}
    run_until(qgis_profile, sample, folder, step, command=build_command)
    present = {path.name for path in folder.iterdir()}
    assert hidden_names(present)  # what the run wrote, under names of its own
    if not earlier:
        assert not present & set(files), present
    elif step != "output_renamed":
        assert {name: (folder / name).read_bytes() for name in files} == before
    else:  # moving in: each GeoPackage is the earlier or the new one, whole; a shapefile is whole or absent
        assert {"pipes.gpkg", "nodes.gpkg"} <= present
        for name in BUILD_LAYERS:
            if name in present:
                assert whole_layer(folder / name) == counts[name]
    # the next run removes the killed one's hidden folder and writes a whole result
    qgis_process(*build_command(sample, folder)[1:])
    assert sorted(path.name for path in folder.iterdir()) == files
    assert all(whole_layer(folder / name) > 0 for name in BUILD_LAYERS)


def risk_command(sample, folder):
    return [str(QGIS_PROCESS), "run", "pipenet:riskregister", "--", f"PIPES={sample}|layername=pipes",
            f"NODES={sample}|layername=nodes", f"DEFECTS={sample}|layername=defects",
            f"OUTPUT_PIPES={folder}/risk.gpkg", f"OUTPUT_CSV={folder}/risk.csv"]


@pytest.mark.parametrize("earlier", [True, False], ids=["earlier", "empty"])
def test_a_file_output_killed_before_its_rename_is_not_there(qgis_process, qgis_profile, sample, tmp_path,
                                                             earlier):
    """The risk register's CSV (a file output, written by PipeNet itself) is complete and checked but not
    yet moved in: the earlier CSV is untouched, or there is none."""
    folder = tmp_path / "risk"
    if earlier:
        qgis_process(*risk_command(sample, folder)[1:])
        before = {name: (folder / name).read_bytes() for name in ("risk.csv", "risk.gpkg")}
    run_until(qgis_profile, sample, folder, "before_rename", command=risk_command)
    present = {path.name for path in folder.iterdir()}
    if earlier:
        assert {name: (folder / name).read_bytes() for name in ("risk.csv", "risk.gpkg")} == before
    else:
        assert not present & {"risk.csv", "risk.gpkg"}, present
    assert any(name.startswith(".pipenet-") and name.endswith("-risk.csv") for name in present), present
    qgis_process(*risk_command(sample, folder)[1:])
    assert sorted(path.name for path in folder.iterdir()) == ["risk.csv", "risk.gpkg"]
    assert (folder / "risk.csv").read_text(encoding="utf-8-sig").count("\n") > 10
