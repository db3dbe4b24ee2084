"""kill -9 at named steps of the audit's writing (atomic.checkpoint): whenever a run dies, the folder
holds the earlier complete result or nothing under a final name, and the next run cleans up and succeeds.

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


def run_until(qgis_profile, sample, folder, step):
    """Start an audit that waits at ``step``, and kill -9 it there."""
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(qgis_profile), QT_QPA_PLATFORM="offscreen",
               PIPENET_STOP_AT=step)
    env.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-pipenet")
    process = subprocess.Popen(audit_command(sample, folder), env=env, stdout=subprocess.DEVNULL,
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
