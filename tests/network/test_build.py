"""build_network on small hand-made networks: every topology finding and direction source."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipenet.network import BuildOptions, LayerData, NodeRecord, PipeNetInputError, PipeRecord, build_network
from pipenet.network.model.records import DirectionSource


def pipes_layer(rows, fields=None):
    """rows: (pipe id, [(x, y), ...] or list of parts, extra attributes)."""
    records = []
    names = ["id"] + sorted({k for _, _, extra in rows for k in extra})
    for fid, (pipe_id, coords, extra) in enumerate(rows):
        parts = coords if coords and isinstance(coords[0], list) else [coords]
        records.append(PipeRecord(fid, parts if coords else [], {"id": pipe_id, **extra}))
    return LayerData("pipes", fields or names, records)


def nodes_layer(rows):
    names = ["点号"] + sorted({k for _, _, extra in rows for k in extra})
    return LayerData("nodes", names, [NodeRecord(fid, xy, {"点号": node_id, **extra})
                                      for fid, (node_id, xy, extra) in enumerate(rows)])


def checks(network, check):
    return sorted((f.feature_id, f.value) for f in network.findings if f.check == check)


def clean_tree():
    """A--P1-->B--P2-->C, D--P3-->B, all ends on manholes."""
    nodes = nodes_layer([("A", (0, 0), {}), ("B", (50, 0), {}), ("C", (100, 0), {}), ("D", (50, 40), {})])
    pipes = pipes_layer([("P1", [(0, 0), (50, 0)], {}), ("P2", [(50, 0), (100, 0)], {}),
                         ("P3", [(50, 40), (50, 0)], {})])
    return pipes, nodes


def test_clean_network_has_no_topology_findings():
    network = build_network(*clean_tree())
    assert network.findings == []
    assert sorted(network.graph.edges(keys=True)) == [("A", "B", "P1"), ("B", "C", "P2"), ("D", "B", "P3")]
    assert network.summary()["components"] == 1


def test_ends_snap_within_tolerance_only():
    nodes = nodes_layer([("A", (0, 0), {}), ("B", (50, 0), {})])
    pipes = pipes_layer([("P1", [(0.3, 0.2), (49.6, 0)], {})])
    assert list(build_network(pipes, nodes).graph.edges()) == [("A", "B")]
    network = build_network(pipes, nodes, options=BuildOptions(snap_tolerance=0.1))
    assert list(network.graph.edges()) == [("V1", "V2")]
    assert {f.check for f in network.findings} >= {"dangling_end", "near_miss"}


def test_dangling_end_and_near_miss_with_distance():
    pipes, nodes = clean_tree()
    pipes.records.append(PipeRecord(3, [[(101.2, 0), (130, 0)]], {"id": "P4"}))
    network = build_network(pipes, nodes)
    assert ("P4", "V1") in checks(network, "dangling_end")
    near = [f for f in network.findings if f.check == "near_miss"]
    assert [(f.feature_id, f.value) for f in near] == [("P4", "1.2")]
    assert "node C" in near[0].message_en
    assert "1.2" in near[0].message_zh


def test_end_on_pipe_interior_is_a_near_miss_at_zero_when_lines_are_not_split():
    pipes, nodes = clean_tree()
    pipes.records.append(PipeRecord(3, [[(25, 30), (25, 0)]], {"id": "P5"}))
    network = build_network(pipes, nodes, options=BuildOptions(split_at_nodes=False))
    assert ("P5", "0") in checks(network, "near_miss")
    # split (the default): P1 is cut where P5 ends, see test_planar.py
    network = build_network(pipes, nodes)
    assert checks(network, "near_miss") == [] and checks(network, "end_on_pipe") == [("P1", "P5")]


def test_duplicate_and_overlapping_pipes():
    pipes, nodes = clean_tree()
    pipes.records.append(PipeRecord(3, [[(50, 0), (100, 0)]], {"id": "P2copy"}))
    pipes.records.append(PipeRecord(4, [[(60, 0), (80, 0)]], {"id": "P2part"}))
    network = build_network(pipes, nodes)
    assert checks(network, "duplicate_pipe") == [("P2copy", "P2")]
    # the short piece lies along both copies; the copies are one duplicate, not two overlaps
    assert checks(network, "overlapping_pipe") == [("P2part", "P2"), ("P2part", "P2copy")]


def test_parallel_pipes_of_different_shape_are_not_duplicates():
    nodes = nodes_layer([("A", (0, 0), {}), ("B", (50, 0), {})])
    pipes = pipes_layer([("P1", [(0, 0), (50, 0)], {}), ("P2", [(0, 0), (25, 10), (50, 0)], {})])
    network = build_network(pipes, nodes)
    assert network.findings == []
    assert network.graph.number_of_edges() == 2


def test_zero_length_self_loop_null_and_multipart():
    nodes = nodes_layer([("A", (0, 0), {}), ("B", (50, 0), {})])
    pipes = pipes_layer([
        ("P1", [(0, 0), (50, 0)], {}),
        ("Z", [(10, 10), (10, 10)], {}),
        ("L", [(0, 0), (20, 20), (0.2, 0.1)], {}),
        ("N", [], {}),
        ("M", [[(50, 0), (80, 0)], [(90, 0), (120, 0)]], {}),
    ])
    network = build_network(pipes, nodes)
    assert checks(network, "zero_length") == [("Z", "")]
    assert checks(network, "self_loop") == [("L", "A")]
    assert checks(network, "null_geometry") == [("N", "")]
    assert checks(network, "multipart") == [("M", "2")]
    assert {k for _, _, k in network.graph.edges(keys=True)} == {"P1", "L", "M#1", "M#2"}
    assert [r.pipe_id for r in network.pipe_results[4]] == ["M#1", "M#2"]


def test_orphan_and_ambiguous_nodes():
    nodes = nodes_layer([("A", (0, 0), {}), ("A2", (0.3, 0), {}), ("B", (50, 0), {}), ("X", (500, 500), {})])
    pipes = pipes_layer([("P1", [(0.1, 0), (50, 0)], {})])
    network = build_network(pipes, nodes)
    assert checks(network, "ambiguous_end") == [("P1", "2")]
    assert sorted(checks(network, "orphan_node")) == [("A2", ""), ("X", "")]


def test_explicit_ids_are_honoured_and_checked():
    nodes = nodes_layer([("A", (0, 0), {}), ("B", (50, 0), {}), ("C", (100, 0), {})])
    pipes = pipes_layer([
        ("P1", [(50, 0), (0, 0)], {"起点点号": "A", "终点点号": "B"}),   # drawn backwards
        ("P2", [(50, 0), (100, 0)], {"起点点号": "B", "终点点号": "C"}),
        ("P3", [(50, 0), (100, 0)], {"起点点号": "A", "终点点号": "C"}),   # A is 50 m away
        ("P4", [(0, 0), (50, 0)], {"起点点号": "Q", "终点点号": "B"}),     # Q unknown
    ])
    network = build_network(pipes, nodes)
    edges = {k: (u, v, d) for u, v, k, d in network.graph.edges(keys=True, data=True)}
    assert edges["P1"][:2] == ("A", "B") and edges["P1"][2]["direction_source"] == "ids"
    assert edges["P1"][2]["reversed"] is True
    assert edges["P3"][:2] == ("A", "C")
    assert checks(network, "id_geometry_mismatch") == [("P3", "50")]
    assert checks(network, "unknown_node_ref") == [("P4", "Q")]
    assert edges["P4"][:2] == ("A", "B") and edges["P4"][2]["direction_source"] == "digitised"


def test_direction_sources_in_order():
    nodes = nodes_layer([("A", (0, 0), {"地面高程": 10.0}), ("B", (50, 0), {"地面高程": 10.0}),
                         ("C", (100, 0), {"地面高程": 10.0}), ("D", (150, 0), {"地面高程": 10.0}),
                         ("E", (200, 0), {"地面高程": 10.0})])
    pipes = pipes_layer([
        ("inv", [(0, 0), (50, 0)], {"起点管底高程": 8.0, "终点管底高程": 8.5}),     # uphill as drawn
        ("depth", [(50, 0), (100, 0)], {"起点埋深": 1.5, "终点埋深": 1.8}),        # 8.5 -> 8.2
        ("field", [(100, 0), (150, 0)], {"流向": "反向"}),
        ("digit", [(150, 0), (200, 0)], {}),
    ])
    network = build_network(pipes, nodes)
    edges = {k: (u, v, d) for u, v, k, d in network.graph.edges(keys=True, data=True)}
    assert edges["inv"][:2] == ("B", "A") and edges["inv"][2]["direction_source"] == "invert"
    assert edges["inv"][2]["up_invert"] == 8.5
    assert edges["depth"][:2] == ("B", "C") and edges["depth"][2]["direction_source"] == "invert"
    assert edges["depth"][2]["up_invert"] == pytest.approx(8.5)
    assert edges["field"][:2] == ("D", "C") and edges["field"][2]["direction_source"] == "field"
    assert edges["digit"][:2] == ("D", "E") and edges["digit"][2]["direction_source"] == "digitised"
    assert checks(network, "direction_conflict") == [("inv", "0.5")]
    # the column holds the enum's plain strings (pn_dir_src), not its members
    sources = network.table().edge_values("direction_source").tolist()
    assert {type(source) for source in sources} == {str}
    assert sorted(sources) == sorted(s.value for s in (DirectionSource.INVERT, DirectionSource.INVERT,
                                                       DirectionSource.FIELD, DirectionSource.DIGITISED))


def test_implausible_attributes():
    nodes = nodes_layer([("A", (0, 0), {"地面高程": 10.0}), ("B", (50, 0), {"地面高程": 10.0})])
    pipes = pipes_layer([
        ("ok", [(0, 0), (50, 0)], {"管径": "DN300", "起点埋深": 1.0, "终点埋深": 1.2}),
        ("big", [(0, 0), (0, 50)], {"管径": 9000}),
        ("neg", [(50, 0), (50, 50)], {"管径": 300, "起点埋深": -1.0, "终点埋深": 16}),
        ("txt", [(50, 50), (0, 50)], {"管径": "unknown"}),
        ("high", [(0, 50), (0, 100)], {"管径": 0, "起点管底高程": 11.0}),
    ])
    network = build_network(pipes, nodes)
    assert checks(network, "implausible_diameter") == [("big", "9000"), ("high", "0")]
    assert checks(network, "implausible_depth") == [("neg", "-1"), ("neg", "16")]
    assert checks(network, "unparsed_value") == [("txt", "unknown")]
    assert checks(network, "invert_above_ground") == [("neg", "11")]
    assert "ok" not in {f.feature_id for f in network.findings}


def test_systems_normalised_and_unknown_reported():
    pipes = pipes_layer([("a", [(0, 0), (1, 0)], {"类别": "YS"}), ("b", [(1, 0), (2, 0)], {"类别": "污水"}),
                         ("c", [(2, 0), (3, 0)], {"类别": "??"})])
    network = build_network(pipes)
    systems = {k: d["system"] for _, _, k, d in network.graph.edges(keys=True, data=True)}
    assert systems == {"a": "storm", "b": "sanitary", "c": None}


def test_summary_sums_length_per_system_in_pipe_order():
    pipes = pipes_layer([("a", [(0, 0), (0.1, 0)], {"类别": "YS"}), ("b", [(1, 0), (31, 0)], {"类别": "WS"}),
                         ("c", [(2, 0), (2.2, 0)], {"类别": "YS"}), ("d", [(3, 0), (3, 0.3)], {"类别": "??"}),
                         ("e", [(4, 0), (4, 0.7)], {"类别": "YS"})])
    summary = build_network(pipes).summary()
    assert summary["length_by_system_m"] == {"sanitary": 30.0, "storm": round(0.1 + 0.2 + 0.7, 1), "unknown": 0.3}
    # e ends on b's interior: b is cut there (c and d lie along b: they cut nothing)
    assert summary["pipes"] == 6 and summary["length_m"] == 31.3
    assert build_network(pipes_layer([("a", [(0, 0), (1, 0)], {"类别": "YS"})])).summary()[
        "length_by_system_m"] == {"storm": 1.0}


def test_duplicate_and_repeated_ids():
    nodes = nodes_layer([("A", (0, 0), {}), ("A", (50, 0), {}), ("B", (100, 0), {}), ("C", (200, 0), {}),
                         ("D", (300, 0), {})])
    pipes = pipes_layer([("P", [(0, 0), (50, 0)], {}), ("P", [(50, 0), (100, 0)], {})])
    network = build_network(pipes, nodes)
    assert sorted(network.graph.nodes) == ["A", "A#dup2", "B", "C", "D"]
    assert sorted(k for _, _, k in network.graph.edges(keys=True)) == ["P", "P#dup2"]
    assert len(checks(network, "duplicate_id")) == 2


def test_mostly_repeated_node_ids_fall_back_to_row_numbers():
    nodes = nodes_layer([("0", (0, 0), {}), ("0", (50, 0), {}), ("0", (100, 0), {})])
    network = build_network(pipes_layer([("P", [(0, 0), (50, 0)], {})]), nodes)
    assert sorted(network.graph.nodes) == ["N0", "N1", "N2"]
    assert "id" not in network.node_mapping


def test_missing_override_field_names_layer_and_field():
    with pytest.raises(PipeNetInputError, match=r"Layer 'pipes': field 'DIAM' chosen for diameter"):
        build_network(pipes_layer([("P", [(0, 0), (1, 0)], {})]),
                      options=BuildOptions(pipe_fields={"diameter": "DIAM"}))


def test_fields_given_whole_are_not_looked_for():
    """detect_fields=False (a partition is given the whole layer's mapping): a diameter column its rows would
    show by name or content is left alone, and a given field that is not there is named with its layer."""
    pipes = pipes_layer([("P", [(0, 0), (1, 0)], {"管径": 300})])
    assert build_network(pipes).pipe_mapping.get("diameter") == "管径"
    given = build_network(pipes, options=BuildOptions(pipe_fields={"id": "id"}, detect_fields=False))
    assert given.pipe_mapping == {"id": "id"}
    with pytest.raises(PipeNetInputError, match=r"Layer 'pipes': field 'DIAM' chosen for diameter"):
        build_network(pipes, options=BuildOptions(pipe_fields={"diameter": "DIAM"}, detect_fields=False))


def test_components_numbered_largest_first():
    pipes = pipes_layer([("a", [(0, 0), (1, 0)], {}), ("b", [(10, 0), (11, 0)], {}),
                         ("c", [(11, 0), (12, 0)], {})])
    network = build_network(pipes)
    components = {k: d["component"] for _, _, k, d in network.graph.edges(keys=True, data=True)}
    assert components == {"a": 2, "b": 1, "c": 1}


def test_networkx_graph_is_made_only_when_read():
    """Checks and summaries run on the build's columns; the graph appears on first read and agrees."""
    network = build_network(*clean_tree())
    network.set_crs("EPSG:4549")
    assert network.summary()["pipes"] == 3 and network.components().outlets == {"C": "sink"}
    network.hydraulic_checks()
    network.accumulate()
    assert not network.graph_made
    graph = network.graph
    assert network.graph_made and graph.graph["crs"] == "EPSG:4549"
    assert sorted(graph.edges(keys=True)) == [("A", "B", "P1"), ("B", "C", "P2"), ("D", "B", "P3")]
    assert network.table().keys == ["P1", "P2", "P3"]  # the build's table still describes the graph
    graph.edges["A", "B", "P1"]["diameter"] = 600.0  # attribute edits reach the table's columns
    assert network.table().edge_numbers("diameter").tolist()[0] == 600.0
    assert set(network.upstream(["C"])["C"].pipes) == {"P1", "P2", "P3"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 30), st.floats(0, 30)), min_size=40, max_size=80, unique=True),
       st.lists(st.tuples(st.floats(-2, 32), st.floats(-2, 32)), min_size=1, max_size=3),
       st.floats(0.3, 4.0))
