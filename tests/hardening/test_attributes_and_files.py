"""Hostile inputs and destinations: every input attribute kept, odd names and keys, outputs that
would overwrite their input, quoted paths, broken shapefiles, survey tables and model files.

Every GeoPackage written here is checked by GDAL's own validate_gpkg.py, SQLite's integrity check
and rtreecheck.
"""

import json
import sqlite3
from pathlib import Path

import pytest
from osgeo import gdal, ogr, osr
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer

X0, Y0 = 500000.0, 3400000.0
DATA = Path(__file__).resolve().parents[1] / "data"


def line(x1, x2):
    return f"LINESTRING ({X0 + x1} {Y0}, {X0 + x2} {Y0})"


def gpkg_layer(path, name, fields, rows, kind=ogr.wkbLineString, options=()):
    """A GeoPackage layer of string fields: rows are (wkt, {field: value})."""
    driver = ogr.GetDriverByName("GPKG")
    source = driver.Open(str(path), 1) if Path(path).exists() else driver.CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4549)
    layer = source.CreateLayer(name, srs, kind, options=list(options))
    for field_name in fields:
        layer.CreateField(ogr.FieldDefn(field_name, ogr.OFTString))
    for wkt, values in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        for key, value in values.items():
            feature.SetField(key, value)
        layer.CreateFeature(feature)
    source = None
    return f"{path}|layername={name}"


THREE = [(line(0, 50), {"pipe_id": "A"}), (line(50, 100), {"pipe_id": "B"}), (line(100, 150), {"pipe_id": "C"})]


def run(algorithm, parameters):
    """(results, ok, errors and log) of a PipeNet algorithm run in-process."""
    messages = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatal=False):  # noqa: N802 (QGIS API)
            messages.append(error)

        def pushInfo(self, info):  # noqa: N802 (QGIS API)
            messages.append(info)

    alg = QgsApplication.processingRegistry().createAlgorithmById(f"pipenet:{algorithm}")
    results, ok = alg.run(parameters, QgsProcessingContext(), Feedback())
    return results, ok, "\n".join(messages)


def assert_valid_gpkg(path):
    """GDAL's validate_gpkg.py finds nothing; SQLite's integrity check and every R-tree's check pass."""
    from osgeo_utils.samples import validate_gpkg

    assert validate_gpkg.check(str(path), abort_at_first_error=False, warning_msg=False) == []
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE name LIKE 'rtree_%' "
                                           "AND type = 'table' AND name NOT LIKE '%\\_node' ESCAPE '\\' "
                                           "AND name NOT LIKE '%\\_parent' ESCAPE '\\' "
                                           "AND name NOT LIKE '%\\_rowid' ESCAPE '\\'"):
            assert connection.execute("SELECT rtreecheck(?)", (table,)).fetchone()[0] == "ok", table


def rows_of(uri):
    layer = QgsVectorLayer(uri, "out", "ogr")
    assert layer.isValid(), uri
    return layer.fields().names(), [feature.attributes() for feature in layer.getFeatures()]


def build(pipes, target, **extra):
    return run("buildnetwork", {"PIPES": pipes, "OUTPUT_PIPES": target, "OUTPUT_NODES": "TEMPORARY_OUTPUT",
                                "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT", **extra})


def test_an_attribute_called_fid_and_pn_fields_are_kept(pipenet_plugin, tmp_path):
    """A GeoJSON property ``fid`` is renamed (the output's key is fid) and logged; ``pn_note`` is the
    user's own; a pn_ column PipeNet writes again (an earlier run's pn_from) is replaced."""
    path = tmp_path / "pipes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"fid": 10 + i, "pn_note": f"note {i}", "pn_from": "old", "pipe_id": p},
         "geometry": {"type": "LineString", "coordinates": [[X0 + 50 * i, Y0], [X0 + 50 * i + 50, Y0]]}}
        for i, p in enumerate("ABC")]}))
    for target in (str(tmp_path / "out.gpkg"), str(tmp_path / "sink.geojson")):  # the bulk copy and QGIS's sink
        results, ok, log = build(str(path), target)
        assert ok, log
        names, rows = rows_of(results["OUTPUT_PIPES"])
        assert {"fid_1", "pn_note", "pipe_id"} <= set(names) and names.count("pn_from") == 1, names
        by_id = {row[names.index("pipe_id")]: row for row in rows}
        assert [by_id[p][names.index("fid_1")] for p in "ABC"] == [10, 11, 12]
        assert [by_id[p][names.index("pn_note")] for p in "ABC"] == ["note 0", "note 1", "note 2"]
        assert "old" not in [row[names.index("pn_from")] for row in rows]
        assert "fid -> fid_1" in log and "pn_from" in log
    assert_valid_gpkg(tmp_path / "out.gpkg")


