"""Real qgis_process runs against the plugin installed in a fresh QGIS profile."""

import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"

pytestmark = pytest.mark.slow


def test_provider_listed(qgis_process):
    listing = qgis_process("list").stdout
    assert "PipeNet" in listing
    assert "pipenet:buildnetwork" in listing


def test_wrapper_avoids_noversioncheck(qgis_process):
    result = qgis_process("--version")
    assert "QGIS" in result.stdout
    assert "not known" not in result.stdout + result.stderr


def test_readme_example_runs_as_written(qgis_process, tmp_path):
    out = tmp_path / "out"
    result = qgis_process(
        "run", "pipenet:buildnetwork", "--",
        f"PIPES={DATA / 'montpelier' / 'state_linear_features.geojson'}",
        f"NODES={DATA / 'montpelier' / 'town_point_features.geojson'}",
        "SNAP_TOLERANCE=0.5",
        f"OUTPUT_PIPES={out / 'network.gpkg'}",
        f"OUTPUT_FINDINGS={out / 'findings.gpkg'}")
    assert "PIPE_COUNT" in result.stdout
    assert (out / "network.gpkg").exists() and (out / "findings.gpkg").exists()
    # no noise about QGIS itself in a normal run (sip's setapi note, Qt's runtime folder)
    assert "Warning" not in result.stdout + result.stderr and "XDG_RUNTIME_DIR" not in result.stderr, result.stderr
    # qgis_process's progress ticks (0...10...20) never run into a message ("...5023984 pipes")
    ticks = [line for line in result.stdout.splitlines() if re.match(r"\d*\.\.\.", line)]
    assert ticks and all(re.fullmatch(r"[\d.]*( - done\.)?", line) for line in ticks), result.stdout


def test_json_output(qgis_process, tmp_path):
    result = qgis_process(
        "run", "pipenet:buildnetwork", "--json", "--",
        f"PIPES={DATA / 'montpelier' / 'town_linear_features.geojson'}",
        f"OUTPUT_PIPES={tmp_path / 'pipes.gpkg'}",
        f"OUTPUT_NODES={tmp_path / 'nodes.gpkg'}",
        f"OUTPUT_FINDINGS={tmp_path / 'findings.gpkg'}")
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    results = payload["results"]
    assert results["PIPE_COUNT"] >= 1133
    assert results["COMPONENT_COUNT"] >= 1
    assert Path(results["OUTPUT_PIPES"]).exists()


def test_bad_input_fails_cleanly(qgis_process, tmp_path):
    result = qgis_process(
        "run", "pipenet:buildnetwork", "--",
        f"PIPES={DATA / 'montpelier' / 'town_point_features.geojson'}",
        f"OUTPUT_PIPES={tmp_path / 'p.gpkg'}", check=False)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "town_point_features" in text and "PIPES" in text
    assert "Traceback" not in text
