"""Lines cut where a manhole or another pipe's end lies on their interior (network/planar.py)."""

import copy
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pipenet.network import BuildOptions, LayerData, NodeRecord, PipeRecord, build_network

DATA = Path(__file__).resolve().parents[1] / "data" / "montpelier"


def pipes_layer(rows, fields=None):
    records = [PipeRecord(fid, [coords], {"id": pipe_id, **extra}) for fid, (pipe_id, coords, extra) in enumerate(rows)]
    names = ["id"] + sorted({k for _, _, extra in rows for k in extra})
    return LayerData("pipes", fields or names, records)


def nodes_layer(rows):
    return LayerData("nodes", ["点号"], [NodeRecord(fid, xy, {"点号": node_id})
                                        for fid, (node_id, xy) in enumerate(rows)])


def edges(network):
    return sorted(network.graph.edges(keys=True))


def checks(network, check):
    return sorted((f.feature_id, f.value) for f in network.findings if f.check == check)


def test_line_through_a_manhole_is_two_pieces_joined_there():
    nodes = nodes_layer([("A", (0, 0)), ("M", (50, 0.2)), ("B", (100, 0))])
    network = build_network(pipes_layer([("P1", [(0, 0), (100, 0)], {})]), nodes)
    assert edges(network) == [("A", "M", "P1#1"), ("M", "B", "P1#2")]
    assert checks(network, "node_on_pipe") == [("P1", "M")]
    assert [f.severity for f in network.findings if f.check == "node_on_pipe"] == ["info"]
    assert network.summary()["components"] == 1 and network.findings[0].x == pytest.approx(50.0)
    results = network.pipe_results[0]
    assert [(r.pipe_id, r.part, r.source_part, r.fid) for r in results] == [("P1#1", 1, 1, 0), ("P1#2", 2, 1, 0)]
    assert results[0].cut == (None, (50.0, 0.0)) and results[1].cut == ((50.0, 0.0), None)
    assert [round(r.share, 3) for r in results] == [0.5, 0.5] and [r.length for r in results] == [50.0, 50.0]
    assert network.table().edge_values("part").tolist() == [1, 2]


def test_lateral_ending_on_a_main_cuts_it_at_a_virtual_node():
    pipes = pipes_layer([("MAIN", [(0, 0), (100, 0)], {"类别": "WS"}), ("LAT", [(40, 30), (40, 0.3)], {"类别": "WS"})])
    network = build_network(pipes)
    assert edges(network) == [("V1", "V2", "MAIN#1"), ("V2", "V3", "MAIN#2"), ("V4", "V2", "LAT")]
    assert [(f.check, f.feature_id, f.value, f.severity) for f in network.findings
            if f.check.endswith("_on_pipe")] == [("end_on_pipe", "MAIN", "LAT", "warning")]
    found = [f for f in network.findings if f.check == "end_on_pipe"][0]
    assert "支管" not in found.message_zh and "CJJ 181" in found.fix and found.message_en.startswith("Pipe LAT ends")
    # the joined end is neither dangling nor a near miss any more
    assert checks(network, "near_miss") == []
    assert ("LAT", "V2") not in checks(network, "dangling_end")
    assert network.graph.degree("V2") == 3
    # on storm pipes the same is information
    storm = build_network(pipes_layer([("MAIN", [(0, 0), (100, 0)], {"类别": "YS"}),
                                       ("LAT", [(40, 30), (40, 0.3)], {"类别": "YS"})]))
    assert [f.severity for f in storm.findings if f.check == "end_on_pipe"] == ["info"]


def test_point_within_tolerance_but_off_the_line_is_no_cut():
    nodes = nodes_layer([("A", (0, 0)), ("M", (50, 0.8)), ("B", (100, 0))])
    network = build_network(pipes_layer([("P1", [(0, 0), (100, 0)], {})]), nodes)
    assert edges(network) == [("A", "B", "P1")] and checks(network, "node_on_pipe") == []
    # 0.4 m off: within the 0.5 m tolerance, a cut at the nearest place on the line
    network = build_network(pipes_layer([("P1", [(0, 0), (100, 0)], {})]),
                            nodes_layer([("A", (0, 0)), ("M", (30, 0.4)), ("B", (100, 0))]))
    assert edges(network) == [("A", "M", "P1#1"), ("M", "B", "P1#2")]
    assert network.pipe_results[0][0].cut[1] == (30.0, 0.0)