def test_snapping_a_few_ends_with_only_the_nodes_near_them_equals_every_node(nodes, ends, tolerance):
    from pipenet.network.build.topology import _nearest_other_node, snap_to_nodes

    node_xy, end_xy = np.array(nodes), np.array(ends)
    gaps = np.hypot(*(end_xy[:, None, :] - node_xy[None, :, :]).transpose(2, 0, 1))
    between = np.hypot(*(node_xy[:, None, :] - node_xy[None, :, :]).transpose(2, 0, 1))
    assume(not np.isclose(gaps, tolerance).any() and not np.isclose(between, tolerance).any())  # no ties at the edge
    match, within = snap_to_nodes(end_xy, node_xy, tolerance)  # a tree of the nodes near the ends only
    assert within.tolist() == (gaps <= tolerance).sum(axis=1).tolist()
    for row, found in enumerate(match.tolist()):
        assert (found == -1) == (gaps[row].min() > tolerance)
        if found >= 0:
            assert gaps[row, found] == pytest.approx(gaps[row].min())
    # the nearest node other than a node itself and another one
    chosen, other = np.array([0, 5]), np.array([1, 6])
    found, gap = _nearest_other_node(node_xy, chosen, other, tolerance)
    for row, node in enumerate(chosen.tolist()):
        distances = np.hypot(*(node_xy - node_xy[node]).T)
        distances[[node, other[row]]] = np.inf
        assert (found[row] == -1) == (distances.min() > tolerance)
        if found[row] >= 0:
            assert gap[row] == pytest.approx(distances.min())


