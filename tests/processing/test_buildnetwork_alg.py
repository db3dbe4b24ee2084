"""pipenet:buildnetwork in a real QGIS: GeoPackage, GBK shapefile, EPSG:4326, cache, bad input."""

import os
from pathlib import Path

import pytest
from qgis.core import NULL, QgsProcessingException, QgsProject, QgsVectorLayer

DATA = Path(__file__).resolve().parents[1] / "data"

PIPE_FIELDS = [("管线编号", "str"), ("起点点号", "str"), ("终点点号", "str"), ("管径", "str"),
               ("起点埋深", "float"), ("终点埋深", "float"), ("类别", "str")]
NODE_FIELDS = [("物探点号", "str"), ("地面高程", "float"), ("附属物", "str")]


def chinese_network(write_layer, epsg=4549, x0=500000.0, y0=3400000.0, scale=1.0):
    """Three manholes, two YS pipes, one dangling WS pipe drawn against its inverts."""
    def pt(x, y):
        return f"{x0 + x * scale} {y0 + y * scale}"
    nodes = write_layer("nodes", "Point", NODE_FIELDS, [
        {"物探点号": "YS1", "地面高程": 10.0, "附属物": "检查井", "wkt": f"POINT ({pt(0, 0)})"},
        {"物探点号": "YS2", "地面高程": 10.0, "附属物": "检查井", "wkt": f"POINT ({pt(40, 0)})"},
        {"物探点号": "YS3", "地面高程": 10.0, "附属物": "出水口", "wkt": f"POINT ({pt(80, 0)})"},
    ], epsg=epsg)
    pipes = write_layer("pipes", "LineString", PIPE_FIELDS, [
        {"管线编号": "G1", "起点点号": "YS1", "终点点号": "YS2", "管径": "DN300", "起点埋深": 1.5,
         "终点埋深": 1.7, "类别": "YS", "wkt": f"LINESTRING ({pt(0, 0)}, {pt(40, 0)})"},
        {"管线编号": "G2", "起点点号": "YS2", "终点点号": "YS3", "管径": "DN400", "起点埋深": 1.8,
         "终点埋深": 2.0, "类别": "YS", "wkt": f"LINESTRING ({pt(40, 0)}, {pt(80, 0)})"},
        {"管线编号": "W1", "管径": "300", "起点埋深": 2.0, "终点埋深": 1.0, "类别": "污水",
         "wkt": f"LINESTRING ({pt(81.2, 0)}, {pt(120, 0)})"},
    ], epsg=epsg)
    return pipes, nodes


def run_build(pipes, nodes=None, **extra):
    from qgis import processing

    parameters = {"PIPES": pipes, "NODES": nodes, "OUTPUT_PIPES": "TEMPORARY_OUTPUT",
                  "OUTPUT_NODES": "TEMPORARY_OUTPUT", "OUTPUT_FINDINGS": "TEMPORARY_OUTPUT", **extra}
    return processing.run("pipenet:buildnetwork", parameters)


def rows(layer, *names):
    return sorted(tuple(f[n] for n in names) for f in layer.getFeatures())


def test_chinese_gpkg_network(pipenet_plugin, write_layer):
    pipes, nodes = chinese_network(write_layer)
    result = run_build(pipes, nodes)
    out = result["OUTPUT_PIPES"]
    assert out.featureCount() == 3
    names = out.fields().names()
    assert names[:7] == [n for n, _ in PIPE_FIELDS]  # input attributes kept, in order
    assert {"pn_id", "pn_from", "pn_to", "pn_dir_src", "pn_length", "pn_comp"} <= set(names)
    assert rows(out, "pn_id", "pn_from", "pn_to", "pn_dir_src", "pn_system", "pn_diam_mm") == [
        ("G1", "YS1", "YS2", "ids", "storm", 300.0),
        ("G2", "YS2", "YS3", "ids", "storm", 400.0),
        ("W1", "V1", "V2", "digitised", "sanitary", 300.0),
    ]
    assert rows(out, "pn_id", "pn_length")[0][1] == pytest.approx(40.0)
    nodes_out = result["OUTPUT_NODES"]
    assert rows(nodes_out, "pn_id", "pn_virtual", "pn_type", "pn_degree") == [
        ("V1", 1, None, 1), ("V2", 1, None, 1), ("YS1", 0, "manhole", 1), ("YS2", 0, "manhole", 2),
        ("YS3", 0, "outfall", 1)]
    checks = rows(result["OUTPUT_FINDINGS"], "check", "feature_id", "value")
    assert ("near_miss", "W1", "1.2") in checks
    assert ("dangling_end", "W1", "V1") in checks and ("dangling_end", "W1", "V2") in checks
    assert result["PIPE_COUNT"] == 3 and result["COMPONENT_COUNT"] == 2
    assert "near_miss=1" in result["FINDINGS_BY_CHECK"]
    finding = next(result["OUTPUT_FINDINGS"].getFeatures())
    assert finding["message_zh"] and finding["fix"] and finding.geometry().asPoint().x() > 400000


