"""pipenet:conditionscore, pipenet:hotspots and pipenet:riskregister on the 20 km sample."""

import csv

import pytest

from pipenet.network.sample import generate, write_gpkg


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("chr") / "county.gpkg")
    sample = generate(km=20, seed=1)
    write_gpkg(sample, path)
    return sample, path


def layers(path):
    return {"PIPES": f"{path}|layername=pipes", "NODES": f"{path}|layername=nodes"}


def test_condition_scores(pipenet_plugin, county, write_layer):
    from qgis import processing

    sample, path = county
    result = processing.run("pipenet:conditionscore", {**layers(path), "DEFECTS": f"{path}|layername=defects",
                                                       "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
                                                       "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"})
    scored = {f["pn_id"]: f for f in result["OUTPUT_PIPES"].getFeatures() if f["pn_defects"]}
    assert result["SCORED_PIPES"] == len(scored) == len({d["pipe_id"] for d in sample.defects})
    worst = max(scored.values(), key=lambda f: f["pn_f"])
    assert worst["pn_sgrade"] in ("Ⅲ", "Ⅳ") and worst["pn_pacp_s"] > 0 and len(worst["pn_quick"]) == 4
    bad = write_layer("odd_codes", "Point", [("管段编号", "str"), ("缺陷代码", "str"), ("缺陷等级", "int")],
                      [{"管段编号": next(iter(scored)), "缺陷代码": "QQ", "缺陷等级": 2, "wkt": "POINT (0 0)"},
                       {"管段编号": "NOT-A-PIPE", "缺陷代码": "PL", "缺陷等级": 2, "wkt": "POINT (0 0)"}], epsg=4549)
    result = processing.run("pipenet:conditionscore", {**layers(path), "DEFECTS": bad,
                                                       "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"})
    checks = sorted(f["check"] for f in result["OUTPUT_FINDINGS"].getFeatures())
    assert checks == ["defect_pipe_unknown", "unknown_defect_code"]


def test_hotspots_with_and_without_weights(pipenet_plugin, county):
    from qgis import processing

    _, path = county
    plain = processing.run("pipenet:hotspots", {**layers(path), "DEFECTS": f"{path}|layername=defects",
                                                "EVENTS": f"{path}|layername=events",
                                                "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    assert plain["BREAKAGE_HOT"] > 0 and plain["OVERFLOW_HOT"] > 0
    rows = [f for f in plain["OUTPUT_PIPES"].getFeatures()]
    hot = [f for f in rows if (f["pn_brk_cls"] or "").startswith("hot")]
    assert all(f["pn_brk_z"] >= 1.645 and f["pn_brk_p"] <= 0.1 for f in hot)
    weighted = processing.run("pipenet:hotspots", {**layers(path), "DEFECTS": f"{path}|layername=defects",
                                                   "WEIGHT": 1, "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    assert weighted["BREAKAGE_HOT"] > 0 and weighted["OVERFLOW_HOT"] == 0


def test_risk_register(pipenet_plugin, county, tmp_path):
    from qgis import processing

    _, path = county
    target = tmp_path / "risk.csv"
    result = processing.run("pipenet:riskregister", {**layers(path), "DEFECTS": f"{path}|layername=defects",
                                                     "OUTPUT_PIPES": "TEMPORARY_OUTPUT", "OUTPUT_CSV": str(target)})
    with open(target, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == result["OUTPUT_PIPES"].featureCount()
    assert [float(r["risk"]) for r in rows] == sorted((float(r["risk"]) for r in rows), reverse=True)
    assert {f["pn_risk_cls"] for f in result["OUTPUT_PIPES"].getFeatures()} <= {"low", "medium", "high", "very high"}
    heavier = processing.run("pipenet:riskregister", {**layers(path), "W_AGE": 5.0, "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    assert heavier["OUTPUT_PIPES"].featureCount() == len(rows)
