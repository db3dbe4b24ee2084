"""Layers GDAL's Arrow stream cannot read safely: read feature by feature instead, never a crash.

Each case runs in a child process: a segfault or runaway memory there fails the test, not pytest.
"""

import json
from pathlib import Path

import pytest
from osgeo import gdal, ogr, osr

from .subprocess_run import run_python

X0, Y0 = 500000.0, 3400000.0


def _pipes_gpkg(path: Path, fields, rows: int = 3) -> str:
    source = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4549)
    layer = source.CreateLayer("pipes", srs, ogr.wkbLineString)
    for name, kind in fields:
        layer.CreateField(ogr.FieldDefn(name, kind))
    layer.StartTransaction()
    for row in range(rows):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(
            f"LINESTRING ({X0 + row * 50} {Y0}, {X0 + row * 50 + 50} {Y0})"))
        for number, (_, kind) in enumerate(fields):
            feature.SetField(number, f"P{row}" if kind == ogr.OFTString else row + 0.5)
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    source = None
    return str(path)


@pytest.fixture
def truncated_shapefile(tmp_path):
    """What ogr2ogr makes of the field 起点埋深 in a UTF-8 shapefile: a name cut mid-character."""
    gpkg = _pipes_gpkg(tmp_path / "in.gpkg", [("pipe_id", ogr.OFTString), ("起点埋深", ogr.OFTReal)])
    target = str(tmp_path / "pipes.shp")
    gdal.VectorTranslate(target, gpkg, layerCreationOptions=["ENCODING=UTF-8"])
    dataset = ogr.Open(target)
    names = [field.GetName() for field in dataset.GetLayer(0).schema]
    assert names[1] == "起点埋\udce6"  # 9 bytes of a 12-byte name: not UTF-8 text
    return target


@pytest.fixture
def wide_gpkg(tmp_path):
    """A GeoPackage layer of 130 fields (GDAL < 3.8's Arrow stream reads no row of it, growing in memory)."""
    fields = [(f"f{i}", ogr.OFTReal if i % 2 else ogr.OFTString) for i in range(130)]
    return _pipes_gpkg(tmp_path / "wide.gpkg", fields, rows=200)


def test_truncated_field_name_is_read_not_a_crash(truncated_shapefile):
    result = run_python(f"""
        import json
        from pipenet.network.io.arrow import read_columns
        from pipenet.network.api import build_network
        columns, _ = read_columns({truncated_shapefile!r}, None, "line", "UTF-8")
        network = build_network({truncated_shapefile!r})
        frame = network.pipes_frame()
        print(json.dumps([columns.field_names, columns.bulk_refusal, columns.attrs[columns.field_names[1]].tolist(),
                          network.summary()["pipes"], list(frame.columns)]))
        """)
    assert result.returncode == 0, result.stderr[-2000:]
    names, refusal, values, pipes, frame_columns = json.loads(result.stdout.strip().splitlines()[-1])
    assert names == ["pipe_id", "起点埋\ufffd"] and "not valid UTF-8" in refusal
    assert values == [0.5, 1.5, 2.5] and pipes == 3
    assert "起点埋\ufffd" in frame_columns  # every attribute kept


def test_truncated_field_name_through_qgis_process(qgis_process, truncated_shapefile, tmp_path):
    result = qgis_process("run", "pipenet:buildnetwork", "--json", "--", f"PIPES={truncated_shapefile}",
                          f"OUTPUT_PIPES={tmp_path}/out.gpkg", check=False)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    assert payload["results"]["PIPE_COUNT"] == 3
    assert "read feature by feature" in result.stdout + result.stderr
    dataset = ogr.Open(f"{tmp_path}/out.gpkg")
    fields = [field.GetName() for field in dataset.GetLayer(0).schema]
    assert "起点埋\ufffd" in fields and "pipe_id" in fields


def test_more_than_125_fields_read_in_bounded_memory(wide_gpkg):
    result = run_python(f"""
        import json
        from pipenet.network.io.arrow import read_columns
        from pipenet.network.api import build_network
        columns, _ = read_columns({wide_gpkg!r}, "pipes", "line")
        network = build_network({wide_gpkg!r})
        print(json.dumps([columns.count, columns.bulk_refusal, columns.attrs["f129"][:2].tolist(),
                          network.summary()["pipes"]]))
        """, memory_gb=2)
    assert result.returncode == 0, result.stderr[-2000:]
    count, refusal, values, pipes = json.loads(result.stdout.strip().splitlines()[-1])
    assert count == 200 and pipes == 200 and values == [0.5, 1.5]
    if int(gdal.VersionInfo()) < 3080000:
        assert "130 fields" in refusal


@pytest.mark.skipif(int(gdal.VersionInfo()) >= 3080000, reason="needs GDAL < 3.8's short bulk read")
def test_a_short_bulk_read_falls_back(wide_gpkg):
    """Past the version check, the rows-read check alone still catches the Arrow stream's 0 rows."""
    result = run_python(f"""
        import json
        from pipenet.network.io import arrow
        arrow.ARROW_MAX_FIELDS = 10_000
        columns, _ = arrow.read_columns({wide_gpkg!r}, "pipes", "line")
        print(json.dumps([columns.count, columns.bulk_refusal]))
        """, memory_gb=3)
    assert result.returncode == 0, result.stderr[-2000:]
    count, refusal = json.loads(result.stdout.strip().splitlines()[-1])
    assert count == 200 and refusal == "the bulk reader gave 0 of its 200 features"


def test_feature_reader_gives_the_arrow_readers_columns(tmp_path):
    """The fallback reads a layer into exactly the columns the bulk reader gives."""
    path = _pipes_gpkg(tmp_path / "same.gpkg", [("name", ogr.OFTString), ("depth", ogr.OFTReal),
                                                ("n", ogr.OFTInteger)], rows=4)
    result = run_python(f"""
        import json
        from pipenet.network.io import arrow
        bulk, _ = arrow.read_columns({path!r}, "pipes", "line")
        arrow.ARROW_MAX_FIELDS = 0
        slow, _ = arrow.read_columns({path!r}, "pipes", "line")
        same = {{name: bulk.attrs[name].tolist() == slow.attrs[name].tolist() for name in bulk.field_names}}
        print(json.dumps([same, bulk.xy.tolist() == slow.xy.tolist(), bulk.offsets.tolist() == slow.offsets.tolist(),
                          bulk.source_fids.tolist() == slow.source_fids.tolist(), slow.bulk_refusal]))
        """)
    assert result.returncode == 0, result.stderr[-2000:]
    same, xy, offsets, fids, refusal = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(same.values()) and xy and offsets and fids and refusal