def test_field_names_with_space_quote_and_comma(pipenet_plugin, tmp_path):
    fields = ["pipe_id", "my field", 'q"uote', "a,b"]
    pipes = gpkg_layer(tmp_path / "in.gpkg", "pipes", fields,
                       [(line(0, 50), {"pipe_id": "A", "my field": "x", 'q"uote': "y", "a,b": "z"}),
                        (line(50, 100), {"pipe_id": "B"})])
    results, ok, log = build(pipes, str(tmp_path / "out.gpkg"))
    assert ok, log
    names, rows = rows_of(results["OUTPUT_PIPES"])
    assert fields == names[1:5]
    assert ["x", "y", "z"] in [row[2:5] for row in rows]
    assert_valid_gpkg(tmp_path / "out.gpkg")
    results, ok, log = run("networkaudit", {"PIPES": pipes, "OUTPUT_FOLDER": str(tmp_path / "audit")})
    assert ok, log
    assert_valid_gpkg(tmp_path / "audit" / "pipenet_audit.gpkg")


def test_a_geopackage_keyed_by_objectid(pipenet_plugin, tmp_path):
    """The input's key under another name than fid is kept as an attribute, as QGIS shows it."""
    pipes = gpkg_layer(tmp_path / "in.gpkg", "pipes", ["pipe_id"], THREE, options=["FID=objectid"])
    for target in (str(tmp_path / "out.gpkg"), str(tmp_path / "sink.geojson")):
        results, ok, log = build(pipes, target)
        assert ok, log
        names, rows = rows_of(results["OUTPUT_PIPES"])
        assert sorted(row[names.index("objectid")] for row in rows) == [1, 2, 3], names
    assert_valid_gpkg(tmp_path / "out.gpkg")


def test_an_output_over_its_own_input_is_refused(pipenet_plugin, tmp_path):
    pipes = gpkg_layer(tmp_path / "in.gpkg", "pipes", ["pipe_id"], THREE)
    before = (tmp_path / "in.gpkg").read_bytes()
    for target in (f"ogr:dbname='{tmp_path / 'in.gpkg'}' table=\"pipes\" (geom)", str(tmp_path / "in.gpkg")):
        _results, ok, log = build(pipes, target)
        assert not ok and "would overwrite the input PIPES" in log, log
    assert (tmp_path / "in.gpkg").read_bytes() == before
    results, ok, log = build(pipes, f"ogr:dbname='{tmp_path / 'in.gpkg'}' table=\"built\" (geom)")
    assert ok, log  # another table of the same file is no overwrite
    assert len(rows_of(f"{tmp_path / 'in.gpkg'}|layername=pipes")[1]) == 3


def test_a_quote_in_an_ogr_destination_path(pipenet_plugin, tmp_path):
    """The path of an ``ogr:dbname='…'`` destination decoded as QGIS decodes it (q\\'dir)."""
    pipes = gpkg_layer(tmp_path / "in.gpkg", "pipes", ["pipe_id"], THREE)
    folder = tmp_path / "q'dir"
    folder.mkdir()
    escaped = str(folder / "tgt.gpkg").replace("'", "\\'")
    results, ok, log = build(pipes, f"ogr:dbname='{escaped}' table=\"outp\" (geom)")
    assert ok, log
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.gpkg", "q'dir"]
    assert len(rows_of(f"{folder / 'tgt.gpkg'}|layername=outp")[1]) == 3
    assert_valid_gpkg(folder / "tgt.gpkg")


def test_a_shapefile_without_its_dbf_is_a_clear_error(pipenet_plugin, tmp_path):
    gdal.VectorTranslate(str(tmp_path / "pipes.shp"), gpkg_layer(tmp_path / "in.gpkg", "pipes", ["pipe_id"], THREE)
                         .split("|")[0], format="ESRI Shapefile")
    (tmp_path / "pipes.dbf").unlink()
    _results, ok, log = build(str(tmp_path / "pipes.shp"), "TEMPORARY_OUTPUT")
    assert not ok and "without its attribute file pipes.dbf" in log and "PIPES" in log, log


