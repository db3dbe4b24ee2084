"""The analysis algorithms in a real QGIS on the hand-made networks of conftest.py."""

import pytest
from qgis.core import QgsProcessingException, QgsProject, QgsVectorLayer


def run(algorithm, network, **parameters):
    from qgis import processing

    pipes, nodes = network
    return processing.run(f"pipenet:{algorithm}", {"PIPES": pipes, "NODES": nodes, **parameters})


def values(layer, *names):
    return sorted(tuple(f[n] for n in names) for f in layer.getFeatures())


def test_connectivity(pipenet_plugin, small_network):
    result = run("connectivity", small_network, OUTPUT_PIPES="TEMPORARY_OUTPUT", OUTPUT_NODES="TEMPORARY_OUTPUT",
                 OUTPUT_SUMMARY="TEMPORARY_OUTPUT", OUTPUT_FINDINGS="TEMPORARY_OUTPUT")
    assert result["COMPONENT_COUNT"] == 2 and result["NO_OUTLET_PIPES"] == 0
    summary = values(result["OUTPUT_SUMMARY"], "component", "pipes", "nodes", "outlets")
    assert summary == [(1, 6, 7, "OUT (outfall)"), (2, 2, 3, "PLANT (plant)")]
    assert {f["pn_reach"] for f in result["OUTPUT_PIPES"].getFeatures()} == {1}
    outlets = {f["pn_id"]: f["pn_outlet"] for f in result["OUTPUT_NODES"].getFeatures() if f["pn_outlet"]}
    assert outlets == {"OUT": "outfall", "PLANT": "plant"}


def test_upstream_trace_multi_start(pipenet_plugin, small_network):
    result = run("upstreamtrace", small_network, START_NODES="Y2, W3", OUTPUT_PIPES="TEMPORARY_OUTPUT",
                 OUTPUT_NODES="TEMPORARY_OUTPUT")
    assert values(result["OUTPUT_PIPES"], "pn_start", "pn_id", "pn_order") == [
        ("W3", "G5", 1), ("Y2", "G1", 1), ("Y2", "G4", 1), ("Y2", "S1", 3), ("Y2", "S2", 2)]
    assert result["PIPE_COUNT"] == 5 and result["LENGTH_M"] == pytest.approx(50 + 50 + 50 + 50 + 50)
    distances = {f["pn_id"]: f["pn_dist"] for f in result["OUTPUT_NODES"].getFeatures() if f["pn_start"] == "Y2"}
    assert distances == {"Y2": 0.0, "Y1": 50.0, "Y4": 50.0, "W2": 100.0, "W1": 150.0}


def test_upstream_trace_system_filter_and_exclude_start(pipenet_plugin, small_network):
    result = run("upstreamtrace", small_network, START_NODES="Y2", SYSTEMS="YS", INCLUDE_START=False,
                 OUTPUT_PIPES="TEMPORARY_OUTPUT", OUTPUT_NODES="TEMPORARY_OUTPUT")
    assert values(result["OUTPUT_PIPES"], "pn_id") == [("G1",), ("G4",)]
    assert "Y2" not in {f["pn_id"] for f in result["OUTPUT_NODES"].getFeatures()}


def test_downstream_trace_path_to_outlet(pipenet_plugin, small_network):
    result = run("downstreamtrace", small_network, START_NODES="W1", OUTPUT_PIPES="TEMPORARY_OUTPUT")
    assert values(result["OUTPUT_PIPES"], "pn_id", "pn_on_path") == [
        ("G2", 1), ("G3", 1), ("G4", 1), ("S1", 1), ("S2", 1)]
    assert result["OUTLETS"] == "OUT"


def test_trace_from_points_and_unknown_start(pipenet_plugin, small_network, write_layer):
    points = write_layer("clicks", "Point", [("note", "str")],
                         [{"note": "near Y3", "wkt": "POINT (500101 3400001)"}], epsg=4549)
    result = run("upstreamtrace", small_network, START_POINTS=points, OUTPUT_PIPES="TEMPORARY_OUTPUT")
    assert {f["pn_start"] for f in result["OUTPUT_PIPES"].getFeatures()} == {"Y3"}
    with pytest.raises(QgsProcessingException, match="NOPE"):
        run("upstreamtrace", small_network, START_NODES="NOPE", OUTPUT_PIPES="TEMPORARY_OUTPUT")


def test_empty_trace_result(pipenet_plugin, small_network):
    result = run("upstreamtrace", small_network, START_NODES="W1", OUTPUT_PIPES="TEMPORARY_OUTPUT")
    assert result["PIPE_COUNT"] == 0 and result["OUTPUT_PIPES"].featureCount() == 0


def test_accumulate_with_field(pipenet_plugin, small_network):
    result = run("accumulate", small_network, ACCUMULATE_FIELD="户数", OUTPUT_PIPES="TEMPORARY_OUTPUT")
    rows = {f["pn_id"]: (f["pn_up_len"], f["pn_up_nodes"], f["pn_up_sum"])
            for f in result["OUTPUT_PIPES"].getFeatures()}
    assert rows["G3"] == (300.0, 6, 35.0)
    assert rows["S3"] == (150.0, 2, 30.0)  # CB1 and W3