def test_geographic_crs_uses_metres(pipenet_plugin, write_layer):
    # ~1 m in degrees near Anji: an end 1.2 m off must be a near miss, not snapped at 0.5 m
    pipes, nodes = chinese_network(write_layer, epsg=4490, x0=119.68, y0=30.64, scale=1e-5)
    result = run_build(pipes, nodes)
    checks = rows(result["OUTPUT_FINDINGS"], "check", "feature_id")
    assert ("near_miss", "W1") in checks
    lengths = dict(rows(result["OUTPUT_PIPES"], "pn_id", "pn_length"))
    assert lengths["G1"] == pytest.approx(40 * 0.96, rel=0.05)  # 1e-5 deg of longitude at 30.6 N
    assert result["OUTPUT_PIPES"].crs().authid() == "EPSG:4490"


def test_foot_crs_is_measured_in_metres(pipenet_plugin, write_layer):
    # EPSG:2263 (NAD83 / New York Long Island, US survey foot): a 1000 ft line is ~304.8 m
    pipes = write_layer("feet", "LineString", [("code", "str")], [
        {"code": "F1", "wkt": "LINESTRING (990000 200000, 991000 200000)"}], epsg=2263)
    result = run_build(pipes, None)
    lengths = dict(rows(result["OUTPUT_PIPES"], "pn_id", "pn_length"))
    assert lengths["F1"] == pytest.approx(1000 * 1200 / 3937, rel=1e-3)
    assert result["OUTPUT_PIPES"].crs().authid() == "EPSG:2263"


def test_field_override_parameters(pipenet_plugin, write_layer):
    pipes = write_layer("p", "LineString", [("code", "str"), ("size_x", "str")], [
        {"code": "A", "size_x": "0.3", "wkt": "LINESTRING (0 0, 10 0)"},
        {"code": "B", "size_x": "0.5", "wkt": "LINESTRING (10 0, 20 0)"}])
    result = run_build(pipes, DIAMETER_FIELD="size_x", PIPE_ID_FIELD="code")
    assert rows(result["OUTPUT_PIPES"], "pn_id", "pn_diam_mm") == [("A", 300.0), ("B", 500.0)]


def make_gbk_shapefile(tmp_path, write_layer):
    from osgeo import gdal

    folder = tmp_path / "管网 数据"
    folder.mkdir()
    # QGIS sets SHAPE_ENCODING="" (no recoding); unset it so GDAL really writes GBK bytes
    previous = gdal.GetConfigOption("SHAPE_ENCODING")
    gdal.SetConfigOption("SHAPE_ENCODING", None)
    path = write_layer("雨水管线", "LineString", [("管线编号", "str"), ("管径", "str"), ("类别", "str")], [
        {"管线编号": "YS001", "管径": "DN300", "类别": "雨水", "wkt": "LINESTRING (0 0, 50 0)"},
        {"管线编号": "YS002", "管径": "DN400", "类别": "雨水", "wkt": "LINESTRING (50 0, 90 0)"}],
        path=folder / "雨水管线.shp", driver="ESRI Shapefile", encoding="GBK")
    gdal.SetConfigOption("SHAPE_ENCODING", previous)
    assert "雨水".encode("gbk") in (folder / "雨水管线.dbf").read_bytes()
    os.remove(folder / "雨水管线.cpg")
    dbf = folder / "雨水管线.dbf"
    data = bytearray(dbf.read_bytes())
    data[29] = 0  # no language id either: exactly what Chinese survey tools write
    dbf.write_bytes(bytes(data))
    return path


def test_gbk_shapefile_without_cpg_is_read_without_mojibake(pipenet_plugin, write_layer, tmp_path):
    path = make_gbk_shapefile(tmp_path, write_layer)
    layer = QgsVectorLayer(path, "雨水管线", "ogr")
    assert layer.fields().names() != ["管线编号", "管径", "类别"]  # QGIS alone shows mojibake
    result = run_build(layer)
    out = result["OUTPUT_PIPES"]
    assert out.fields().names()[:3] == ["管线编号", "管径", "类别"]
    assert rows(out, "管线编号", "类别", "pn_system", "pn_diam_mm") == [
        ("YS001", "雨水", "storm", 300.0), ("YS002", "雨水", "storm", 400.0)]
    assert layer.dataProvider().encoding() != "GBK"  # the user's layer is left as it was


