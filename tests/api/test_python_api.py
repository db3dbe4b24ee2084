"""The documented Python API (geopandas in, geopandas out), without QGIS, on Debian's and on pip's libraries."""

import json
import subprocess
from pathlib import Path

import geopandas
import pytest
from shapely.geometry import LineString, Point

from pipenet.network import build_network

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "montpelier"
RUNNER = Path(__file__).resolve().parent / "run_api.py"
CURRENT_VENV = ROOT / ".venv" / "api" / "bin" / "python"


def tiny_geographic():
    """Two pipes 40 m long near Anji (EPSG:4490), the second ends 1.2 m short of a manhole."""
    metre = 1e-5 / 0.96  # degrees of longitude per metre at 30.6 N, roughly
    x0, y0 = 119.68, 30.64
    pipes = geopandas.GeoDataFrame(
        {"管线编号": ["G1", "G2"], "类别": ["YS", "YS"], "管径": ["DN300", "DN400"]},
        geometry=[LineString([(x0, y0), (x0 + 40 * metre, y0)]),
                  LineString([(x0 + 40 * metre, y0), (x0 + 78.8 * metre, y0)])], crs="EPSG:4490")
    nodes = geopandas.GeoDataFrame({"点号": ["A", "B", "C"], "附属物": ["检查井", "检查井", "出水口"]},
                                   geometry=[Point(x0, y0), Point(x0 + 40 * metre, y0), Point(x0 + 80 * metre, y0)],
                                   crs="EPSG:4490")
    return pipes, nodes


def test_geodataframes_in_and_out():
    pipes, nodes = tiny_geographic()
    network = build_network(pipes, nodes, snap_tolerance=0.5)
    assert network.metric_crs.to_epsg() == 4549
    frame = network.pipes_frame()
    assert list(frame.columns[:3]) == ["管线编号", "类别", "管径"] and frame.crs.to_epsg() == 4490
    assert frame["pn_length"].round(0).tolist() == [40.0, 39.0]
    findings = network.findings_frame()
    assert list(findings.columns) == ["check", "severity", "kind", "feature_id", "src_fid", "value", "message_en",
                                      "message_zh", "fix", "fix_zh", "geometry"]
    near = findings[findings.check == "near_miss"]
    assert near.feature_id.tolist() == ["G2"] and float(near.value.iloc[0]) == pytest.approx(1.2, abs=0.05)
    assert findings.crs.to_epsg() == 4490
    assert set(network.nodes_frame().pn_id) == {"A", "B", "C", "V1"}


def test_network_methods():
    pipes, nodes = tiny_geographic()
    network = build_network(pipes, nodes)
    assert set(network.upstream(["B"])["B"].pipes) == {"G1"}
    # G2 ends short of the outfall C: its end V1 is a dead end, not an outlet, where nodes are typed
    assert network.downstream(["A"])["A"].outlets == []
    assert network.accumulate().length["G2"] == pytest.approx(79, abs=0.5)
    assert network.components().subnetworks[0].pipes == 2
    assert network.illicit_connections().findings == []
    assert {f.check for f in network.hydraulic_checks()} == {"missing_invert"}


def test_field_overrides_and_paths(tmp_path):
    pipes, _ = tiny_geographic()
    pipes = pipes.rename(columns={"管径": "size_x"})
    pipes.to_file(tmp_path / "pipes.gpkg", driver="GPKG")
    network = build_network(str(tmp_path / "pipes.gpkg"), fields={"diameter": "size_x"})
    assert network.pipes_frame()["pn_diam_mm"].tolist() == [300.0, 400.0]


def run_without_qgis(python: str) -> dict:
    result = subprocess.run([python, "-P", str(RUNNER), str(ROOT), str(DATA / "state_linear_features.geojson"),
                             str(DATA / "town_point_features.geojson")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def debian_result():
    return run_without_qgis("/usr/bin/python3")


def test_montpelier_without_qgis_on_debian_libraries(debian_result):
    # 4,875 lines, 47 of them abandoned or proposed (left out); the rest cut where a manhole or another
    # line's end lies on them (111 node_on_pipe, 1,027 end_on_pipe): 5,966 pipes in 1,443 subnetworks
    # (2,423 when every line was built as drawn)
    assert debian_result["pipes"] == 5966 and debian_result["components"] == 1443
    assert debian_result["findings"]["dangling_end"] == 4164 and debian_result["findings"]["end_on_pipe"] == 1027
    assert debian_result["frame_crs"] == "EPSG:4326"
    assert debian_result["versions"]["shapely"].startswith(("1.", "2."))


def test_same_answers_with_current_pip_libraries(debian_result):
    assert CURRENT_VENV.exists(), "make setup creates .venv/api with pip's current geopandas/shapely/networkx"
    current = run_without_qgis(str(CURRENT_VENV))
    assert current["versions"]["shapely"].startswith("2.") and current["versions"]["networkx"].startswith("3.")
    for key in ("pipes", "nodes", "components", "findings", "no_outlet", "cross", "upstream_pipes", "frames"):
        assert current[key] == debian_result[key], key
