"""Outputs written by SQLite straight from a GeoPackage input equal the GDAL copy, index and all."""

import functools
import os
import sqlite3
import tempfile
import time

import pytest
from qgis.core import QgsFeatureSource, QgsVectorLayer


@pytest.fixture
def county(sample_county):
    return sample_county(4.0, 11)


def table_rows(path, table):
    """Every column of every row, the geometry blob included, in feature id order."""
    with sqlite3.connect(path) as connection:
        names = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
        rows = connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
    return names, rows


def gpkg_state(path, table):
    """What OGR and QGIS read from a GeoPackage's metadata: extent, count, index, triggers."""
    with sqlite3.connect(path) as connection:
        extent = connection.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?",
                                    (table,)).fetchone()
        count = connection.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?",
                                   (table,)).fetchone()[0]
        column = connection.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                                    (table,)).fetchone()[0]
        rtree = f"rtree_{table}_{column}"
        entries = connection.execute(f'SELECT * FROM "{rtree}" ORDER BY id').fetchall()
        check = connection.execute(f"SELECT rtreecheck('{rtree}')").fetchone()[0]
        triggers = sorted(row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)))
    return extent, count, entries, check, triggers


def run_build(county, outputs, monkeypatch=None, copy=False, read_boxes=False, by_gdal=False):
    from qgis import processing

    from pipenet.processing.outputs import gpkg_rtree, gpkg_writer, writers

    inserted = []
    if monkeypatch is not None:
        # many small chunks: each is copied into the output while the next one is staged
        monkeypatch.setattr(writers, "pipe_columns", functools.partial(writers.pipe_columns, chunk=37))
        monkeypatch.setattr(writers, "NODE_CHUNK", 41)
        original = gpkg_writer.plan_insert
        monkeypatch.setattr(gpkg_writer, "plan_insert", lambda *a: inserted.append(a[2]) or original(*a))
        if copy:
            monkeypatch.setattr(gpkg_writer, "sqlite_source", lambda *a: None)
        if read_boxes:
            monkeypatch.setattr(gpkg_writer, "pipe_boxes", lambda *a: None)
            monkeypatch.setattr(gpkg_writer, "node_boxes", lambda *a: None)
        if by_gdal:  # the branch a GDAL of 3.8 or later takes: GDAL builds the R-tree after the rows
            monkeypatch.setattr(gpkg_writer, "gdal_builds_rtree", lambda: True)
            monkeypatch.setattr(gpkg_rtree, "gdal_builds_rtree", lambda: True)
    processing.run("pipenet:buildnetwork", {"PIPES": f"{county}|layername=pipes",
                                            "NODES": f"{county}|layername=nodes", **outputs})
    if monkeypatch is not None:
        monkeypatch.undo()
    return inserted