def test_geojson_with_repeated_feature_ids(pipenet_plugin):
    # every point in the town file has "id": 0; nodes must still be told apart
    result = run_build(str(DATA / "montpelier" / "town_linear_features.geojson"),
                       str(DATA / "montpelier" / "town_point_features.geojson"))
    assert result["OUTPUT_NODES"].featureCount() >= 1059
    ids = [f["pn_id"] for f in result["OUTPUT_NODES"].getFeatures()]
    assert len(ids) == len(set(ids))


def test_montpelier_state_lines_build_without_mapping(pipenet_plugin):
    result = run_build(str(DATA / "montpelier" / "state_linear_features.geojson"),
                       str(DATA / "montpelier" / "town_point_features.geojson"))
    systems = {f["pn_system"] for f in result["OUTPUT_PIPES"].getFeatures()}
    assert {"storm", "sanitary", "combined"} <= systems
    assert result["PIPE_COUNT"] >= 4874
    types = {f["pn_type"] for f in result["OUTPUT_NODES"].getFeatures()}
    assert {"manhole", "inlet", "outfall"} <= types


def test_point_layer_as_pipes_is_a_clear_error(pipenet_plugin, write_layer):
    points = write_layer("pts", "Point", [("id", "str")], [{"id": "a", "wkt": "POINT (0 0)"}])
    with pytest.raises(QgsProcessingException, match="PIPES"):
        run_build(points)


