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


def _index_definition(path):
    """The R-tree's virtual table, triggers, extension row and the table's extent in gpkg_contents."""
    with sqlite3.connect(path) as connection:
        schema = connection.execute("SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'rtree_things%' "
                                    "AND type IN ('table', 'trigger') ORDER BY name").fetchall()
        extension = connection.execute("SELECT * FROM gpkg_extensions WHERE table_name = 'things'").fetchall()
        extent = connection.execute("SELECT min_x, max_x, min_y, max_y FROM gpkg_contents "
                                    "WHERE table_name = 'things'").fetchone()
    return schema, extension, extent


def test_the_index_gdal_builds_itself_equals_the_packed_one(pipenet_plugin, tmp_path):
    """GDAL 3.8 and later build the R-tree in bulk themselves, and add_spatial_index lets them; the packed
    R-tree stays beside it for Debian 12's GDAL 3.6. Both give the same index (boxes, virtual table,
    triggers, extension row) and extent. GDAL 3.6 runs the same branch here, filling one row at a time."""
    from pipenet.processing.outputs.gpkg_rtree import GDAL_BULK_RTREE, add_spatial_index, gdal_builds_rtree

    assert gdal_builds_rtree() == (int(gdal.VersionInfo()) >= GDAL_BULK_RTREE)
    by_gdal, packed = tmp_path / "by_gdal.gpkg", tmp_path / "packed.gpkg"
    make_layer(by_gdal)
    make_layer(packed)
    add_spatial_index(str(by_gdal), "things", extent=True, by_gdal=True)
    add_spatial_index(str(packed), "things", extent=True, by_gdal=False)
    assert check(by_gdal) == check(packed) == "ok"
    assert index_rows(by_gdal) == index_rows(packed) and len(index_rows(packed)) == 5998
    assert _index_definition(by_gdal) == _index_definition(packed)
    layer = QgsVectorLayer(f"{by_gdal}|layername=things", "things", "ogr")
    assert layer.hasSpatialIndex() == QgsFeatureSource.SpatialIndexPresent


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


@pytest.mark.parametrize("source_state", ["intact", "row missing", "box moved", "inner box moved", "leaf damaged"])
def test_an_inputs_own_index_is_never_trusted(pipenet_plugin, sample_county, tmp_path, source_state):
    """Whatever state a GeoPackage input's R-tree is in (an edit left it stale, a leaf is damaged: the root
    and the row count may still look right), the output's index is made from the rows: box for box the
    index GDAL makes of the output, and rtreecheck finds nothing."""
    from qgis import processing

    source = sample_county(6.0, 7)
    with sqlite3.connect(source) as connection:
        rtree = "rtree_pipes_geom"
        if source_state == "row missing":
            connection.execute(f"DELETE FROM {rtree} WHERE id = 17")
        if source_state == "box moved":  # the westmost box, as an index left stale by an edit would hold it
            connection.execute(f"UPDATE {rtree} SET minx = minx - 1000 WHERE id = "
                               f"(SELECT id FROM {rtree} ORDER BY minx LIMIT 1)")
        if source_state == "inner box moved":  # a box inside the extent: the root still looks right
            connection.execute(f"UPDATE {rtree} SET minx = minx + 5, maxx = maxx + 5 WHERE id = 50")
        if source_state == "leaf damaged":  # one cell of a leaf names another row: its own row is unreachable
            nodeno, data = connection.execute(
                f"SELECT nodeno, data FROM {rtree}_node WHERE nodeno NOT IN "
                f"(SELECT parentnode FROM {rtree}_parent) AND nodeno <> 1 LIMIT 1").fetchone()
            damaged = bytearray(data)
            damaged[4:12] = (10 ** 6).to_bytes(8, "big")
            connection.execute(f"UPDATE {rtree}_node SET data = ? WHERE nodeno = ?", (bytes(damaged), nodeno))
    ours, reference = tmp_path / "ours.gpkg", tmp_path / "reference.gpkg"
    processing.run("pipenet:buildnetwork", {"PIPES": f"{source}|layername=pipes", "NODES": f"{source}|layername=nodes",
                                            "OUTPUT_PIPES": str(ours)})
    gdal.VectorTranslate(str(reference), str(ours))  # GDAL's own index of the output's rows
    with sqlite3.connect(ours) as mine, sqlite3.connect(reference) as theirs:
        table = mine.execute("SELECT table_name FROM gpkg_geometry_columns").fetchone()[0]
        rows = [connection.execute(f'SELECT * FROM "rtree_{table}_geom" ORDER BY id').fetchall()
                for connection in (mine, theirs)]
        assert mine.execute(f"SELECT rtreecheck('rtree_{table}_geom')").fetchone()[0] == "ok"
    assert rows[0] == rows[1] and len(rows[0]) > 100