@pytest.mark.parametrize("coded_sizes", [64, 0])  # diameters staged coded, or plain (odd sizes)
def test_sqlite_insert_equals_the_gdal_copy(pipenet_plugin, county, tmp_path, monkeypatch, coded_sizes):
    from pipenet.processing.outputs import pipe_columns

    outputs = {}
    usual, pipe_columns.CODED_SIZES = pipe_columns.CODED_SIZES, coded_sizes
    try:
        for way in ("insert", "copy", "read_boxes", "by_gdal"):
            outputs[way] = {"OUTPUT_PIPES": str(tmp_path / f"{way}_pipes.gpkg"),
                            "OUTPUT_NODES": str(tmp_path / f"{way}_nodes.gpkg")}
            inserted = run_build(county, outputs[way], monkeypatch, copy=way == "copy", read_boxes=way == "read_boxes",
                                 by_gdal=way == "by_gdal")
            assert inserted == ([] if way == "copy" else [f"{way}_pipes", f"{way}_nodes"])
    finally:
        pipe_columns.CODED_SIZES = usual
    for kind in ("pipes", "nodes"):
        paths = {way: outputs[way][f"OUTPUT_{kind.upper()}"] for way in outputs}
        names, rows = table_rows(paths["copy"], f"copy_{kind}")
        assert (names, rows) == table_rows(paths["insert"], f"insert_{kind}")
        assert len(rows) > 100 and "pn_comp" in names or "pn_degree" in names
        if kind == "nodes":  # virtual junctions are added after the copied rows, by OGR or by SQLite
            assert sum(row[names.index("pn_virtual")] == 1 for row in rows) > 0
        extent, count, entries, check, triggers = gpkg_state(paths["copy"], f"copy_{kind}")
        assert count == len(rows) == len(entries) and check == "ok" and len(triggers) >= 6
        for way in ("insert", "read_boxes", "by_gdal"):
            assert table_rows(paths[way], f"{way}_{kind}") == (names, rows)
            state = gpkg_state(paths[way], f"{way}_{kind}")
            # the same count and R-tree boxes, whether they came from memory or the file; the extent
            # as exact as GDAL's (which keeps it to 15 digits)
            assert state[1:4] == (count, entries, check) and state[0] == pytest.approx(extent, abs=1e-6)
            assert [name.replace(f"{way}_{kind}", f"copy_{kind}") for name in state[4]] == triggers
        layer = QgsVectorLayer(paths["insert"], "out", "ogr")
        assert layer.featureCount() == len(rows) and layer.hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresent
        assert layer.extent().xMinimum() == pytest.approx(extent[0])


