"""File layers are read in bulk (GDAL Arrow) and give exactly what feature-by-feature reading gives."""

import os
import sqlite3
import tempfile
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from qgis.core import (
    QgsFeatureRequest,
    QgsFeatureSource,
    QgsProcessingContext,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)

DATA = Path(__file__).resolve().parents[1] / "data"


class Recorder(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.lines = []

    def pushInfo(self, info):  # noqa: N802 (QGIS API)
        self.lines.append(info)
        super().pushInfo(info)


def build(pipes, nodes=None):
    from qgis import processing

    feedback = Recorder()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run("pipenet:buildnetwork", {
        "PIPES": pipes, "NODES": nodes, "OUTPUT_PIPES": "TEMPORARY_OUTPUT", "OUTPUT_NODES": "TEMPORARY_OUTPUT",
        "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"}, context=context, feedback=feedback)
    bulk = any("read in bulk" in line for line in feedback.lines)
    pipes_out = sorted((f["pn_id"], f["pn_part"], f["pn_from"], f["pn_to"], f["pn_dir_src"], f["pn_comp"],
                        round(f["pn_length"], 3)) for f in result["OUTPUT_PIPES"].getFeatures())
    findings = Counter((f["check"], f["feature_id"], f["value"]) for f in result["OUTPUT_FINDINGS"].getFeatures())
    nodes_out = sorted((f["pn_id"], f["pn_degree"], round(f.geometry().asPoint().x(), 6))
                       for f in result["OUTPUT_NODES"].getFeatures())
    return bulk, pipes_out, findings, nodes_out


def in_memory(layer: QgsVectorLayer) -> QgsVectorLayer:
    """The same features in a memory layer: not a file, so they are read feature by feature. The
    GeoPackage's key is left behind: in a memory layer it would be an attribute called fid, which
    PipeNet keeps (as fid_1)."""
    copy = layer.materialize(QgsFeatureRequest())
    key = copy.fields().indexOf("fid")
    if key >= 0:
        copy.dataProvider().deleteAttributes([key])
        copy.updateFields()
    QgsProject.instance().addMapLayer(copy)
    return copy


@pytest.fixture
def county(sample_county):
    return sample_county(6.0, 5)


def test_county_sample_bulk_equals_feature_reading(pipenet_plugin, county):
    pipes = QgsVectorLayer(f"{county}|layername=pipes", "pipes", "ogr")
    nodes = QgsVectorLayer(f"{county}|layername=nodes", "nodes", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    bulk, *from_file = build(pipes.id(), nodes.id())
    assert bulk
    feature_by_feature, *from_memory = build(in_memory(pipes).id(), in_memory(nodes).id())
    assert not feature_by_feature
    assert from_file == from_memory
    assert len(from_file[0]) > 100 and sum(from_file[1].values()) > 0


def test_montpelier_geographic_bulk_equals_feature_reading(pipenet_plugin):
    # EPSG:4326 GeoJSON, repeated feature ids, a multipart line: the hard cases of real data
    pipes = QgsVectorLayer(str(DATA / "montpelier" / "state_linear_features.geojson"), "state", "ogr")
    nodes = QgsVectorLayer(str(DATA / "montpelier" / "town_point_features.geojson"), "points", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    bulk, *from_file = build(pipes.id(), nodes.id())
    assert bulk
    _, *from_memory = build(in_memory(pipes).id(), in_memory(nodes).id())
    assert from_file[0] == from_memory[0]
    assert from_file[1] == from_memory[1]
    # node x in the output CRS: pyproj and QGIS transform to within a micro-degree
    assert [n[:2] for n in from_file[2]] == [n[:2] for n in from_memory[2]]


def test_selection_subset_and_edits_are_respected(pipenet_plugin, county):
    pipes = QgsVectorLayer(f"{county}|layername=pipes", "pipes", "ogr")
    QgsProject.instance().addMapLayer(pipes)
    first_ids = [f.id() for f in pipes.getFeatures(QgsFeatureRequest().setLimit(5))]
    pipes.selectByIds(first_ids)
    bulk, pipes_out, _, _ = build(QgsProcessingFeatureSourceDefinition(pipes.id(), True))
    assert not bulk and len(pipes_out) == 5
    pipes.removeSelection()
    pipes.setSubsetString('"管径" >= 1000')
    bulk, pipes_out, _, _ = build(pipes.id())
    assert bulk and len(pipes_out) == pipes.featureCount() > 0
    pipes.setSubsetString("")
    pipes.startEditing()
    pipes.deleteFeatures(first_ids)
    bulk, pipes_out, _, _ = build(pipes.id())
    assert not bulk and len(pipes_out) == pipes.featureCount()
    pipes.rollBack()


def written(path, table=None):
    layer = QgsVectorLayer(f"{path}|layername={table}" if table else str(path), "out", "ogr")
    assert layer.isValid(), path
    names = [f.name() for f in layer.fields() if f.name() != "fid"]
    return names, [(tuple(f[n] for n in names), f.geometry().asWkt(3)) for f in layer.getFeatures()]


def test_gpkg_output_written_in_bulk_equals_the_sink(pipenet_plugin, county, tmp_path):
    pipes = QgsVectorLayer(f"{county}|layername=pipes", "pipes", "ogr")
    nodes = QgsVectorLayer(f"{county}|layername=nodes", "nodes", "ogr")
    assert_bulk_equals_sink(pipes, nodes, tmp_path)


def test_gpkg_output_of_any_other_file_written_in_bulk_equals_the_sink(pipenet_plugin, county, tmp_path,
                                                                      monkeypatch):
    """A GeoJSON input goes the same bulk way, from a copy in the run's staging folder, removed after."""
    from osgeo import gdal

    from pipenet.processing.outputs import gpkg_writer
    from pipenet.processing.outputs.atomic import STAGING_PREFIX

    sources = []  # where each bulk output was copied from
    bulk_source = gpkg_writer.bulk_source
    monkeypatch.setattr(gpkg_writer, "bulk_source", lambda *arguments: sources.append(bulk_source(*arguments))
                        or sources[-1])

    layers = []
    for name in ("pipes", "nodes"):
        gdal.VectorTranslate(str(tmp_path / f"{name}.geojson"), gdal.OpenEx(str(county)), format="GeoJSON",
                             layers=[name])
        layers.append(QgsVectorLayer(str(tmp_path / f"{name}.geojson"), name, "ogr"))
    staged = set(Path(tempfile.gettempdir()).glob(f"{STAGING_PREFIX}{os.getpid()}-*"))
    assert_bulk_equals_sink(*layers, tmp_path)
    assert len(sources) == 2 and all(source.folder is not None for source in sources)  # pipes and nodes: copies
    assert set(Path(tempfile.gettempdir()).glob(f"{STAGING_PREFIX}{os.getpid()}-*")) == staged


def assert_bulk_equals_sink(pipes, nodes, tmp_path):
    """The pipes and nodes outputs of file layers, written in bulk, equal those the sink writes."""
    from qgis import processing

    QgsProject.instance().addMapLayers([pipes, nodes])
    for name, pipes_id, nodes_id in (("bulk", pipes.id(), nodes.id()),
                                     ("sink", in_memory(pipes).id(), in_memory(nodes).id())):
        processing.run("pipenet:buildnetwork", {"PIPES": pipes_id, "NODES": nodes_id,
                                                "OUTPUT_PIPES": str(tmp_path / f"{name}.gpkg"),
                                                "OUTPUT_NODES": str(tmp_path / f"{name}_nodes.gpkg")})
    bulk_names, bulk_rows = written(tmp_path / "bulk.gpkg")
    sink_names, sink_rows = written(tmp_path / "sink.gpkg")
    assert bulk_names == sink_names and "pn_from" in bulk_names
    assert bulk_rows == sink_rows and len(bulk_rows) == pipes.featureCount()
    bulk_names, bulk_rows = written(tmp_path / "bulk_nodes.gpkg")
    sink_names, sink_rows = written(tmp_path / "sink_nodes.gpkg")
    assert bulk_names == sink_names and "pn_degree" in bulk_names
    assert bulk_rows == sink_rows and len(bulk_rows) > nodes.featureCount()  # virtual junctions added
    # the copy has a spatial index, like any GeoPackage QGIS writes
    copy = QgsVectorLayer(str(tmp_path / "bulk.gpkg"), "b", "ogr")
    assert copy.hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresent
    # ... holding every feature, virtual junctions added after the copy included
    for name in ("bulk", "bulk_nodes"):
        with sqlite3.connect(tmp_path / f"{name}.gpkg") as connection:
            table, column = connection.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchone()
            indexed = connection.execute(f'SELECT count(*) FROM "rtree_{table}_{column}"').fetchone()[0]
            assert indexed == connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] > 0


def test_traces_and_multipart_pipes_still_go_through_the_sink(pipenet_plugin, county, tmp_path):
    from qgis import processing

    result = processing.run("pipenet:upstreamtrace", {
        "PIPES": f"{county}|layername=pipes", "NODES": f"{county}|layername=nodes",
        "START_NODES": "YS000-OUT", "OUTPUT_PIPES": str(tmp_path / "up.gpkg")})
    names, rows = written(result["OUTPUT_PIPES"].split("|")[0])
    assert 0 < len(rows) < QgsVectorLayer(f"{county}|layername=pipes", "p", "ogr").featureCount()


def test_audit_pipes_written_in_bulk_equal_the_feature_by_feature_writer(pipenet_plugin, county, tmp_path):
    """The audit's pipes: column writer (file input) and per-feature sink (memory input) agree value for value."""
    from qgis import processing

    layers = {name: QgsVectorLayer(f"{county}|layername={name}", name, "ogr")
              for name in ("pipes", "nodes", "defects", "events")}
    QgsProject.instance().addMapLayers(list(layers.values()))
    for name, pipes_id in (("bulk", layers["pipes"].id()), ("sink", in_memory(layers["pipes"]).id())):
        processing.run("pipenet:networkaudit", {"PIPES": pipes_id, "NODES": layers["nodes"].id(),
                                                "DEFECTS": layers["defects"].id(), "EVENTS": layers["events"].id(),
                                                "OUTPUT_FOLDER": str(tmp_path / name)})
    bulk_names, bulk_rows = written(tmp_path / "bulk" / "pipenet_audit.gpkg", "pipes")
    sink_names, sink_rows = written(tmp_path / "sink" / "pipenet_audit.gpkg", "pipes")
    assert bulk_names == sink_names and {"pn_brk_z", "pn_risk_cls", "pn_reach"} <= set(bulk_names)
    assert bulk_rows == sink_rows and any(row[0][bulk_names.index("pn_brk_cls")] for row in bulk_rows)


def test_findings_written_in_bulk_equal_the_sink_and_toolbox_runs_load_every_output(pipenet_plugin, county,
                                                                                     tmp_path):
    from qgis import processing

    inputs = {"PIPES": f"{county}|layername=pipes", "NODES": f"{county}|layername=nodes"}
    processing.run("pipenet:buildnetwork", {**inputs, "OUTPUT_FINDINGS": str(tmp_path / "findings.gpkg")})
    in_memory_layer = processing.run("pipenet:buildnetwork", {**inputs, "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT"})[
        "OUTPUT_FINDINGS"]
    names, rows = written(tmp_path / "findings.gpkg")
    assert names == [f.name() for f in in_memory_layer.fields()] and "message_zh" in names
    assert rows == [(tuple(f[n] for n in names), f.geometry().asWkt(3)) for f in in_memory_layer.getFeatures()]
    assert len(rows) >= 6
    layer = QgsVectorLayer(str(tmp_path / "findings.gpkg"), "f", "ogr")
    assert layer.featureCount() == len(rows) and layer.crs().authid() == "EPSG:4549"
    assert layer.hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresent
    assert not layer.extent().isEmpty()
    # a toolbox run loads what it wrote, however it was written (bulk copies and sinks alike), styled
    project = QgsProject.instance()
    outputs = {key: str(tmp_path / f"loaded_{key}.gpkg") for key in ("OUTPUT_PIPES", "OUTPUT_NODES", "OUTPUT_FINDINGS")}
    processing.runAndLoadResults("pipenet:buildnetwork", {**inputs, **outputs})
    loaded = {layer.source(): layer for layer in project.mapLayers().values()}
    assert set(outputs.values()) <= set(loaded)
    assert loaded[outputs["OUTPUT_PIPES"]].renderer().type() == "categorizedSymbol"
    assert loaded[outputs["OUTPUT_FINDINGS"]].renderer().type() == "RuleRenderer"  # by severity, then check
    project.removeMapLayers([loaded[path].id() for path in outputs.values()])


def test_an_early_copy_that_does_not_fit_gives_way_to_the_sink(pipenet_plugin, tmp_path, monkeypatch):
    """Montpelier has a multipart line: the pipes copy started while building is dropped, the sink writes."""
    from qgis import processing

    from pipenet.processing.outputs import gpkg_writer

    taken = []  # (output, staged copy) of each copy a writer took
    take = gpkg_writer.StagedCopies.take

    def recorded(copies, key):
        folder = take(copies, key)
        taken.append((key, os.path.join(folder, gpkg_writer.COPY_FILE)))
        assert os.path.isfile(taken[-1][1])  # made beside the build, in the run's staging folder
        return folder
    monkeypatch.setattr(gpkg_writer.StagedCopies, "take", recorded)
    inputs = {"PIPES": str(DATA / "montpelier" / "state_linear_features.geojson"),
              "NODES": str(DATA / "montpelier" / "town_point_features.geojson")}
    result = processing.run("pipenet:buildnetwork", {**inputs, "OUTPUT_PIPES": str(tmp_path / "pipes.gpkg"),
                                                     "OUTPUT_NODES": str(tmp_path / "nodes.gpkg")})
    in_memory_layer = processing.run("pipenet:buildnetwork", {**inputs, "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})[
        "OUTPUT_PIPES"]
    names, rows = written(result["OUTPUT_PIPES"])
    assert names == [f.name() for f in in_memory_layer.fields() if f.name() != "fid"]
    assert sorted(rows, key=repr) == sorted(((tuple(f[n] for n in names), f.geometry().asWkt(3))
                                            for f in in_memory_layer.getFeatures()), key=repr)
    assert len(rows) == in_memory_layer.featureCount() > 4000
    # the pipes copy was left for the sink, the nodes written from theirs; neither copy is left behind
    assert [key for key, _ in taken] == ["OUTPUT_PIPES", "OUTPUT_NODES"]
    assert not any(os.path.exists(os.path.dirname(copy)) for _, copy in taken)
    with closing(sqlite3.connect(str(tmp_path / "nodes.gpkg"))) as nodes:
        assert nodes.execute("SELECT count(*) FROM nodes").fetchone()[0] == result["NODE_COUNT"]


def test_defects_and_events_read_in_bulk_equal_feature_reading(pipenet_plugin, county, tmp_path, monkeypatch):
    """CCTV defects (some without a pipe id, so placed on the nearest pipe) and weighted events."""
    from osgeo import gdal, ogr
    from qgis import processing

    from pipenet.processing.base import PipeNetAlgorithm

    in_bulk = []
    original = PipeNetAlgorithm.observations_in_bulk
    monkeypatch.setattr(PipeNetAlgorithm, "observations_in_bulk",
                        lambda *arguments: in_bulk.append(original(*arguments)) or in_bulk[-1])
    observations = tmp_path / "observations.gpkg"
    gdal.VectorTranslate(str(observations), str(county), layers=["defects", "events"])
    dataset = ogr.Open(str(observations), 1)
    dataset.ExecuteSQL('UPDATE defects SET "管段编号" = NULL WHERE fid % 4 = 0')
    dataset = None
    defects = QgsVectorLayer(f"{observations}|layername=defects", "defects", "ogr")
    events = QgsVectorLayer(f"{observations}|layername=events", "events", "ogr")
    QgsProject.instance().addMapLayers([defects, events])
    outputs = []
    for defects_id, events_id in ((defects.id(), events.id()), (in_memory(defects).id(), in_memory(events).id())):
        result = processing.run("pipenet:hotspots", {
            "PIPES": f"{county}|layername=pipes", "NODES": f"{county}|layername=nodes", "DEFECTS": defects_id,
            "EVENTS": events_id, "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
        layer = result["OUTPUT_PIPES"]
        names = [name for name in layer.fields().names() if name.startswith("pn_brk") or name.startswith("pn_ovf")]
        outputs.append([tuple(feature[name] for name in names) for feature in layer.getFeatures()])
    assert outputs[0] == outputs[1]
    assert any(row[0] for row in outputs[0]) and any(row[5] for row in outputs[0])  # defects and events placed
    assert [bulk is not None for bulk in in_bulk] == [True, True, False, False]  # files in bulk, memory not