@pytest.mark.parametrize("case, words", [
    ("fake_xlsx", ["not an Excel workbook", "fake.xlsx"]),
    ("wrong_encoding", ["not utf-8 as given", "reads as GB18030"]),
    ("unknown_encoding", ["'klingon' is not a text encoding"]),
])
def test_survey_tables_give_one_clear_answer(pipenet_plugin, tmp_path, case, words):
    points, segments, encoding = DATA / "survey" / "points_gbk.csv", DATA / "survey" / "segments_gbk.csv", ""
    if case == "fake_xlsx":
        points = segments = tmp_path / "fake.xlsx"
        points.write_text("pipe_id,x,y\n")
    encoding = {"wrong_encoding": "utf-8", "unknown_encoding": "klingon"}.get(case, "")
    _results, ok, log = run("importsurvey", {"POINTS": str(points), "SEGMENTS": str(segments), "ENCODING": encoding,
                                             "OUTPUT_PIPES": "TEMPORARY_OUTPUT", "OUTPUT_NODES": "TEMPORARY_OUTPUT",
                                             "OUTPUT_REPORT": "TEMPORARY_OUTPUT"})
    assert not ok and "Traceback" not in log and "could not finish" not in log, log
    for word in words:
        assert word in log, log


def _edited_model(tmp_path, edit):
    text = (DATA / "models" / "pyswmm_model_weir_setting.inp").read_text()
    path = tmp_path / "model.inp"
    path.write_text(edit(text))
    return path


def _first_row_after(text, header, column, value):
    """The model text with one value of the first data row of a section replaced."""
    lines = text.splitlines()
    at = next(i for i, row in enumerate(lines) if row.strip().upper() == header)
    row = next(i for i in range(at + 1, len(lines)) if lines[i].strip() and not lines[i].startswith(";"))
    cells = lines[row].split()
    cells[column] = value
    lines[row] = " ".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case, edit, words", [
    ("every section twice", lambda text: text + "\n" + text, ["defined again", "names must be unique"]),
    ("negative length", lambda text: _first_row_after(text, "[CONDUITS]", 3, "-400"),
     ["length -400 must be above zero"]),
    ("inf diameter", lambda text: _first_row_after(text, "[XSECTIONS]", 2, "inf"), ["Geom1 'inf' is not a finite"]),
    ("1e308 coordinates", lambda text: _first_row_after(text, "[COORDINATES]", 1, "1e308"),
     ["not a plausible coordinate"]),
])
def test_broken_swmm_models_are_refused_with_the_line(pipenet_plugin, tmp_path, case, edit, words):
    path = _edited_model(tmp_path, edit)
    _results, ok, log = run("importswmm", {"INPUT": str(path), "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
                                           "OUTPUT_NODES": "TEMPORARY_OUTPUT"})
    assert not ok and "Traceback" not in log and "line " in log, (case, log)
    for word in words:
        assert word in log, (case, log)


def test_the_audit_events_layer_keeps_every_input_attribute(pipenet_plugin, tmp_path):
    pipes = gpkg_layer(tmp_path / "in.gpkg", "pipes", ["pipe_id"], THREE)
    gpkg_layer(tmp_path / "in.gpkg", "events", ["日期", "溢流量"],
               [(f"POINT ({X0 + 20} {Y0 + 1})", {"日期": "2026-07-01", "溢流量": "35"}),
                (f"POINT ({X0 + 120} {Y0 + 1})", {"日期": "2026-07-02", "溢流量": "12"})], kind=ogr.wkbPoint)
    results, ok, log = run("networkaudit", {"PIPES": pipes, "EVENTS": f"{tmp_path / 'in.gpkg'}|layername=events",
                                            "OUTPUT_FOLDER": str(tmp_path / "audit")})
    assert ok, log
    audit = tmp_path / "audit" / "pipenet_audit.gpkg"
    names, rows = rows_of(f"{audit}|layername=events")
    assert {"日期", "溢流量"} <= set(names)
    assert sorted((row[names.index("日期")], row[names.index("溢流量")]) for row in rows) == \
        [("2026-07-01", "35"), ("2026-07-02", "12")]
    assert_valid_gpkg(audit)