def status_pipes():
    from pipenet.network import LayerData, PipeRecord

    statuses = ["Existing", "Abandoned", "Proposed", None, "废弃", "拟建", "停用", "在用"]
    return LayerData("pipes", ["id", "Status"], [
        PipeRecord(i, [[(i * 10.0, 0.0), (i * 10.0 + 10.0, 0.0)]], {"id": f"P{i}", "Status": status})
        for i, status in enumerate(statuses)])


def test_inactive_pipes_leave_the_graph_by_default():
    from pipenet.network import BuildOptions, build_network

    network = build_network(status_pipes())
    assert sorted(network.table().keys) == ["P0", "P3", "P7"]
    assert network.summary()["inactive_pipes_left_out"] == 5
    left = {r.pipe_id: (r.direction_source, r.component) for results in network.pipe_results.values()
            for r in results if r.from_node is None}
    assert left == {f"P{i}": ("inactive", None) for i in (1, 2, 4, 5, 6)}
    kept = build_network(status_pipes(), options=BuildOptions(keep_inactive=True))
    assert len(kept.table().keys) == 8 and kept.summary()["inactive_pipes_left_out"] == 0


def test_montpelier_abandoned_and_proposed_lines_are_left_out():
    from pathlib import Path

    import geopandas as gpd

    from pipenet.network import BuildOptions, build_network

    lines = gpd.read_file(Path(__file__).resolve().parents[1] / "data" / "montpelier" /
                          "state_linear_features.geojson")
    assert dict(lines["Status"].value_counts()) == {"Existing": 4216, "Abandoned": 36, "Proposed": 11}
    network = build_network(lines)
    assert network.pipe_mapping["status"] == "Status"
    assert network.summary()["inactive_pipes_left_out"] == 47
    kept = build_network(lines, options=BuildOptions(keep_inactive=True))
    assert kept.summary()["inactive_pipes_left_out"] == 0
    assert kept.summary()["pipes"] > network.summary()["pipes"]


