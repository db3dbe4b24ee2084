"""The packed GeoPackage spatial index is the index GDAL makes, box for box, and stays right under edits."""

import doctest
import random
import sqlite3

import pytest
from osgeo import gdal, ogr
from qgis.core import QgsFeatureSource, QgsVectorLayer


def make_layer(path, count=6000, seed=3, all_present=False):
    """Random points and lines (deep enough for a three-level tree), a null and an empty geometry
    (unless ``all_present``)."""
    random.seed(seed)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = dataset.CreateLayer("things", None, ogr.wkbUnknown, options=["SPATIAL_INDEX=NO"])
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    layer.StartTransaction()
    for number in range(count):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("name", f"T{number}")
        x, y = random.uniform(-180.0, 500000.0), random.uniform(-90.0, 3400000.0)
        if number % 3:
            wkt = f"POINT ({x} {y})"
        else:
            wkt = f"LINESTRING ({x} {y}, {x + random.uniform(-80, 80)} {y + random.uniform(-80, 80)})"
        if number == 10 and not all_present:
            wkt = "LINESTRING EMPTY"
        if number != 20 or all_present:
            feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    dataset = None


def index_rows(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT * FROM rtree_things_geom ORDER BY id").fetchall()


def check(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT rtreecheck('rtree_things_geom')").fetchone()[0]


def test_packed_index_equals_gdal_index_and_survives_edits(pipenet_plugin, tmp_path):
    from pipenet.processing.outputs.gpkg_rtree import add_spatial_index

    ours, theirs = tmp_path / "ours.gpkg", tmp_path / "theirs.gpkg"
    make_layer(ours)
    gdal.VectorTranslate(str(theirs), str(ours))  # GDAL's own index, filled feature by feature
    add_spatial_index(str(ours), "things")
    assert check(ours) == "ok"
    rows = index_rows(ours)
    assert rows == index_rows(theirs) and len(rows) == 5998  # no null, no empty geometry
    with sqlite3.connect(ours) as connection:
        depth = int.from_bytes(connection.execute(
            "SELECT substr(data, 1, 2) FROM rtree_things_geom_node WHERE nodeno = 1").fetchone()[0], "big")
        assert depth == 2
        assert connection.execute("SELECT count(*) FROM gpkg_extensions WHERE table_name = 'things' "
                                  "AND extension_name = 'gpkg_rtree_index'").fetchone()[0] == 1
    layer = QgsVectorLayer(f"{ours}|layername=things", "t", "ogr")
    assert layer.hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresent
    # edits through GDAL keep it up to date (GDAL's own triggers)
    for path in (ours, theirs):
        dataset = ogr.Open(str(path), 1)
        layer = dataset.GetLayer(0)
        layer.DeleteFeature(5)
        moved = layer.GetFeature(7)
        moved.SetGeometry(ogr.CreateGeometryFromWkt("POINT (1 2)"))
        layer.SetFeature(moved)
        added = ogr.Feature(layer.GetLayerDefn())
        added.SetGeometry(ogr.CreateGeometryFromWkt("LINESTRING (0 0, 3 4)"))
        layer.CreateFeature(added)
        dataset = None
    assert check(ours) == "ok"
    assert index_rows(ours) == index_rows(theirs)
    # and a spatial filter finds what a filter over GDAL's index finds
    found = []
    for path in (ours, theirs):
        dataset = ogr.Open(str(path))
        layer = dataset.GetLayer(0)
        layer.SetSpatialFilterRect(100000, 1000000, 160000, 1100000)
        found.append(sorted(feature.GetFID() for feature in layer))
        dataset = None
    assert found[0] == found[1] and len(found[0]) > 5


@pytest.mark.parametrize("gaps", [False, True])
def test_rowid_table_is_read_from_json_when_the_ids_run_in_order(pipenet_plugin, tmp_path, monkeypatch, gaps):
    from pipenet.processing.outputs import gpkg_rtree

    ours, theirs = tmp_path / "ours.gpkg", tmp_path / "theirs.gpkg"
    make_layer(ours, count=4000, all_present=True)
    if gaps:
        with sqlite3.connect(ours) as connection:
            connection.execute("DELETE FROM things WHERE fid % 7 = 3")
    gdal.VectorTranslate(str(theirs), str(ours))
    rows_made = []
    monkeypatch.setattr(gpkg_rtree, "_pairs", lambda *a: rows_made.append(1) or iter(zip(*(x.tolist() for x in a))))
    gpkg_rtree.add_spatial_index(str(ours), "things", known_boxes=None)
    assert bool(rows_made) == gaps  # ids 1, 2 ...: SQLite reads the leaves from JSON, no Python row each
    assert check(ours) == "ok" and index_rows(ours) == index_rows(theirs)
    assert len(index_rows(ours)) == (4000 - 572 if gaps else 4000)


def test_empty_table_gets_an_empty_index(pipenet_plugin, tmp_path):
    from pipenet.processing.outputs.gpkg_rtree import add_spatial_index

    path = tmp_path / "empty.gpkg"
    make_layer(path, count=0)
    add_spatial_index(str(path), "things")
    assert check(path) == "ok" and index_rows(path) == []


@pytest.mark.parametrize("module", ["gpkg_rtree", "gpkg_insert"])
def test_doctests(pipenet_plugin, module):
    import importlib

    result = doctest.testmod(importlib.import_module(f"pipenet.processing.outputs.{module}"))
    assert result.failed == 0 and result.attempted > 0


def test_only_files_the_run_made_skip_the_journal(pipenet_plugin, tmp_path):
    from pipenet.processing.outputs.gpkg_writer import owned

    user_file = str(tmp_path / "survey.gpkg")
    assert owned(str(tmp_path / "new.gpkg"), append=False, own_files=frozenset())
    assert not owned(user_file, append=True, own_files=frozenset())  # a table added to the user's GeoPackage
    assert owned(user_file, append=True, own_files=frozenset({user_file}))


def test_points_written_in_bulk_are_indexed_from_their_coordinates(pipenet_plugin, tmp_path, monkeypatch):
    """Findings and events are indexed from the x/y in memory: the same index as read from the file."""
    import numpy as np
    from qgis.core import QgsCoordinateReferenceSystem

    from pipenet.processing.outputs import gpkg_points, gpkg_rtree

    rng = np.random.default_rng(2)
    x, y = rng.uniform(-1e5, 6e5, 5000), rng.uniform(3.0e6, 3.1e6, 5000)
    x[::7] = np.nan  # no location: no geometry, no index entry
    crs = QgsCoordinateReferenceSystem("EPSG:4549")
    entries = {}
    index = gpkg_rtree.add_spatial_index
    for way in ("memory", "file"):
        if way == "file":  # the boxes read back from the geometry blobs instead
            monkeypatch.setattr(gpkg_points, "add_spatial_index",
                                lambda *arguments, known_boxes=None, **options: index(*arguments, **options))
        path = tmp_path / f"{way}.gpkg"
        gpkg_points.write_points_in_bulk({"OUT": str(path)}, "OUT", [("v", "int")], [list(range(5000))], x, y, crs)
        with sqlite3.connect(path) as connection:
            entries[way] = connection.execute(f'SELECT * FROM "rtree_{way}_geom" ORDER BY id').fetchall()
            assert connection.execute(f"SELECT rtreecheck('rtree_{way}_geom')").fetchone()[0] == "ok"
    assert entries["memory"] == entries["file"] and len(entries["memory"]) == np.isfinite(x).sum()


@pytest.mark.parametrize("source_state", ["fits", "row missing", "box moved", "none"])
def test_index_of_the_source_rows_is_copied_only_when_it_fits(pipenet_plugin, tmp_path, monkeypatch, source_state):
    from pipenet.processing.outputs import gpkg_rtree

    source, ours, reference = tmp_path / "source.gpkg", tmp_path / "ours.gpkg", tmp_path / "reference.gpkg"
    make_layer(ours, count=3000, all_present=True)
    gdal.VectorTranslate(str(source), str(ours), options="-lco SPATIAL_INDEX=" + ("NO" if source_state == "none"
                                                                                   else "YES"))
    dataset = ogr.Open(str(ours), 1)  # one row more than the source: a virtual junction, say
    layer = dataset.GetLayer(0)
    added = ogr.Feature(layer.GetLayerDefn())
    added.SetGeometry(ogr.CreateGeometryFromWkt("POINT (7 8)"))
    layer.CreateFeature(added)
    dataset = None
    gdal.VectorTranslate(str(reference), str(ours))  # GDAL's own index of every row
    with sqlite3.connect(source) as connection:
        if source_state == "row missing":
            connection.execute("DELETE FROM rtree_things_geom WHERE id = 17")
        if source_state == "box moved":  # the westmost box, as an index left stale by an edit would hold it
            connection.execute("UPDATE rtree_things_geom SET minx = minx - 1000 WHERE id = "
                               "(SELECT id FROM rtree_things_geom ORDER BY minx LIMIT 1)")
    packed = []
    real_pack = gpkg_rtree._pack
    monkeypatch.setattr(gpkg_rtree, "_pack", lambda *a: packed.append(1) or real_pack(*a))
    connection = sqlite3.connect(ours)
    try:
        connection.execute("ATTACH DATABASE ? AS pipenet_source", (str(source),))
        boxes = gpkg_rtree._boxes(connection, "things", "geom", "fid")
        assert len(boxes[0]) == 3001
        index = gpkg_rtree.index_rows(connection, "things", boxes, ("pipenet_source", "rtree_things_geom", 3000))
        gpkg_rtree.end_index(connection, index, extent=True)
    finally:
        connection.close()
    assert bool(packed) == (source_state != "fits")
    assert check(ours) == "ok" and index_rows(ours) == index_rows(reference)
