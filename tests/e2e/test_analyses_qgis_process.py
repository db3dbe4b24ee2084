"""Every analysis algorithm through a real `qgis_process run pipenet:<id> --json`."""

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run_json(qgis_process, algorithm, *arguments):
    result = qgis_process("run", f"pipenet:{algorithm}", "--json", "--", *arguments)
    return json.loads(result.stdout[result.stdout.index("{"):])["results"]


@pytest.mark.parametrize("algorithm, extra, expected", [
    ("connectivity", ["OUTPUT_SUMMARY={out}/summary.gpkg"], {"COMPONENT_COUNT": 2, "NO_OUTLET_PIPES": 0}),
    ("upstreamtrace", ["START_NODES=Y2,W3"], {"PIPE_COUNT": 5}),
    ("downstreamtrace", ["START_NODES=W1"], {"PIPE_COUNT": 5, "OUTLETS": "OUT"}),
    ("accumulate", ["ACCUMULATE_FIELD=户数"], {}),
    ("illicitconnections", [], {"SANITARY_TO_STORM": 1, "STORM_TO_SANITARY": 1, "DIRECT_DISCHARGES": 1}),
    ("hydraulicchecks", ["MIN_SLOPE=0.5"], {}),
])
def test_analysis_runs_in_qgis_process(qgis_process, small_network, tmp_path, algorithm, extra, expected):
    pipes, nodes = small_network
    out = tmp_path / "out"
    results = run_json(qgis_process, algorithm, f"PIPES={pipes}", f"NODES={nodes}",
                       *[argument.format(out=out) for argument in extra],
                       f"OUTPUT_PIPES={out}/pipes.gpkg", f"OUTPUT_FINDINGS={out}/findings.gpkg")
    for key, value in expected.items():
        assert results[key] == value, results


def test_valve_isolation_in_qgis_process(qgis_process, water_network, tmp_path):
    pipes, nodes = water_network
    results = run_json(qgis_process, "valveisolation", f"PIPES={pipes}", f"NODES={nodes}", "BREAK_PIPES=M2",
                       f"OUTPUT_PIPES={tmp_path}/segment.gpkg", f"OUTPUT_NODES={tmp_path}/valves_to_close.gpkg")
    assert results["VALVES_TO_CLOSE"] == "V1, V2, V3"
    assert results["CUSTOMER_COUNT"] == 1


def test_unknown_start_fails_cleanly(qgis_process, small_network, tmp_path):
    pipes, nodes = small_network
    result = qgis_process("run", "pipenet:upstreamtrace", "--", f"PIPES={pipes}", f"NODES={nodes}",
                          "START_NODES=Q99", f"OUTPUT_PIPES={tmp_path}/t.gpkg", check=False)
    assert result.returncode != 0
    assert "Q99" in result.stdout + result.stderr and "Traceback" not in result.stdout + result.stderr


def test_outfall_sources_in_qgis_process(qgis_process, small_network, tmp_path):
    pipes, nodes = small_network
    results = run_json(qgis_process, "outfallsources", f"PIPES={pipes}", f"NODES={nodes}", "OUTFALLS=OUT",
                       f"OUTPUT_PLAN={tmp_path}/plan.gpkg", f"OUTPUT_CANDIDATES={tmp_path}/candidates.gpkg")
    assert results["CANDIDATE_COUNT"] == 1
    assert results["FIRST_INSPECTIONS"].startswith("OUT: ")


def test_import_swmm_then_build_in_qgis_process(qgis_process, tmp_path):
    from pathlib import Path

    model = Path(__file__).resolve().parents[1] / "data" / "bellinge" / "bellinge_small.inp"
    imported = run_json(qgis_process, "importswmm", f"INPUT={model}", "CRS=EPSG:25832",
                        f"OUTPUT_PIPES={tmp_path}/pipes.gpkg", f"OUTPUT_NODES={tmp_path}/nodes.gpkg")
    assert imported["LINK_COUNT"] == 15
    built = run_json(qgis_process, "buildnetwork", f"PIPES={tmp_path}/pipes.gpkg", f"NODES={tmp_path}/nodes.gpkg",
                     f"OUTPUT_PIPES={tmp_path}/built.gpkg")
    assert built["COMPONENT_COUNT"] == 1 and built["NODE_COUNT"] == 16


def test_sample_network_in_qgis_process(qgis_process, tmp_path):
    results = run_json(qgis_process, "samplenetwork", "KM=20", "SEED=2", f"OUTPUT={tmp_path}/county.gpkg")
    assert 15 < results["LENGTH_KM"] < 25 and results["FAULT_COUNT"] > 10
    built = run_json(qgis_process, "buildnetwork", f"PIPES={tmp_path}/county.gpkg|layername=pipes",
                     f"NODES={tmp_path}/county.gpkg|layername=nodes", f"OUTPUT_FINDINGS={tmp_path}/f.gpkg")
    assert "near_miss=" in built["FINDINGS_BY_CHECK"] and "duplicate_pipe=" in built["FINDINGS_BY_CHECK"]
    assert not list(tmp_path.glob("*.partial.gpkg"))


def test_network_audit_in_qgis_process(qgis_process, tmp_path):
    run_json(qgis_process, "samplenetwork", "KM=20", f"OUTPUT={tmp_path}/county.gpkg")
    sample = f"{tmp_path}/county.gpkg"
    results = run_json(qgis_process, "networkaudit", f"PIPES={sample}|layername=pipes",
                       f"NODES={sample}|layername=nodes", f"DEFECTS={sample}|layername=defects",
                       f"EVENTS={sample}|layername=events", f"OUTPUT_FOLDER={tmp_path}/audit")
    for key in ("GPKG", "PROJECT", "PNG", "HTML", "CSV"):
        assert Path(results[key]).exists(), key
    assert results["HOTSPOT_PIPES"] > 0


@pytest.mark.parametrize("algorithm, extra, key", [
    ("conditionscore", ["DEFECTS={s}|layername=defects"], "SCORED_PIPES"),
    ("hotspots", ["DEFECTS={s}|layername=defects", "EVENTS={s}|layername=events"], "BREAKAGE_HOT"),
    ("riskregister", ["DEFECTS={s}|layername=defects", "OUTPUT_CSV={t}/risk.csv"], "HIGH_RISK"),
])
def test_condition_hotspots_risk_in_qgis_process(qgis_process, tmp_path, algorithm, extra, key):
    run_json(qgis_process, "samplenetwork", "KM=20", f"OUTPUT={tmp_path}/county.gpkg")
    sample = f"{tmp_path}/county.gpkg"
    results = run_json(qgis_process, algorithm, f"PIPES={sample}|layername=pipes",
                       f"NODES={sample}|layername=nodes", *[e.format(s=sample, t=tmp_path) for e in extra],
                       f"OUTPUT_PIPES={tmp_path}/out.gpkg")
    assert results[key] >= 0 and Path(results["OUTPUT_PIPES"].split("|")[0]).exists()