def test_from_to_ids_without_a_node_layer_name_the_nodes():
    from pipenet.network import LayerData, PipeRecord, build_network

    def pipes(far: float = 0.0):
        return LayerData("pipes", ["id", "from", "to"], [
            PipeRecord(1, [[(0.0, 0.0), (10.0, 0.0)]], {"id": "P1", "from": "A", "to": "B"}),
            PipeRecord(2, [[(20.0, 0.0), (10.0, 0.1)]], {"id": "P2", "from": "B", "to": "C"}),  # drawn against its ids
            PipeRecord(3, [[(20.0, 0.0), (30.0, far)]], {"id": "P3", "from": "D", "to": "C"}),
            PipeRecord(4, [[(30.0, 0.0), (40.0, 0.0)]], {"id": "P4", "from": "D", "to": "E"}),
            PipeRecord(5, [[(30.0, 0.0), (30.0, -10.0)]], {"id": "P5", "from": "D", "to": "F"}),
        ])

    network = build_network(pipes())
    table = network.table()
    edges = {key: (table.names[u], table.names[v]) for key, u, v in
             zip(table.keys, table.source.tolist(), table.target.tolist())}
    assert edges == {"P1": ("A", "B"), "P2": ("B", "C"), "P3": ("D", "C"), "P4": ("D", "E"), "P5": ("D", "F")}
    assert network.summary()["virtual_nodes"] == 0 and network.summary()["components"] == 1
    assert not [f for f in network.findings if f.check in ("unknown_node_ref", "id_geometry_mismatch")]
    # one of the three ends named D is 6 m from the place the others share: it is reported
    apart = build_network(pipes(far=6.0))
    assert [(f.check, f.feature_id, f.extra.get("target")) for f in apart.findings
            if f.check == "id_geometry_mismatch"] == [("id_geometry_mismatch", "P3", "D")]


@pytest.mark.parametrize("first, second", [(0, 1), (3, 250), (120, 7), (299, 0)])
def test_of_coincident_manholes_an_end_snaps_to_the_first_in_the_layer(first, second):
    """Two manholes surveyed at one place: the end snaps to the first of them in the layer, whatever the
    KD-tree's own pick among equals (which hangs on every other node: a partition's subset would differ)."""
    from pipenet.network.build.topology import _nearest_other_node, snap_to_nodes

    xy = np.random.default_rng(first).uniform(0.0, 100.0, (300, 2))
    xy[second] = xy[first]
    lowest = min(first, second)
    match, within = snap_to_nodes(xy[[first]] + [0.1, 0.0], xy, 0.5)
    assert match.tolist() == [lowest] and within.tolist() == [2]
    # a dangling end's nearest other node: the first of the two, not the end's own node
    xy = np.vstack([xy, xy[first] + [0.3, 0.0]])
    found, gap = _nearest_other_node(xy, np.array([300]), np.array([-1]), 1.0)
    assert found.tolist() == [lowest] and np.isclose(gap[0], 0.3)