def test_illicit_connections(pipenet_plugin, small_network):
    result = run("illicitconnections", small_network, OUTPUT_FINDINGS="TEMPORARY_OUTPUT")
    assert result["SANITARY_TO_STORM"] == 1 and result["STORM_TO_SANITARY"] == 1
    assert result["DIRECT_DISCHARGES"] == 1
    found = values(result["OUTPUT_FINDINGS"], "check", "feature_id", "value")
    assert ("sewage_to_storm_outfall", "S2", "OUT") in found
    assert ("storm_to_plant", "G5", "PLANT") in found
    assert ("inlet_on_sanitary", "CB1", "connected") not in found  # CB1's own pipe is storm


def test_hydraulic_checks(pipenet_plugin, small_network):
    result = run("hydraulicchecks", small_network, OUTPUT_FINDINGS="TEMPORARY_OUTPUT")
    found = values(result["OUTPUT_FINDINGS"], "check", "feature_id", "value")
    assert ("diameter_decrease", "G2", "600→400") in found
    assert ("flat_slope", "G3", "0") in found
    assert "diameter_decrease=1" in result["FINDINGS_BY_CHECK"]


def test_valve_isolation(pipenet_plugin, water_network):
    result = run("valveisolation", water_network, BREAK_PIPES="M2", OUTPUT_PIPES="TEMPORARY_OUTPUT",
                 OUTPUT_NODES="TEMPORARY_OUTPUT")
    assert result["VALVES_TO_CLOSE"] == "V1, V2, V3" and result["CUSTOMERS"] == "C1"
    assert values(result["OUTPUT_PIPES"], "pn_id") == [("M1",), ("M2",), ("M3",), ("M5",), ("S1",)]
    roles = {f["pn_id"]: f["pn_role"] for f in result["OUTPUT_NODES"].getFeatures()}
    assert roles["V3"] == "valve_to_close" and roles["C1"] == "customer"
    grown = run("valveisolation", water_network, BREAK_PIPES="M2", INOPERABLE_VALVES="V3")
    assert grown["CUSTOMERS"] == "C1, C2" and grown["VALVES_TO_CLOSE"] == "V1, V2"


def test_valve_isolation_several_breaks_from_points(pipenet_plugin, water_network, write_layer):
    points = write_layer("breaks", "Point", [("no", "int")], [
        {"no": 1, "wkt": "POINT (500090 3400002)"}, {"no": 2, "wkt": "POINT (500190 3400001)"}], epsg=4549)
    result = run("valveisolation", water_network, BREAK_POINTS=points, OUTPUT_PIPES="TEMPORARY_OUTPUT")
    assert result["SEGMENT_COUNT"] == 2
    assert values(result["OUTPUT_PIPES"], "pn_segment", "pn_id")[-1] == (2, "M4")


def test_traces_on_a_built_network_reproduce_its_topology(pipenet_plugin, small_network):
    built = run("buildnetwork", small_network, OUTPUT_PIPES="TEMPORARY_OUTPUT", OUTPUT_NODES="TEMPORARY_OUTPUT")
    again = run("upstreamtrace", (built["OUTPUT_PIPES"], built["OUTPUT_NODES"]), START_NODES="Y2",
                OUTPUT_PIPES="TEMPORARY_OUTPUT")
    assert again["PIPE_COUNT"] == 4


def test_analyses_reuse_the_cached_graph(pipenet_plugin, small_network):
    from pipenet.processing.runtime.cache import NETWORK_CACHE

    pipes = QgsVectorLayer(small_network[0], "pipes", "ogr")
    nodes = QgsVectorLayer(small_network[1], "nodes", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    try:
        before = NETWORK_CACHE.builds
        for algorithm in ("connectivity", "hydraulicchecks", "illicitconnections"):
            run(algorithm, (pipes.id(), nodes.id()))
        assert NETWORK_CACHE.builds == before + 1
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_outfall_sources(pipenet_plugin, small_network, write_layer):
    defects = write_layer("cctv", "Point", [("管段编号", "str"), ("缺陷代码", "str")],
                          [{"管段编号": "G2", "缺陷代码": "AJ2", "wkt": "POINT (500075 3400000)"}], epsg=4549)
    result = run("outfallsources", small_network, OUTFALLS="OUT", DEFECTS=defects,
                 OUTPUT_CANDIDATES="TEMPORARY_OUTPUT", OUTPUT_PLAN="TEMPORARY_OUTPUT", OUTPUT_PIPES="TEMPORARY_OUTPUT")
    candidates = values(result["OUTPUT_CANDIDATES"], "rank", "node", "score")
    assert candidates == [(1, "Y4", 3), (2, "Y2", 2)]
    assert result["FIRST_INSPECTIONS"].startswith("OUT: ")
    assert result["OUTPUT_PLAN"].featureCount() >= 2
    assert {f["pn_id"] for f in result["OUTPUT_PIPES"].getFeatures()} == {"G1", "G2", "G3", "G4"}
