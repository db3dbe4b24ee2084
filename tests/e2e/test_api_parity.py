"""The Python API and the qgis_process algorithms give the same answers on the Montpelier data."""

import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "montpelier"
PIPES, NODES = DATA / "state_linear_features.geojson", DATA / "town_point_features.geojson"


def run_json(qgis_process, algorithm, *arguments):
    result = qgis_process("run", f"pipenet:{algorithm}", "--json", "--", f"PIPES={PIPES}", f"NODES={NODES}", *arguments)
    return json.loads(result.stdout[result.stdout.index("{"):])["results"]


@pytest.fixture(scope="module")
def api():
    result = subprocess.run(["/usr/bin/python3", "-P", str(ROOT / "tests" / "api" / "run_api.py"), str(ROOT),
                             str(PIPES), str(NODES)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_build_parity(qgis_process, api, tmp_path):
    results = run_json(qgis_process, "buildnetwork", f"OUTPUT_FINDINGS={tmp_path}/f.gpkg")
    assert (results["PIPE_COUNT"], results["NODE_COUNT"], results["COMPONENT_COUNT"]) == \
        (api["pipes"], api["nodes"], api["components"])
    by_check = dict(item.split("=") for item in results["FINDINGS_BY_CHECK"].split(", "))
    assert {k: int(v) for k, v in by_check.items()} == api["findings"]


def test_analysis_parity(qgis_process, api, tmp_path):
    connectivity = run_json(qgis_process, "connectivity", f"OUTPUT_FINDINGS={tmp_path}/c.gpkg")
    assert connectivity["NO_OUTLET_PIPES"] == api["no_outlet"]
    illicit = run_json(qgis_process, "illicitconnections", f"OUTPUT_FINDINGS={tmp_path}/i.gpkg")
    assert illicit["SANITARY_TO_STORM"] == api["cross"].get("sanitary→storm", 0)
    assert illicit["WITH_COMBINED"] == api["cross"].get("with combined", 0)
    trace = run_json(qgis_process, "upstreamtrace", f"START_NODES={api['upstream_of'][0]}",
                     f"OUTPUT_PIPES={tmp_path}/t.gpkg")
    assert trace["PIPE_COUNT"] == len(api["upstream_pipes"])
