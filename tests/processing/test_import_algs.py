"""Importers in QGIS: the Bellinge SWMM model builds into one tree draining to its outfall."""

from pathlib import Path

import pytest
from qgis.core import QgsProcessingException

DATA = Path(__file__).resolve().parents[1] / "data"


def test_bellinge_imports_and_builds_one_tree(pipenet_plugin, tmp_path):
    from qgis import processing

    imported = processing.run("pipenet:importswmm", {
        "INPUT": str(DATA / "bellinge" / "bellinge_small.inp"), "CRS": "EPSG:25832", "SYSTEM": "HS",
        "OUTPUT_PIPES": str(tmp_path / "bellinge_pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "bellinge_nodes.gpkg")})
    assert imported["LINK_COUNT"] == 15 and imported["NODE_COUNT"] == 16
    built = processing.run("pipenet:buildnetwork", {
        "PIPES": imported["OUTPUT_PIPES"], "NODES": imported["OUTPUT_NODES"], "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
        "OUTPUT_NODES": "TEMPORARY_OUTPUT", "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"})
    assert built["COMPONENT_COUNT"] == 1 and built["PIPE_COUNT"] == 15
    pipes = list(built["OUTPUT_PIPES"].getFeatures())
    # the model's own from/to nodes, and flow direction from them (the inverts only check it)
    assert all((f["pn_from"], f["pn_to"]) == (f["from_node"], f["to_node"]) for f in pipes)
    assert {f["pn_dir_src"] for f in pipes} == {"ids"} and {f["pn_system"] for f in pipes} == {"combined"}
    degrees = {f["pn_id"]: (f["pn_in"], f["pn_out"]) for f in built["OUTPUT_NODES"].getFeatures()}
    assert degrees["G72F050_outfall"] == (1, 0)
    assert all(out == 1 for node, (_, out) in degrees.items() if node != "G72F050_outfall")
    assert built["OUTPUT_NODES"].featureCount() == 16  # no virtual nodes: every end met its node
    assert built["OUTPUT_PIPES"].crs().authid() == "EPSG:25832"


def test_epanet_import_feeds_valve_isolation(pipenet_plugin, tmp_path):
    from qgis import processing

    imported = processing.run("pipenet:importepanet", {
        "INPUT": str(DATA / "models" / "small_water.inp"), "OUTPUT_PIPES": str(tmp_path / "w.gpkg"),
        "OUTPUT_NODES": str(tmp_path / "wn.gpkg")})
    result = processing.run("pipenet:valveisolation", {
        "PIPES": imported["OUTPUT_PIPES"], "NODES": imported["OUTPUT_NODES"], "BREAK_PIPES": "P5"})
    assert result["VALVES_TO_CLOSE"] == "V1"


def test_bad_model_file_is_a_clean_error_and_writes_nothing(pipenet_plugin, tmp_path):
    from qgis import processing

    with pytest.raises(QgsProcessingException, match="line 5"):
        processing.run("pipenet:importswmm", {"INPUT": str(DATA / "models" / "truncated.inp"),
                                              "OUTPUT_PIPES": str(tmp_path / "p.gpkg")})
    assert not (tmp_path / "p.gpkg").exists()


def test_survey_import_builds_with_depth_derived_inverts(pipenet_plugin):
    from qgis import processing

    survey = DATA / "survey"
    imported = processing.run("pipenet:importsurvey", {
        "POINTS": str(survey / "points_gbk.csv"), "SEGMENTS": str(survey / "segments_gbk.csv"), "CRS": "EPSG:4549",
        "OUTPUT_PIPES": "TEMPORARY_OUTPUT", "OUTPUT_NODES": "TEMPORARY_OUTPUT", "OUTPUT_REPORT": "TEMPORARY_OUTPUT"})
    assert imported["ISSUE_COUNT"] == 3 and imported["OUTPUT_REPORT"].featureCount() == 3
    built = processing.run("pipenet:buildnetwork", {
        "PIPES": imported["OUTPUT_PIPES"], "NODES": imported["OUTPUT_NODES"], "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
        "OUTPUT_NODES": "TEMPORARY_OUTPUT"})
    rows = sorted((f["pn_from"], f["pn_to"], f["pn_dir_src"], f["pn_diam_mm"])
                  for f in built["OUTPUT_PIPES"].getFeatures())
    assert rows[0] == ("YS1", "YS2", "ids", 300.0)
    assert rows[1][:3] == ("YS2", "YS3", "ids") and 1100 < rows[1][3] < 1110
    types = {f["pn_id"]: f["pn_type"] for f in built["OUTPUT_NODES"].getFeatures()}
    assert types["YS3"] == "outfall" and types["YS4"] == "inlet"
