"""Every algorithm's file outputs are written under names of the run and moved in when complete
(base.PipeNetAlgorithm.stage_outputs, atomic.StagedOutputs): what a toolbox run loads, a failed run,
a run over an earlier result, and the outputs that are not files (temporary, ogr: URIs) as before.
The kill -9 cases are in tests/hardening/test_killed_writes.py."""

import os
import sqlite3

import pytest
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsVectorLayer,
)

from pipenet.processing.outputs.atomic import IncompleteOutput, StagedOutputs

FORMULA = {"A1": 20.0, "C": 0.8, "B": 15.0, "N": 0.7}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from pipenet.network.sample import generate, write_gpkg

    path = tmp_path_factory.mktemp("atomic") / "sample.gpkg"
    write_gpkg(generate(km=8, seed=3), str(path))
    return {"PIPES": f"{path}|layername=pipes", "NODES": f"{path}|layername=nodes"}


def hidden(folder):
    """What a run left in a folder under names of its own."""
    return sorted(name for name in os.listdir(folder) if name.startswith(".pipenet-") or "partial" in name)


def features(path):
    layer = QgsVectorLayer(str(path), "written", "ogr")
    assert layer.isValid(), path
    return layer.featureCount()


def test_a_toolbox_run_loads_each_output_by_its_final_name_styled(pipenet_plugin, sample, tmp_path):
    """Layer definitions with a project (as the toolbox gives them), a shapefile (several files, the
    sink) and a temporary output: Processing loads the final files, styled, and nothing else is left."""
    from qgis import processing

    project = QgsProject.instance()
    pipes = QgsProcessingOutputLayerDefinition(str(tmp_path / "out" / "pipes.gpkg"), project)
    pipes.createOptions = {"fileEncoding": "UTF-8"}
    findings = QgsProcessingOutputLayerDefinition(str(tmp_path / "out" / "findings.shp"), project)
    findings.createOptions = {"fileEncoding": "GBK"}
    results = processing.runAndLoadResults("pipenet:buildnetwork", {
        **sample, "OUTPUT_PIPES": pipes, "OUTPUT_FINDINGS": findings, "OUTPUT_NODES": "TEMPORARY_OUTPUT"})
    try:
        loaded = {layer.source().split("|")[0]: layer for layer in project.mapLayers().values()}
        assert {str(tmp_path / "out" / "pipes.gpkg"), str(tmp_path / "out" / "findings.shp")} <= set(loaded)
        assert results["OUTPUT_PIPES"].split("|")[0] == str(tmp_path / "out" / "pipes.gpkg")
        assert results["OUTPUT_FINDINGS"].split("|")[0] == str(tmp_path / "out" / "findings.shp")
        assert loaded[str(tmp_path / "out" / "pipes.gpkg")].renderer().type() == "categorizedSymbol"
        shapefile = loaded[str(tmp_path / "out" / "findings.shp")]
        assert shapefile.renderer().type() == "RuleRenderer" and shapefile.featureCount() > 0
        assert (tmp_path / "out" / "findings.cpg").read_text().strip().upper() in ("GBK", "CP936")  # its encoding kept
        assert project.mapLayer(results["OUTPUT_NODES"]).providerType() == "memory"
        assert hidden(tmp_path / "out") == []
    finally:
        project.removeAllMapLayers()


def test_outputs_that_are_no_plain_file_are_written_as_before(pipenet_plugin, sample, tmp_path, write_layer):
    """A table named in an existing GeoPackage (ogr: URI) is added to it, its other tables kept; a
    temporary output is a memory layer."""
    from qgis import processing

    existing = write_layer("kept", "Point", [("name", "str")], [{"name": "a", "wkt": "POINT (1 2)"}],
                           path=str(tmp_path / "shared.gpkg")).split("|")[0]
    results = processing.run("pipenet:buildnetwork", {
        **sample, "OUTPUT_FINDINGS": f"ogr:dbname='{existing}' table=\"findings\" (geom)",
        "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    with sqlite3.connect(existing) as connection:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM gpkg_contents")}
    assert tables == {"kept", "findings"}
    assert features(f"{existing}|layername=findings") > 0 and features(f"{existing}|layername=kept") == 1
    assert results["OUTPUT_PIPES"].featureCount() > 0
    assert hidden(tmp_path) == []


def test_a_run_over_an_earlier_result_replaces_it_and_removes_a_killed_runs_leftovers(pipenet_plugin, sample,
                                                                                        tmp_path):
    from qgis import processing

    folder = tmp_path / "out"
    folder.mkdir()
    left = folder / ".pipenet-999999999-abcd1234"  # a process id no system gives: a killed run's folder
    left.mkdir()
    (left / "pipes.gpkg").write_bytes(b"half")
    (folder / ".pipenet-999999999-0a1b2c-risk.csv").write_text("half")
    (folder / "pipes.gpkg").write_bytes(b"an earlier result")
    results = processing.run("pipenet:riskregister", {
        **sample, "OUTPUT_PIPES": str(folder / "pipes.gpkg"), "OUTPUT_CSV": str(folder / "risk.csv")})
    assert results["OUTPUT_PIPES"] == str(folder / "pipes.gpkg") and results["OUTPUT_CSV"] == str(folder / "risk.csv")
    assert features(folder / "pipes.gpkg") > 0
    assert (folder / "risk.csv").read_text(encoding="utf-8-sig").count("\n") > 10
    assert sorted(os.listdir(folder)) == ["pipes.gpkg", "risk.csv"]


