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


def test_parity_on_the_county_sample(qgis_process, tmp_path):
    """Same findings per check, components and traced sets from qgis_process and from the Python API."""
    import sys

    qgis_process("run", "pipenet:samplenetwork", "--", "KM=20", "SEED=3", f"OUTPUT={tmp_path}/county.gpkg")
    sample = f"{tmp_path}/county.gpkg"
    pipes, nodes = f"PIPES={sample}|layername=pipes", f"NODES={sample}|layername=nodes"

    def run(algorithm, *arguments):
        result = qgis_process("run", f"pipenet:{algorithm}", "--json", "--", pipes, nodes, *arguments)
        return json.loads(result.stdout[result.stdout.index("{"):])["results"]

    built = run("buildnetwork", f"OUTPUT_FINDINGS={tmp_path}/f.gpkg")
    hydraulic = run("hydraulicchecks", f"OUTPUT_FINDINGS={tmp_path}/h.gpkg")
    illicit = run("illicitconnections", f"OUTPUT_FINDINGS={tmp_path}/i.gpkg")
    trace = run("upstreamtrace", "START_NODES=YS000-OUT", f"OUTPUT_PIPES={tmp_path}/t.gpkg")
    code = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('pipenet', r'{ROOT / '__init__.py'}', "
        f"submodule_search_locations=[r'{ROOT}'])\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['pipenet'] = m; spec.loader.exec_module(m)\n"
        "from pipenet.network import build_network\n"
        "from pipenet.network.io.frames import read_layer\n"
        f"net = build_network(read_layer(r'{sample}', 'pipes'), read_layer(r'{sample}', 'nodes'))\n"
        "from collections import Counter\n"
        "print(json.dumps({'summary': net.summary(), 'hydraulic': Counter(f.check for f in net.hydraulic_checks()),"
        " 'cross': net.illicit_connections().cross_by_class,"
        " 'trace': len(net.upstream(['YS000-OUT'])['YS000-OUT'].pipes)}, default=dict))\n")
    result = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    api = json.loads(result.stdout.strip().splitlines()[-1])
    assert built["PIPE_COUNT"] == api["summary"]["pipes"] and built["COMPONENT_COUNT"] == api["summary"]["components"]
    by_check = {k: int(v) for k, v in (item.split("=") for item in built["FINDINGS_BY_CHECK"].split(", "))}
    assert by_check == api["summary"]["findings"]
    by_check = {k: int(v) for k, v in (item.split("=") for item in hydraulic["FINDINGS_BY_CHECK"].split(", "))}
    assert by_check == api["hydraulic"]
    assert illicit["SANITARY_TO_STORM"] == api["cross"].get("sanitary→storm", 0)
    assert trace["PIPE_COUNT"] == api["trace"] > 10