def test_unknown_override_field_is_a_clear_error(pipenet_plugin, write_layer):
    from qgis import processing

    pipes, _ = chinese_network(write_layer)
    with pytest.raises(QgsProcessingException, match="nope"):
        processing.run("pipenet:buildnetwork", {"PIPES": pipes, "DIAMETER_FIELD": "nope",
                                                "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})


def test_graph_cached_until_the_pipe_layer_is_edited(pipenet_plugin, write_layer):
    from pipenet.processing.runtime.cache import NETWORK_CACHE

    pipes_path, nodes_path = chinese_network(write_layer)
    pipes = QgsVectorLayer(pipes_path, "pipes", "ogr")
    nodes = QgsVectorLayer(nodes_path, "nodes", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    try:
        before = NETWORK_CACHE.builds
        run_build(pipes.id(), nodes.id())
        run_build(pipes.id(), nodes.id())
        assert NETWORK_CACHE.builds == before + 1  # second run reused the graph
        pipes.startEditing()
        feature = next(f for f in pipes.getFeatures() if f["管线编号"] == "W1")
        pipes.deleteFeature(feature.id())
        pipes.commitChanges()
        result = run_build(pipes.id(), nodes.id())
        assert NETWORK_CACHE.builds == before + 2
        assert result["PIPE_COUNT"] == 2
        run_build(pipes.id(), nodes.id())
        assert NETWORK_CACHE.builds == before + 2
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_input_layers_are_not_modified(pipenet_plugin, write_layer):
    pipes_path, nodes_path = chinese_network(write_layer)
    before = Path(pipes_path.split("|")[0]).read_bytes()
    run_build(pipes_path, nodes_path)
    assert Path(pipes_path.split("|")[0]).read_bytes() == before


def test_memory_layer_curves_zm_and_selection(pipenet_plugin):
    from qgis.core import QgsFeature, QgsGeometry, QgsProcessingFeatureSourceDefinition

    layer = QgsVectorLayer("CompoundCurveZM?crs=EPSG:4549&field=id:string", "curvy", "memory")
    features = []
    for pipe_id, wkt in (
            ("C1", "CompoundCurveZM ((500000 3400000 5 0, 500010 3400000 5 0), "
                   "CircularStringZM (500010 3400000 5 0, 500020 3400010 5 0, 500030 3400000 5 0))"),
            ("C2", "CompoundCurveZM ((500030 3400000 4 0, 500060 3400000 3 0))"),
            ("C3", "CompoundCurveZM ((500100 3400000 4 0, 500160 3400000 3 0))")):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([pipe_id])
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    QgsProject.instance().addMapLayer(layer)
    try:
        result = run_build(layer.id())
        lengths = dict(rows(result["OUTPUT_PIPES"], "pn_id", "pn_length"))
        assert lengths["C1"] == pytest.approx(10 + 3.14159 * 10, rel=0.01)  # the arc, not its chord
        assert result["COMPONENT_COUNT"] == 2
        layer.selectByIds([f.id() for f in layer.getFeatures() if f["id"] in ("C1", "C2")])
        selected = run_build(QgsProcessingFeatureSourceDefinition(layer.id(), True))
        assert selected["PIPE_COUNT"] == 2 and selected["COMPONENT_COUNT"] == 1
    finally:
        QgsProject.instance().removeAllMapLayers()


@pytest.mark.parametrize("as_arrays", [False, True])
def test_source_fids_of_many_findings_are_each_findings_source_fid(as_arrays):
    import numpy as np

    from pipenet.network.model.findings import make_finding
    from pipenet.processing.runtime.run import NetworkRun

    pipe_fids, node_fids = [10, 11, 12], [20, 21]
    run = NetworkRun(None, None, None, None, 0.0, np.array(pipe_fids) if as_arrays else pipe_fids,
                     np.array(node_fids) if as_arrays else node_fids)
    findings = [make_finding("orphan_node", "N1", 1), make_finding("dangling_end", "P3", 2, kind="pipe"),
                make_finding("orphan_node", "N9", 9), make_finding("dangling_end", "P?", None, kind="pipe"),
                make_finding("dangling_end", "P1", 0, kind="pipe")]
    expected = [run.source_fid(finding) for finding in findings]
    assert expected == [21, 12, None, None, 10]
    assert run.source_fids([f.kind for f in findings], [f.fid for f in findings]) == expected
    run.node_fids = None  # no node layer
    assert run.source_fids([f.kind for f in findings], [f.fid for f in findings]) == [None, 12, None, None, 10]


def test_abandoned_and_proposed_pipes_are_left_out_and_flagged(pipenet_plugin, write_layer, tmp_path):
    pipes = write_layer("status_pipes", "LineString", [("pipe_id", "str"), ("Status", "str")], [
        {"pipe_id": "E1", "Status": "Existing", "wkt": "LINESTRING (500000 3400000, 500040 3400000)"},
        {"pipe_id": "A1", "Status": "Abandoned", "wkt": "LINESTRING (500040 3400000, 500080 3400000)"},
        {"pipe_id": "P1", "Status": "Proposed", "wkt": "LINESTRING (500080 3400000, 500120 3400000)"},
    ], epsg=4549)
    out = run_build(pipes)["OUTPUT_PIPES"]
    # every input feature is written; those left out have no subnetwork and say why
    assert rows(out, "pipe_id", "pn_dir_src") == [("A1", "inactive"), ("E1", "digitised"), ("P1", "inactive")]
    assert {f["pipe_id"] for f in out.getFeatures() if f["pn_comp"] is None or f["pn_comp"] == NULL} == {"A1", "P1"}
    kept = run_build(pipes, KEEP_INACTIVE=True)["OUTPUT_PIPES"]
    assert {f["pn_dir_src"] for f in kept.getFeatures()} == {"digitised"}
    written = run_build(pipes, OUTPUT_PIPES=str(tmp_path / "status.gpkg"))["OUTPUT_PIPES"]
    layer = QgsVectorLayer(written, "pipes", "ogr")
    assert rows(layer, "pipe_id", "pn_dir_src") == [("A1", "inactive"), ("E1", "digitised"), ("P1", "inactive")]


def test_a_built_network_read_back_from_its_pipes_alone_traces_from_the_original_ids(
        pipenet_plugin, write_layer, tmp_path):
    from qgis import processing

    from pipenet.network.io.frames import read_layer
    from pipenet.network.sample import generate, write_gpkg

    path = str(tmp_path / "sample.gpkg")
    write_gpkg(generate(km=20, seed=1), path, chinese=True)
    built = run_build(f"{path}|layername=pipes", f"{path}|layername=nodes",
                      OUTPUT_PIPES=str(tmp_path / "built.gpkg"))["OUTPUT_PIPES"]
    start = "WS000-0006"  # the sanitary manhole at the plant (a node of the original node layer)
    original = processing.run("pipenet:upstreamtrace", {
        "PIPES": f"{path}|layername=pipes", "NODES": f"{path}|layername=nodes", "START_NODES": start,
        "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    again = processing.run("pipenet:upstreamtrace", {"PIPES": built, "START_NODES": start,
                                                     "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    assert again["PIPE_COUNT"] == original["PIPE_COUNT"] > 5
    assert rows(again["OUTPUT_PIPES"], "pn_id") == rows(original["OUTPUT_PIPES"], "pn_id")
    # the whole topology: every pipe between the same two nodes
    first = processing.run("pipenet:buildnetwork", {"PIPES": built, "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
    assert rows(first["OUTPUT_PIPES"], "pn_id", "pn_from", "pn_to") == \
        rows(QgsVectorLayer(built, "built", "ogr"), "pn_id", "pn_from", "pn_to")
    assert len(read_layer(built)) == first["OUTPUT_PIPES"].featureCount()