def test_a_failed_run_leaves_nothing_and_the_earlier_files_as_they_were(pipenet_plugin, sample, tmp_path):
    """The capacity map needs OUTPUT_PIPES: the run fails after its sub-catchments and findings are written."""
    from qgis import processing

    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "findings.gpkg").write_bytes(b"an earlier result")
    with pytest.raises(QgsProcessingException, match="OUTPUT_PIPES"):
        processing.run("pipenet:stormcapacity", {
            **sample, **FORMULA, "OUTPUT_CATCHMENTS": str(folder / "catchments.gpkg"),
            "OUTPUT_FINDINGS": str(folder / "findings.gpkg"), "OUTPUT_MAP": str(folder / "map.png")})
    assert sorted(os.listdir(folder)) == ["findings.gpkg"]
    assert (folder / "findings.gpkg").read_bytes() == b"an earlier result"


def test_a_project_names_its_layers_where_they_end_up(pipenet_plugin, sample, tmp_path):
    """The project is written before its pipes are moved in, into another folder: its (relative) paths
    are those of the final files."""
    from qgis import processing

    results = processing.run("pipenet:stormcapacity", {
        **sample, **FORMULA, "OUTPUT_PIPES": str(tmp_path / "data" / "pipes.gpkg"),
        "OUTPUT_PROJECT": str(tmp_path / "maps" / "capacity.qgz")})
    assert results["OUTPUT_PROJECT"] == str(tmp_path / "maps" / "capacity.qgz")
    project = QgsProject()
    assert project.read(results["OUTPUT_PROJECT"])
    [layer] = project.mapLayers().values()
    assert layer.isValid() and layer.source().split("|")[0] == str(tmp_path / "data" / "pipes.gpkg")
    assert layer.featureCount() == features(tmp_path / "data" / "pipes.gpkg")
    assert hidden(tmp_path / "data") == [] and hidden(tmp_path / "maps") == []


def test_a_file_output_without_a_folder_is_written_where_qgis_would(pipenet_plugin, sample, tmp_path, monkeypatch):
    from qgis.core import QgsApplication

    monkeypatch.chdir(tmp_path)
    alg = QgsApplication.processingRegistry().createAlgorithmById("pipenet:exportswmm")
    results, ok = alg.run({**sample, **FORMULA, "OUTPUT": "model.inp"}, QgsProcessingContext(),
                          QgsProcessingFeedback())
    assert ok and results["OUTPUT"] == "model.inp"
    assert "[CONDUITS]" in (tmp_path / "model.inp").read_text(encoding="utf-8")
    assert hidden(tmp_path) == []


def test_a_shapefile_replaces_every_part_of_the_earlier_one(tmp_path):
    """An earlier spatial index (.qix) of other shapes would mislead a reader: it goes with the rest."""
    from osgeo import ogr

    for suffix in (".shp", ".shx", ".dbf", ".qix"):
        (tmp_path / f"out{suffix}").write_bytes(b"earlier")
    staging = StagedOutputs()
    partial = staging.stage("OUTPUT", str(tmp_path / "out.shp"), layer=True)
    source = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(partial)
    layer = source.CreateLayer("out", None, ogr.wkbPoint)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt("POINT (1 2)"))
    layer.CreateFeature(feature)
    feature = layer = source = None
    staging.commit()
    assert sorted(os.listdir(tmp_path)) == ["out.dbf", "out.shp", "out.shx"]
    assert features(tmp_path / "out.shp") == 1


def test_a_geopackage_still_open_is_not_moved_in(tmp_path):
    staging = StagedOutputs()
    partial = staging.stage("OUTPUT", str(tmp_path / "out.gpkg"), layer=True)
    writer = sqlite3.connect(partial)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE t (a)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.commit()
    try:
        with pytest.raises(IncompleteOutput, match="still open"):
            staging.commit()
        assert os.listdir(tmp_path) == [os.path.basename(os.path.dirname(partial))]
    finally:
        writer.close()
        staging.discard()
    assert os.listdir(tmp_path) == []


def test_a_damaged_geopackage_is_not_moved_in(tmp_path):
    (tmp_path / "out.gpkg").write_bytes(b"an earlier result")
    staging = StagedOutputs()
    partial = staging.stage("OUTPUT", str(tmp_path / "out.gpkg"), layer=True)
    with sqlite3.connect(partial) as connection:
        connection.execute("CREATE TABLE t (a)")
    with open(partial, "r+b") as handle:  # the header of a half-written file
        handle.seek(100)
        handle.write(b"\xff" * 200)
    with pytest.raises(IncompleteOutput, match="out.gpkg"):
        staging.commit()
    staging.discard()
    assert os.listdir(tmp_path) == ["out.gpkg"] and (tmp_path / "out.gpkg").read_bytes() == b"an earlier result"


def test_an_output_that_cannot_be_put_in_place_is_a_clean_error(pipenet_plugin, sample, tmp_path):
    """A target the new file cannot replace (here a folder of that name; on Windows a file another
    program holds open): one line naming it, and nothing of the run left."""
    from qgis import processing

    (tmp_path / "pipes.gpkg").mkdir()
    (tmp_path / "pipes.gpkg" / "keep.txt").write_text("mine")
    with pytest.raises(QgsProcessingException, match=r"Cannot put .*pipes\.gpkg in place"):
        processing.run("pipenet:buildnetwork", {**sample, "OUTPUT_PIPES": str(tmp_path / "pipes.gpkg")})
    assert sorted(os.listdir(tmp_path)) == ["pipes.gpkg"] and (tmp_path / "pipes.gpkg" / "keep.txt").exists()