def test_point_near_an_end_snaps_and_near_a_vertex_cuts_at_the_vertex():
    line = [(0, 0), (30, 0), (100, 0)]
    # 0.3 m along from the end: the end snaps to it, no sliver
    network = build_network(pipes_layer([("P1", line, {})]), nodes_layer([("A", (0.3, 0.1)), ("B", (100, 0))]))
    assert edges(network) == [("A", "B", "P1")] and checks(network, "node_on_pipe") == []
    # 0.3 m from the interior vertex at 30: cut at the vertex itself
    network = build_network(pipes_layer([("P1", line, {})]),
                            nodes_layer([("A", (0, 0)), ("M", (30.3, 0.1)), ("B", (100, 0))]))
    assert edges(network) == [("A", "M", "P1#1"), ("M", "B", "P1#2")]
    assert network.pipe_coords["P1#1"][-1].tolist() == [30.0, 0.0]
    assert network.pipe_coords["P1#2"].tolist() == [[30.0, 0.0], [100.0, 0.0]]


def test_several_nodes_on_one_line_make_k_plus_one_pieces_in_order():
    nodes = nodes_layer([("A", (0, 0)), ("M3", (75, 0)), ("M1", (25, 0)), ("M2", (50, 0)), ("B", (100, 0))])
    # drawn from B to A: pieces numbered along the drawing
    network = build_network(pipes_layer([("P1", [(100, 0), (0, 0)], {})]), nodes)
    assert [(r.pipe_id, r.part, r.from_node, r.to_node) for r in network.pipe_results[0]] == [
        ("P1#1", 1, "B", "M3"), ("P1#2", 2, "M3", "M2"), ("P1#3", 3, "M2", "M1"), ("P1#4", 4, "M1", "A")]
    assert checks(network, "node_on_pipe") == [("P1", "M1"), ("P1", "M2"), ("P1", "M3")]
    # two manholes closer than the tolerance along the line: one cut, the first node's
    network = build_network(pipes_layer([("P1", [(0, 0), (100, 0)], {})]),
                            nodes_layer([("A", (0, 0)), ("M1", (50, 0)), ("M2", (50.3, 0)), ("B", (100, 0))]))
    assert len(network.pipe_results[0]) == 2 and len(checks(network, "node_on_pipe")) == 1


def test_option_off_keeps_the_old_behaviour():
    nodes = nodes_layer([("A", (0, 0)), ("M", (50, 0)), ("B", (100, 0))])
    pipes = pipes_layer([("P1", [(0, 0), (100, 0)], {}), ("LAT", [(40, 30), (40, 0)], {})])
    network = build_network(pipes, nodes, options=BuildOptions(split_at_nodes=False))
    assert edges(network) == [("A", "B", "P1"), ("V1", "V2", "LAT")]
    assert checks(network, "orphan_node") == [("M", "")]
    assert ("LAT", "0") in checks(network, "near_miss")
    assert not [f for f in network.findings if f.check.endswith("_on_pipe")]
    assert network.pipe_results[0][0].cut is None and network.pipe_results[0][0].share == 1.0
    split = build_network(pipes, nodes)
    assert len(split.table().keys) == 4 and checks(split, "orphan_node") == []


def test_inverts_interpolated_and_lengths_apportioned():
    nodes = nodes_layer([("A", (0, 0)), ("M", (25, 0)), ("B", (100, 0))])
    pipes = pipes_layer([("P1", [(0, 0), (100, 0)], {"起点管底高程": 10.0, "终点管底高程": 9.0})])
    network = build_network(pipes, nodes)
    table = network.table()
    assert table.edge_numbers("up_invert").tolist() == [10.0, 9.75]
    assert table.edge_numbers("down_invert").tolist() == [9.75, 9.0]
    assert [r.share for r in network.pipe_results[0]] == [0.25, 0.75]
    assert table.edge_numbers("length").tolist() == [25.0, 75.0]