def test_input_with_missing_feature_ids_and_output_into_the_same_geopackage(pipenet_plugin, county, tmp_path,
                                                                            monkeypatch):
    """Deleted features leave gaps in the input ids: output row n is still input feature n's."""
    from osgeo import ogr

    dataset = ogr.Open(str(county), 1)
    dataset.ExecuteSQL("DELETE FROM pipes WHERE fid % 7 = 3")
    dataset.ExecuteSQL("DELETE FROM nodes WHERE fid % 11 = 5")
    dataset = None
    copied = {"OUTPUT_PIPES": str(tmp_path / "copy_pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "copy_nodes.gpkg")}
    assert run_build(county, copied, monkeypatch, copy=True) == []
    into_input = {"OUTPUT_PIPES": f"ogr:dbname='{county}' table=\"out_pipes\" (geom)",
                  "OUTPUT_NODES": f"ogr:dbname='{county}' table=\"out_nodes\" (geom)"}
    assert run_build(county, into_input, monkeypatch) == ["out_pipes", "out_nodes"]
    for kind in ("pipes", "nodes"):
        names, rows = table_rows(county, f"out_{kind}")
        assert (names, rows) == table_rows(copied[f"OUTPUT_{kind.upper()}"], f"copy_{kind}")
        state, expected = gpkg_state(county, f"out_{kind}"), gpkg_state(copied[f"OUTPUT_{kind.upper()}"],
                                                                         f"copy_{kind}")
        assert state[1:4] == expected[1:4] and state[0] == pytest.approx(expected[0], abs=1e-6)
    # the input tables are untouched
    with sqlite3.connect(county) as connection:
        assert connection.execute("SELECT count(*) FROM pipes WHERE fid % 7 = 3").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM pipes").fetchone()[0] == len(table_rows(county, "out_pipes")[1])


def test_an_output_that_fails_while_finished_in_a_thread_fails_the_run(pipenet_plugin, county, tmp_path,
                                                                       monkeypatch):
    """The SQLite copy and the index run beside the other outputs: their error still fails the run,
    and the files the run made are removed."""
    from qgis import processing
    from qgis.core import QgsProcessingException

    from pipenet.processing.outputs import gpkg_writer

    def broken(path, *arguments, **options):
        raise OSError(f"disk full writing {path}")

    monkeypatch.setattr(gpkg_writer, "finish_index", broken)
    outputs = {"OUTPUT_PIPES": str(tmp_path / "pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "nodes.gpkg"),
               "OUTPUT_FINDINGS": str(tmp_path / "findings.gpkg")}
    with pytest.raises(QgsProcessingException, match="disk full writing"):
        processing.run("pipenet:buildnetwork", {"PIPES": f"{county}|layername=pipes",
                                                "NODES": f"{county}|layername=nodes", **outputs})
    assert not any((tmp_path / name).exists() for name in ("pipes.gpkg", "nodes.gpkg", "findings.gpkg"))


def test_staging_that_fails_fails_the_run_without_waiting_forever(pipenet_plugin, county, tmp_path, monkeypatch):
    """The fill waits in a thread for staged chunks: an error while staging must end it too, and
    leave neither outputs nor staging files behind."""
    from qgis import processing
    from qgis.core import QgsProcessingException

    from pipenet.processing.outputs import writers

    pipe_columns = writers.pipe_columns

    def failing(*arguments, **options):
        for number, chunk in enumerate(pipe_columns(*arguments, chunk=50)):
            if number == 2:
                raise ValueError("pipe values could not be made")
            yield chunk

    monkeypatch.setattr(writers, "pipe_columns", failing)
    staging_before = {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("pipenet-stage-")}
    outputs = {"OUTPUT_PIPES": str(tmp_path / "pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "nodes.gpkg")}
    with pytest.raises(QgsProcessingException, match="pipe values could not be made"):
        processing.run("pipenet:buildnetwork", {"PIPES": f"{county}|layername=pipes",
                                                "NODES": f"{county}|layername=nodes", **outputs})
    assert not any((tmp_path / name).exists() for name in ("pipes.gpkg", "nodes.gpkg"))
    assert {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("pipenet-stage-")} \
        == staging_before


def test_nodes_are_staged_while_the_pipes_are_finished_in_the_same_geopackage(pipenet_plugin, county, tmp_path,
                                                                            monkeypatch):
    """One GeoPackage for both outputs (as the audit writes): the nodes' values are staged while the
    pipes are still being copied and indexed into it, and the tables are the ones written apart."""
    from pipenet.processing.outputs import gpkg_staging, gpkg_writer

    events = []
    index, stage = gpkg_writer.finish_index, gpkg_staging.Staging.stage

    def slow_index(path, table, *arguments):
        time.sleep(1.5 if table == "pipes" else 0.0)
        index(path, table, *arguments)
        events.append(f"{table} indexed")

    def noted_stage(staging, rows, **options):
        stage(staging, rows, **options)
        if staging.finished:
            events.append("nodes staged" if "pn_degree" in staging.names else "pipes staged")

    monkeypatch.setattr(gpkg_writer, "finish_index", slow_index)
    monkeypatch.setattr(gpkg_staging.Staging, "stage", noted_stage)
    shared = tmp_path / "both.gpkg"
    run_build(county, {"OUTPUT_PIPES": f"ogr:dbname='{shared}' table=\"pipes\" (geom)",
                       "OUTPUT_NODES": f"ogr:dbname='{shared}' table=\"nodes\" (geom)"})
    assert events == ["pipes staged", "nodes staged", "pipes indexed", "nodes indexed"]
    monkeypatch.undo()
    apart = {"OUTPUT_PIPES": str(tmp_path / "pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "nodes.gpkg")}
    run_build(county, apart)
    for table in ("pipes", "nodes"):
        assert table_rows(shared, table) == table_rows(apart[f"OUTPUT_{table.upper()}"], table)
        assert gpkg_state(shared, table)[1:4] == gpkg_state(apart[f"OUTPUT_{table.upper()}"], table)[1:4]


def test_findings_are_staged_while_the_nodes_are_finished_in_the_same_geopackage(pipenet_plugin, county,
                                                                                  tmp_path, monkeypatch):
    """The audit's findings go into the GeoPackage the nodes are still being copied into: they are
    staged meanwhile and copied after, their blobs given the layer's spatial reference id."""
    from pipenet.processing.outputs import gpkg_points, gpkg_writer

    events = []
    index, copy_staged = gpkg_writer.finish_index, gpkg_points._copy_staged

    def slow_index(path, table, *arguments):
        time.sleep(1.5 if table == "nodes" else 0.0)
        index(path, table, *arguments)
        events.append(f"{table} indexed")

    def noted_copy(connection, table, *arguments):
        events.append(f"{table} copied from staging")
        copy_staged(connection, table, *arguments)

    monkeypatch.setattr(gpkg_writer, "finish_index", slow_index)
    monkeypatch.setattr(gpkg_points, "_copy_staged", noted_copy)
    shared = tmp_path / "all.gpkg"
    run_build(county, {key: f"ogr:dbname='{shared}' table=\"{table}\" (geom)" for key, table in
                       (("OUTPUT_PIPES", "pipes"), ("OUTPUT_NODES", "nodes"), ("OUTPUT_FINDINGS", "findings"))})
    assert events == ["pipes indexed", "nodes indexed", "findings copied from staging"]
    monkeypatch.undo()
    apart = tmp_path / "findings.gpkg"
    run_build(county, {"OUTPUT_FINDINGS": str(apart)})
    names, rows = table_rows(shared, "findings")
    assert len(rows) > 5 and (names, rows) == table_rows(apart, "findings")
    assert gpkg_state(shared, "findings")[:4] == gpkg_state(apart, "findings")[:4]
    layer = QgsVectorLayer(f"{shared}|layername=findings", "f", "ogr")
    assert layer.featureCount() == len(rows) and layer.crs().authid() == "EPSG:4549"


@pytest.mark.parametrize("trouble", ["other srs id", "not a database"])
def test_a_source_sqlite_cannot_copy_is_copied_by_gdal(pipenet_plugin, county, tmp_path, monkeypatch, trouble):
    from dataclasses import replace

    from pipenet.processing.outputs import gpkg_writer

    sqlite_source = gpkg_writer.sqlite_source
    (tmp_path / "notes.gpkg").write_text("not a GeoPackage")

    def troubled(*arguments):
        source = sqlite_source(*arguments)
        return replace(source, srs_id=99999) if trouble == "other srs id" else \
            replace(source, path=str(tmp_path / "notes.gpkg"))

    monkeypatch.setattr(gpkg_writer, "sqlite_source", troubled)
    outputs = {"OUTPUT_PIPES": str(tmp_path / "pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "nodes.gpkg")}
    run_build(county, outputs)
    monkeypatch.undo()
    expected = {"OUTPUT_PIPES": str(tmp_path / "copy_pipes.gpkg"), "OUTPUT_NODES": str(tmp_path / "copy_nodes.gpkg")}
    assert run_build(county, expected, monkeypatch, copy=True) == []
    for key, table in (("OUTPUT_PIPES", "pipes"), ("OUTPUT_NODES", "nodes")):
        assert table_rows(outputs[key], table) == table_rows(expected[key], f"copy_{table}")
        assert gpkg_state(outputs[key], table)[1:4] == gpkg_state(expected[key], f"copy_{table}")[1:4]


def test_nodes_in_input_order_means_input_nodes_by_feature_id_then_virtual_junctions(pipenet_plugin):
    from pipenet.network import LayerData, NodeRecord, PipeRecord, build_network
    from pipenet.processing.outputs.gpkg_writer import nodes_in_input_order

    nodes = LayerData("nodes", ["id"], [NodeRecord(0, (0.0, 0.0), {"id": "A"}),
                                        NodeRecord(1, (10.0, 0.0), {"id": "B"})])
    pipes = LayerData("pipes", ["id"], [PipeRecord(0, [[(0.0, 0.0), (10.0, 0.0)]], {"id": "P1"}),
                                        PipeRecord(1, [[(10.0, 0.0), (20.0, 0.0)]], {"id": "P2"})])
    table = build_network(pipes, nodes).table()
    assert table.node_count == 3 and nodes_in_input_order(table, 2)  # A, B, then a junction at (20, 0)
    assert not nodes_in_input_order(table, 3) and not nodes_in_input_order(table, 1)
