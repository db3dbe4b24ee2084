"""The demo county (1,180 km, seed 1: what `make demo` generates) through qgis_process: its storm capacity map, and
its storm network exported and run by EPA SWMM for a 3-year storm with a flow-routing continuity error under 2 %.
Minutes: SWMM routes 13,000 conduits by dynamic wave for four hours of simulated time."""

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
QGIS_PROCESS = Path(__file__).resolve().parents[2] / "scripts" / "qgis_process"
FORMULA = ["A1=9.581", "C=0.846", "B=7", "N=0.656"]  # the demo's (Makefile DEMO_STORM)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from pipenet.network.sample import generate, write_gpkg

    path = tmp_path_factory.mktemp("county") / "county.gpkg"
    write_gpkg(generate(km=1180, seed=1), str(path))
    return [f"PIPES={path}|layername=pipes", f"NODES={path}|layername=nodes"]


def run_json(qgis_profile, algorithm, *arguments):
    """qgis_process run --json with the test profile, given 30 minutes (SWMM on a county takes 5-10)."""
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(qgis_profile), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([str(QGIS_PROCESS), "run", f"pipenet:{algorithm}", "--json", "--", *arguments],
                            env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(result.stdout[result.stdout.index("{"):])["results"]


def test_demo_county_capacity_map(qgis_profile, county, tmp_path):
    from qgis.PyQt.QtGui import QImage

    results = run_json(qgis_profile, "stormcapacity", *county, *FORMULA, f"OUTPUT_PIPES={tmp_path}/capacity.gpkg",
                       f"OUTPUT_MAP={tmp_path}/capacity.png", f"OUTPUT_PROJECT={tmp_path}/capacity.qgz")
    assert results["STORM_PIPES"] > 12_000 and 0 < results["UNDER_CAPACITY"] < results["STORM_PIPES"]
    assert QImage(results["OUTPUT_MAP"]).width() > 1000 and (tmp_path / "capacity.qgz").stat().st_size > 0


def test_demo_county_runs_in_swmm_with_small_continuity_error(qgis_profile, county, tmp_path):
    results = run_json(qgis_profile, "stormsimulation", *county, *FORMULA, "RETURN_PERIODS=3",
                       f"OUTPUT_FOLDER={tmp_path}/simulation")
    assert 0 <= results["MAX_CONTINUITY_ERROR"] < 2.0 and results["FLOODED_NODES"] > 0
    report = (tmp_path / "simulation" / "storm_p3.rpt").read_text(encoding="utf-8")
    assert "ERROR" not in report and "Flow Routing Continuity" in report
    assert (tmp_path / "simulation" / "simulation_map.png").stat().st_size > 0