def test_input_layers_never_modified():
    nodes = nodes_layer([("A", (0, 0)), ("M", (50, 0)), ("B", (100, 0))])
    pipes = pipes_layer([("P1", [(0, 0), (100, 0)], {}), ("LAT", [(40, 30), (40, 0)], {})])
    before_pipes, before_nodes = copy.deepcopy(pipes), copy.deepcopy(nodes)
    build_network(pipes, nodes)
    assert pipes == before_pipes and nodes == before_nodes


def test_overlapping_line_ends_cut_nothing():
    pipes = pipes_layer([("P2", [(0, 0), (100, 0)], {}), ("P2part", [(60, 0), (80, 0)], {})])
    network = build_network(pipes)
    assert sorted(network.graph.edges(keys=True))[0][2] == "P2"
    assert checks(network, "overlapping_pipe") == [("P2part", "P2")] and checks(network, "end_on_pipe") == []


def _subnetworks(network):
    components = Counter(network.table().edge_values("component").tolist())
    return len(components), components.most_common(1)[0][1]


@pytest.mark.skipif(not (DATA / "town_linear_features.geojson").exists(), reason="Montpelier data missing")
def test_montpelier_town_sewers_join_up():
    pytest.importorskip("geopandas")
    import geopandas

    from pipenet.network.api import build_network as build

    pipes = geopandas.read_file(DATA / "town_linear_features.geojson").to_crs(32145)
    points = geopandas.read_file(DATA / "town_point_features.geojson").to_crs(32145)
    before = build(pipes, points, snap_tolerance=0.5, options=BuildOptions(split_at_nodes=False))
    after = build(pipes, points, snap_tolerance=0.5)
    (count_before, largest_before), (count_after, largest_after) = _subnetworks(before), _subnetworks(after)
    # 86 subnetworks (largest 504 pipes) with the 6 abandoned lines; they leave the graph by default
    assert (count_before, largest_before) == (82, 502)
    # ../shared/tools/planar_components.py (independent, shapely + networkx) finds 31 components
    # (largest 1,166 nodes) on the same lines, points and 0.5 m. It counts components of a graph
    # of line pieces only, and joins ends lying in neighbouring 0.5 m grid cells (up to ~1.4 m
    # apart); PipeNet counts subnetworks of pipes (manholes with no pipe are not subnetworks) and
    # joins ends within 0.5 m of a manhole or of each other, so it finds a few more.
    assert count_after <= 45 and count_after < count_before / 2
    assert largest_after > 1.4 * largest_before
    found = Counter(f.check for f in after.findings)
    assert found["node_on_pipe"] > 50 and found["end_on_pipe"] > 30
    assert found["dangling_end"] < Counter(f.check for f in before.findings)["dangling_end"]
    frame = after.pipes_frame()
    # the abandoned lines are written too, flagged (no subnetwork)
    assert len(frame) == len(after.table().keys) + after.summary()["inactive_pipes_left_out"]
    assert np.isclose(frame.length.sum(), pipes.length.sum())


def test_a_line_passing_its_own_end_node_is_not_cut_there():
    """A pipe drawn 0.9 m past its from-manhole (a near miss, the sample's injected kind) passes within
    the tolerance of that manhole part-way along: cutting there would make a loop at the manhole."""
    nodes = nodes_layer([("A", (0, 0)), ("B", (0, -40))])
    pipes = pipes_layer([("P1", [(0.05, 0.9), (0, -40)], {"from": "A", "to": "B"})])
    network = build_network(pipes, nodes)
    assert edges(network) == [("A", "B", "P1")]
    assert checks(network, "node_on_pipe") == [] and checks(network, "self_loop") == []
