"""Write PipeNet's bad-input corpus: small files, one per case, with the outcome each must give.

Run directly to print its rows of the table in docs/bad-data.md: python3 tests/hardening/corpus.py
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from osgeo import ogr, osr

X0, Y0 = 500000.0, 3400000.0


@dataclass
class Case:
    """One bad input: layers, extra parameters, and what PipeNet must answer."""

    name: str
    description: str
    outcome: str                                  # what docs/bad-data.md says happens
    pipes: str = ""
    nodes: str = ""
    parameters: dict = field(default_factory=dict)
    expect_error: list[str] = field(default_factory=list)   # substrings of the one-line error
    expect_checks: list[str] = field(default_factory=list)  # findings that must name the problem
    expect_pipes: int | None = None


def _layer(path: Path, name: str, kind, fields, rows, epsg=4549, options=()):
    driver = ogr.GetDriverByName("GPKG")
    source = driver.Open(str(path), 1) if path.exists() else driver.CreateDataSource(str(path))
    srs = None
    if epsg:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
    layer = source.CreateLayer(name, srs, kind, options=list(options))
    for field_name, field_type in fields:
        layer.CreateField(ogr.FieldDefn(field_name, field_type))
    for wkt, values in rows:
        feature = ogr.Feature(layer.GetLayerDefn())
        if wkt:
            feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        for key, value in values.items():
            if value is not None:
                feature.SetField(key, value)
        layer.CreateFeature(feature)
    source = None
    return f"{path}|layername={name}"


def line(*points, offset=(X0, Y0)):
    return "LINESTRING (" + ", ".join(f"{offset[0] + x} {offset[1] + y}" for x, y in points) + ")"


def build_corpus(folder: Path) -> list[Case]:
    """Write every case under ``folder`` and return the list."""
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "corpus.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    text = [("pipe_id", ogr.OFTString), ("管径", ogr.OFTString), ("起点埋深", ogr.OFTReal)]
    cases = []

    def pipes_case(name, description, outcome, rows, kind=ogr.wkbLineString, epsg=4549, **expect):
        path = _layer(gpkg, name, kind, text, rows, epsg)
        cases.append(Case(name, description, outcome, pipes=path, **expect))

    good = (line((0, 0), (50, 0)), {"pipe_id": "OK1", "管径": "DN300"})
    pipes_case("null_and_empty", "null and empty geometries", "skipped and reported (null_geometry)",
               [good, (None, {"pipe_id": "NULL1"}), ("LINESTRING EMPTY", {"pipe_id": "EMPTY1"})],
               expect_checks=["null_geometry"])
    pipes_case("zero_length", "zero-length pipe", "left out of the graph, reported (zero_length)",
               [good, (line((10, 10), (10, 10)), {"pipe_id": "Z1"})], expect_checks=["zero_length"])
    pipes_case("self_intersecting", "self-intersecting line", "kept; both ends joined if they meet (self_loop)",
               [(line((0, 0), (40, 0), (40, 40), (20, -10), (0, 0.1)), {"pipe_id": "S1"})],
               expect_checks=["self_loop"])
    pipes_case("multipart", "multi-part lines", "split into parts, reported (multipart)",
               [(f"MULTILINESTRING (({X0} {Y0}, {X0 + 50} {Y0}), ({X0 + 60} {Y0}, {X0 + 90} {Y0}))",
                 {"pipe_id": "M1"})], kind=ogr.wkbMultiLineString, expect_checks=["multipart"], expect_pipes=2)
    pipes_case("curved", "curved geometry (circular arcs)", "segmentised; length follows the arc",
               [(f"COMPOUNDCURVE (CIRCULARSTRING ({X0} {Y0}, {X0 + 10} {Y0 + 10}, {X0 + 20} {Y0}))",
                 {"pipe_id": "C1"})], kind=ogr.wkbCompoundCurve, expect_pipes=1)
    pipes_case("z_and_m", "3D and M coordinates", "Z/M ignored for topology, kept in the output",
               [(f"LINESTRING ZM ({X0} {Y0} 5 1, {X0 + 50} {Y0} 4 2)", {"pipe_id": "ZM1"})],
               kind=ogr.wkbLineStringZM, expect_pipes=1)
    pipes_case("many_vertices", "a pipe with 2,500 vertices", "read and measured like any other",
               [(line(*[(i * 0.1, math.sin(i / 50.0)) for i in range(2500)]), {"pipe_id": "V1"})], expect_pipes=1)
    pipes_case("huge_coordinates", "coordinates of 1e12", "accepted; measured as given",
               [(line((0, 0), (50, 0), offset=(1e12, 1e12)), {"pipe_id": "H1"})], expect_pipes=1)
    pipes_case("no_crs", "no CRS", "taken as planar metres",
               [(line((0, 0), (50, 0)), {"pipe_id": "N1"})], epsg=None, expect_pipes=1)
    pipes_case("geographic", "geographic CRS (EPSG:4326)", "measured in metres in UTM / CGCS2000 GK",
               [(line((0, 0), (0.001, 0), offset=(119.68, 30.64)), {"pipe_id": "G1"})], epsg=4326, expect_pipes=1)
    pipes_case("text_numbers", "numbers as text: DN300, Φ300, 300mm, d=0.3, 1200×800, １２０, n/a",
               "parsed; what is not a number is reported (unparsed_value)",
               [(line((i * 60, 0), (i * 60 + 50, 0)), {"pipe_id": f"T{i}", "管径": value})
                for i, value in enumerate(["DN300", "Φ300", "300mm", "d=0.3", "1200×800", "１２０", "n/a"])],
               expect_checks=["unparsed_value"], expect_pipes=7)
    pipes_case("bad_numbers", "NaN, inf and negative depths", "reported (implausible_depth), never fatal",
               [(line((0, 0), (50, 0)), {"pipe_id": "D1", "起点埋深": -2.0}),
                (line((60, 0), (90, 0)), {"pipe_id": "D2", "起点埋深": float("nan")}),
                (line((100, 0), (150, 0)), {"pipe_id": "D3", "起点埋深": float("inf")})],
               expect_checks=["implausible_depth"], expect_pipes=3)
    pipes_case("duplicate_ids", "duplicate, empty and 100-character ids", "made unique, reported (duplicate_id)",
               [(line((0, 0), (50, 0)), {"pipe_id": "DUP"}), (line((50, 0), (90, 0)), {"pipe_id": "DUP"}),
                (line((90, 0), (120, 0)), {"pipe_id": ""}), (line((120, 0), (150, 0)), {"pipe_id": "L" * 100})],
               expect_checks=["duplicate_id"], expect_pipes=4)
    pipes_case("empty_layer", "a layer with 0 features", "succeeds with empty outputs", [], expect_pipes=0)
    path = _layer(gpkg, "points_as_pipes", ogr.wkbPoint, text, [(f"POINT ({X0} {Y0})", {"pipe_id": "P"})])
    cases.append(Case("point_layer", "a point layer given as PIPES", "clean error naming the layer and PIPES",
                      pipes=path, expect_error=["points_as_pipes", "PIPES"]))
    path = _layer(gpkg, "polygons_as_pipes", ogr.wkbPolygon, text,
                  [(f"POLYGON (({X0} {Y0}, {X0 + 1} {Y0}, {X0} {Y0 + 1}, {X0} {Y0}))", {"pipe_id": "A"})])
    cases.append(Case("polygon_layer", "a polygon layer given as PIPES", "clean error naming the layer and PIPES",
                      pipes=path, expect_error=["polygons_as_pipes", "PIPES"]))
    pipes = _layer(gpkg, "plain_pipes", ogr.wkbLineString, text, [good])
    cases.append(Case("missing_field", "a field chosen in the parameters that the layer lacks",
                      "clean error naming the layer and the field", pipes=pipes,
                      parameters={"DIAMETER_FIELD": "not_there"}, expect_error=["not_there"]))
    nodes = _layer(gpkg, "nodes_4326", ogr.wkbPoint, [("点号", ogr.OFTString)],
                   [("POINT (119.67860 30.65520)", {"点号": "A"})], epsg=4326)
    cases.append(Case("nodes_other_crs", "pipes and nodes in different CRSs", "nodes reprojected (logged), joined",
                      pipes=pipes, nodes=nodes, expect_pipes=1))
    readonly = folder / "readonly.gpkg"
    if readonly.exists():
        os.chmod(readonly, 0o644)
        readonly.unlink()
    path = _layer(readonly, "pipes", ogr.wkbLineString, text, [good])
    os.chmod(readonly, 0o444)
    cases.append(Case("read_only_input", "a read-only input file", "read as usual; inputs are never written",
                      pipes=path, expect_pipes=1))
    unicode_folder = folder / "管网 数据"
    unicode_folder.mkdir(exist_ok=True)
    path = _layer(unicode_folder / "雨水管线.gpkg", "雨水管线", ogr.wkbLineString, text, [good])
    cases.append(Case("unicode_path", "paths with spaces and Chinese characters", "read and written as usual",
                      pipes=path, expect_pipes=1))
    return cases


if __name__ == "__main__":
    import tempfile

    print("| case | PipeNet's answer |\n|---|---|")
    for case in build_corpus(Path(tempfile.mkdtemp())):
        print(f"| {case.description} | {case.outcome} |")
