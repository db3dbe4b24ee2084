"""Connectivity, traces, accumulation, illicit connections, hydraulics and isolation on known networks."""

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipenet.network import LayerData, NodeRecord, PipeNetInputError, PipeRecord, build_network
from pipenet.network.checks.accumulate import accumulate
from pipenet.network.checks.connectivity import connectivity
from pipenet.network.checks.hydraulics import hydraulic_checks
from pipenet.network.checks.illicit import illicit_connections
from pipenet.network.checks.isolation import isolate
from pipenet.network.checks.trace import check_starts, trace, upstream_pipes


def graph_of(edges, nodes=None):
    """edges: (u, v, key, attrs); nodes: {id: attrs}."""
    graph = nx.MultiDiGraph(edge_index={})
    for node, attrs in (nodes or {}).items():
        graph.add_node(node, **{"x": 0.0, "y": 0.0, "type": None, "system": None, **attrs})
    for u, v, key, attrs in edges:
        for n in (u, v):
            if n not in graph:
                graph.add_node(n, x=0.0, y=0.0, type=None, system=None)
        graph.add_edge(u, v, key=key, **{"length": 10.0, "system": None, **attrs})
        graph.graph["edge_index"][key] = (u, v, key)
    for number, component in enumerate(nx.weakly_connected_components(graph), start=1):
        for node in component:
            graph.nodes[node]["component"] = number
    for u, _, data in graph.edges(data=True):
        data["component"] = graph.nodes[u]["component"]
    return graph


def checks(findings, check):
    return sorted((f.feature_id, f.value) for f in findings if f.check == check)


# -- connectivity ----------------------------------------------------------------------------------
def test_connectivity_outlets_unreachable_and_fragments():
    graph = graph_of(
        [("A", "B", "P1", {"system": "storm"}), ("B", "O", "P2", {"system": "storm"}),
         ("C", "D", "P3", {"system": "sanitary"}), ("D", "C", "P4", {"system": "sanitary"}),
         ("E", "F", "P5", {"system": "storm"})],
        {"O": {"type": "outfall"}})
    result = connectivity(graph, fragment_size=2)
    # the data types its outlets (O): the dead end F is no outlet but cut off, as is the C-D loop;
    # one finding per cut-off part, with its pipe and node counts and where its water stops
    assert result.outlets == {"O": "outfall"} and not result.sinks_used_as_outlets
    assert checks(result.findings, "no_outlet") == [("P4", "2"), ("P5", "1")]
    assert result.no_outlet_pipes == 3
    strict = connectivity(graph, sinks_as_outlets=False)
    assert checks(strict.findings, "no_outlet") == checks(result.findings, "no_outlet")
    loose = connectivity(graph, sinks_as_outlets=True)  # asked for: every dead end is an outlet
    assert loose.outlets == {"O": "outfall", "F": "sink"}
    assert checks(loose.findings, "no_outlet") == [("P4", "2")]
    assert "2 pipe(s) and 2 node(s)" in loose.findings[0].message_en and loose.no_outlet_pipes == 2
    assert checks(result.findings, "isolated_fragment") == [("P3", "2"), ("P5", "1")]
    main = result.subnetworks[0]
    assert (main.pipes, main.outlets, main.length_m) == (2, ["O"], 20.0)
    assert main.system_mix() == "storm 20 m"


def test_findings_made_in_bulk_equal_one_at_a_time():
    from pipenet.network.model.findings import make_finding, make_findings

    bulk = make_findings("no_outlet", ["P1", 7], [3, None], [1.5, float("nan")], [2.5, 0.0], kind="node")
    single = [make_finding("no_outlet", "P1", 3, xy=(1.5, 2.5), kind="node"),
              make_finding("no_outlet", 7, None, kind="node")]
    assert bulk == single


def test_connectivity_summaries_with_named_components():
    graph = graph_of([("A", "B", "P1", {"system": "storm"}), ("C", "D", "P2", {"system": "storm"})],
                     {"B": {"type": "outfall"}})
    for _, data in graph.nodes(data=True):
        data["component"] = f"net-{data['component']}"
    for _, _, data in graph.edges(data=True):
        data["component"] = f"net-{data['component']}"
    result = connectivity(graph)
    assert sorted((s.component, s.pipes, s.outlets) for s in result.subnetworks) == [
        ("net-1", 1, ["B"]), ("net-2", 1, [])]  # B is typed: the dead end D is no outlet


def test_illicit_flow_path_names_the_typed_outfall_not_a_dead_end():
    graph = graph_of([("S1", "B", "L1", {"system": "sanitary", "length": 10.0}),
                      ("B", "X", "D1", {"system": "storm", "length": 5.0}),
                      ("B", "O", "M1", {"system": "storm", "length": 50.0})],
                     {"O": {"type": "outfall"}, "B": {"type": "manhole"}})
    found = illicit_connections(graph).findings
    assert [(f.feature_id, f.value) for f in found if f.check == "sewage_to_storm_outfall"] == [("L1", "O")]
    trace_down = trace(graph, "S1", direction="downstream")
    assert trace_down.outlets == ["O"]


def test_sinks_are_outlets_when_nothing_is_typed():
    result = connectivity(graph_of([("A", "B", "P1", {}), ("C", "D", "P2", {})]))
    assert result.sinks_used_as_outlets and set(result.outlets) == {"B", "D"}
    assert checks(result.findings, "no_outlet") == []


# -- traces ----------------------------------------------------------------------------------------
def tree():
    return graph_of([
        ("A", "C", "P1", {"length": 10.0, "system": "storm"}), ("B", "C", "P2", {"length": 20.0, "system": "storm"}),
        ("C", "D", "P3", {"length": 5.0, "system": "storm"}), ("D", "O", "P4", {"length": 5.0, "system": "storm"}),
        ("S", "C", "X1", {"length": 7.0, "system": "sanitary"}), ("Q", "D", "P5", {"length": 3.0, "system": "storm"}),
    ], {"O": {"type": "outfall"}, "Q": {"type": "pump"}})


def test_upstream_trace_distance_order_and_filters():
    result = trace(tree(), "D")
    assert result.pipes == {"P3": (0.0, 1), "P5": (0.0, 1), "P1": (5.0, 2), "P2": (5.0, 2), "X1": (5.0, 2)}
    assert result.nodes["A"] == (15.0, 2) and result.nodes["D"] == (0.0, 0)
    storm_only = trace(tree(), "D", systems={"storm"})
    assert "X1" not in storm_only.pipes
    assert "D" not in trace(tree(), "D", include_start=False).nodes


def test_trace_stops_at_node_types():
    graph = graph_of([("A", "P", "P1", {}), ("P", "B", "P2", {}), ("B", "O", "P3", {})], {"P": {"type": "pump"}})
    assert set(trace(graph, "O", stop_types={"pump"}).pipes) == {"P3", "P2"}
    assert set(trace(graph, "A", "downstream", stop_types={"pump"}).pipes) == {"P1"}


def test_downstream_trace_returns_path_to_outlet():
    result = trace(tree(), "A", "downstream")
    assert set(result.pipes) == {"P1", "P3", "P4"}
    assert result.outlets == ["O"] and result.path_pipes == {"P1", "P3", "P4"}


def test_parallel_pipes_and_loops_are_traced_once():
    graph = graph_of([("A", "B", "P1", {"length": 4.0}), ("A", "B", "P2", {"length": 9.0}),
                      ("B", "C", "P3", {}), ("C", "A", "P4", {})])
    result = trace(graph, "C")
    assert set(result.pipes) == {"P1", "P2", "P3", "P4"}


def test_unknown_start_is_a_clear_error():
    with pytest.raises(PipeNetInputError, match="Start node.*Z9.*not found"):
        check_starts(tree(), ["D", "Z9"])
    assert check_starts(tree(), [" D ", ""]) == ["D"]


# -- accumulation -------------------------------------------------------------------------------------
def test_accumulate_tree_with_values():
    result = accumulate(tree(), {"P1": 2.0, "P2": 3.0, "P3": 1.0})
    assert result.length["P3"] == 10 + 20 + 7 + 5
    assert result.value["P3"] == 6.0
    assert result.length["P4"] == 42 + 3 + 5
    assert result.nodes["P4"] == 6  # A B S C Q D
    assert result.findings == []


def test_accumulate_split_and_rejoin_counts_once():
    graph = graph_of([("A", "B", "P1", {}), ("B", "C", "P2", {}), ("B", "D", "P3", {}),
                      ("C", "E", "P4", {}), ("D", "E", "P5", {}), ("E", "F", "P6", {})])
    result = accumulate(graph)
    assert result.length["P6"] == 60.0 and result.nodes["P6"] == 5


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29), st.integers(1, 9)), min_size=1, max_size=60))
def test_accumulate_equals_the_sum_over_networkx_ancestors(edges):
    """Flow that splits and meets again in several separate parts: each pipe sums its exact upstream set."""
    dag = [(min(a, b), max(a, b), length) for a, b, length in edges if a != b]  # downhill: no loops
    if not dag:
        return
    graph = graph_of([(f"N{u}", f"N{v}", f"P{i}", {"length": float(length)}) for i, (u, v, length) in enumerate(dag)])
    result = accumulate(graph)
    for i, (u, _, length) in enumerate(dag):
        above = nx.ancestors(graph, f"N{u}") | {f"N{u}"}
        expected = sum(data["length"] for _, target, data in graph.edges(data=True) if target in above) + length
        assert result.length[f"P{i}"] == pytest.approx(expected)
        assert result.nodes[f"P{i}"] == len(above)


def test_accumulate_reports_loops():
    graph = graph_of([("A", "B", "P1", {}), ("B", "C", "P2", {}), ("C", "B", "P3", {}), ("C", "D", "P4", {})])
    result = accumulate(graph)
    assert checks(result.findings, "loop") == [("P2", "2"), ("P3", "2")]
    assert result.length["P4"] == 40.0


@st.composite
def random_networks(draw):
    count = draw(st.integers(2, 14))
    edges = []
    for child in range(1, count):
        edges.append((f"N{child}", f"N{draw(st.integers(0, child - 1))}"))
    for _ in range(draw(st.integers(0, 4))):
        a, b = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
        if a != b:
            edges.append((f"N{a}", f"N{b}"))
    lengths = draw(st.lists(st.integers(1, 50), min_size=len(edges), max_size=len(edges)))
    return graph_of([(u, v, f"P{i}", {"length": float(length)})
                     for i, ((u, v), length) in enumerate(zip(edges, lengths))])


@settings(max_examples=80, deadline=None)
@given(random_networks())
def test_invariants_on_random_networks(graph):
    accumulation = accumulate(graph)
    for node in graph.nodes:
        traced = set(trace(graph, node).pipes)
        assert traced == upstream_pipes(graph, node)
        for upstream in trace(graph, node).nodes:
            assert node in trace(graph, upstream, "downstream").nodes
    for u, _, key in graph.edges(keys=True):
        upstream_set = upstream_pipes(graph, u) | {key}
        assert accumulation.length[key] == pytest.approx(sum(graph.edges[a, b, k]["length"]
                                                             for a, b, k in graph.edges(keys=True)
                                                             if k in upstream_set))
    components = connectivity(graph).subnetworks
    assert sum(c.pipes for c in components) == graph.number_of_edges()


# -- illicit connections ------------------------------------------------------------------------------
def test_cross_connections_and_sewage_to_storm_outfall():
    graph = graph_of([
        ("S1", "S2", "W1", {"system": "sanitary"}), ("S2", "M", "W2", {"system": "sanitary"}),
        ("M", "R", "Y1", {"system": "storm"}), ("R", "OUT", "Y2", {"system": "storm"}),
        ("G", "H", "Y3", {"system": "storm"}), ("H", "T", "W3", {"system": "sanitary"}),
        ("T", "PLANT", "W4", {"system": "sanitary"}),
        ("K", "T", "C1", {"system": "combined"}),
    ], {"OUT": {"type": "outfall"}, "PLANT": {"type": "plant"}})
    result = illicit_connections(graph)
    assert checks(result.findings, "cross_connection") == [
        ("C1", "with combined"), ("W2", "sanitary→storm"), ("Y3", "storm→sanitary")]
    violation = [f for f in result.findings if f.check == "sewage_to_storm_outfall"]
    assert [(f.feature_id, f.value) for f in violation] == [("W2", "OUT")]
    assert "2 sanitary pipe(s)" in violation[0].message_en and "直排" in violation[0].message_zh
    assert checks(result.findings, "storm_to_plant") == [("Y3", "PLANT")]
    assert result.cross_by_class == {"sanitary→storm": 1, "storm→sanitary": 1, "with combined": 1}


def test_sewage_counted_once_when_the_connection_lies_on_a_loop():
    """A sanitary connection inside a loop is part of its own upstream set: counted once, not twice."""
    graph = graph_of([
        ("S1", "S2", "W1", {"system": "sanitary"}), ("S2", "M", "W2", {"system": "sanitary"}),
        ("M", "S1", "Y0", {"system": "storm"}), ("M", "OUT", "Y1", {"system": "storm"}),
    ], {"OUT": {"type": "outfall"}})
    violation = [f for f in illicit_connections(graph).findings if f.check == "sewage_to_storm_outfall"]
    assert [(f.feature_id, f.value) for f in violation] == [("W2", "OUT")]
    assert "2 sanitary pipe(s) (20.0 m)" in violation[0].message_en


def test_clean_separate_systems_have_no_illicit_findings():
    graph = graph_of([("A", "B", "Y1", {"system": "storm"}), ("C", "D", "W1", {"system": "sanitary"})],
                     {"B": {"type": "outfall"}, "D": {"type": "plant"}})
    assert illicit_connections(graph).findings == []


def test_node_evidence_inlets_and_nearby_manholes():
    nodes = LayerData("nodes", ["id", "type", "system"], [
        NodeRecord(0, (0, 0), {"id": "CB1", "type": "catch basin", "system": None}),
        NodeRecord(1, (50, 0), {"id": "MH1", "type": "manhole", "system": "WS"}),
        NodeRecord(2, (100, 3), {"id": "MH2", "type": "manhole", "system": "WS"}),
        NodeRecord(3, (100, 0), {"id": "CB2", "type": "catch basin", "system": None}),
    ])
    pipes = LayerData("pipes", ["id", "system"], [
        PipeRecord(0, [[(0, 0), (50, 0)]], {"id": "W1", "system": "WS"}),
        PipeRecord(1, [[(80, 1), (120, 1)]], {"id": "Y1", "system": "YS"}),
        PipeRecord(2, [[(50, 0), (70, 2)]], {"id": "W2", "system": "WS"}),
    ])
    network = build_network(pipes, nodes)
    result = illicit_connections(network.graph, network.pipe_coords, evidence_distance=5.0)
    assert checks(result.findings, "inlet_on_sanitary") == [("CB1", "connected")]
    assert checks(result.findings, "sanitary_near_storm") == [("MH2", "2")]


# -- hydraulics ---------------------------------------------------------------------------------------
def test_hydraulic_checks_find_each_problem():
    graph = graph_of([
        ("A", "B", "P1", {"up_invert": 10.0, "down_invert": 9.0, "diameter": 600.0, "length": 100.0}),
        ("B", "C", "P2", {"up_invert": 9.2, "down_invert": 9.19, "diameter": 400.0, "length": 100.0}),
        ("C", "D", "P3", {"up_invert": 9.0, "down_invert": 8.0, "against_record": True, "length": 100.0}),
        ("D", "E", "P4", {"up_invert": None, "down_invert": 7.0}),
        ("D", "F", "P5", {"up_invert": 8.0, "down_invert": 7.5}),
        ("F", "G", "P6", {"up_invert": 7.5, "down_invert": 7.0, "system": "water"}),
    ], {"B": {"ground_elev": 30.0}})
    findings = hydraulic_checks(graph)
    assert checks(findings, "flat_slope") == [("P2", "0.1")]
    assert checks(findings, "diameter_decrease") == [("P2", "600→400")]
    assert checks(findings, "outlet_above_inlet") == [("B", "0.2")]
    assert checks(findings, "reverse_slope") == [("P3", "1")]
    assert checks(findings, "missing_invert") == [("P4", "upstream")]
    assert checks(findings, "multiple_outlets") == [("D", "2")]
    assert checks(findings, "implausible_depth") == [("P1", "21"), ("P2", "20.8")]
    assert not [f for f in findings if f.feature_id == "P6"]


def test_hydraulic_cycles():
    graph = graph_of([("A", "B", "P1", {"up_invert": 2.0, "down_invert": 1.0}),
                      ("B", "A", "P2", {"up_invert": 2.0, "down_invert": 1.0})])
    assert checks(hydraulic_checks(graph), "cycle") == [("P1", "2"), ("P2", "2")]


# -- valve isolation ----------------------------------------------------------------------------------
def water_grid():
    return graph_of([
        ("V1", "J1", "M1", {"system": "water"}), ("J1", "J2", "M2", {"system": "water"}),
        ("J2", "V2", "M3", {"system": "water"}), ("V2", "J3", "M4", {"system": "water"}),
        ("J1", "C1", "S1", {"system": "water"}), ("J2", "V3", "M5", {"system": "water"}),
        ("V3", "J4", "M6", {"system": "water"}), ("J4", "C2", "S2", {"system": "water"}),
        ("R", "V1", "M0", {"system": "water"}),
    ], {"V1": {"type": "valve"}, "V2": {"type": "valve"}, "V3": {"type": "valve"},
        "C1": {"type": "meter"}, "C2": {"type": "meter"}})


def test_isolation_segment_and_valves():
    segment = isolate(water_grid(), "M2")
    assert segment.pipes == {"M1", "M2", "M3", "S1", "M5"}
    assert segment.valves_to_close == ["V1", "V2", "V3"]
    assert segment.customers == ["C1"]


def test_inoperable_valve_grows_the_segment():
    segment = isolate(water_grid(), "M2", inoperable=["V3"])
    assert {"M6", "S2"} <= segment.pipes
    assert segment.valves_to_close == ["V1", "V2"] and segment.customers == ["C1", "C2"]
    assert segment.inoperable_passed == ["V3"]


def test_isolation_never_crosses_an_operable_valve():
    graph = water_grid()
    for pipe in ("M1", "M2", "M4", "S2"):
        segment = isolate(graph, pipe)
        for valve in segment.valves_to_close:
            assert valve not in segment.nodes


def test_isolation_unknown_pipe():
    with pytest.raises(PipeNetInputError, match="Z"):
        isolate(water_grid(), "Z")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 20), st.floats(0, 20)), min_size=1, max_size=60),
       st.floats(0.1, 3.0))
def test_snapping_never_joins_ends_further_apart_than_the_tolerance(points, tolerance):
    import numpy as np

    from pipenet.network.build.topology import cluster_ends

    array = np.array(points)
    labels = cluster_ends(array, tolerance)
    for label in set(labels.tolist()):
        members = array[labels == label]
        gaps = np.hypot(*(members[:, None, :] - members[None, :, :]).transpose(2, 0, 1))
        assert gaps.max() <= tolerance + 1e-9


@settings(max_examples=60, deadline=None)
@given(random_networks(), st.data())
def test_isolation_never_crosses_a_closed_valve(graph, data):
    nodes = list(graph.nodes)
    valves = data.draw(st.sets(st.sampled_from(nodes), max_size=len(nodes) // 2))
    for node in valves:
        graph.nodes[node]["type"] = "valve"
    pipe = data.draw(st.sampled_from([k for _, _, k in graph.edges(keys=True)]))
    segment = isolate(graph, pipe)
    assert not set(segment.valves_to_close) & segment.nodes
    for u, v, key in graph.edges(keys=True):
        if key in segment.pipes and key != pipe:
            # every isolated pipe touches a segment node; none lies between two closed valves only
            assert u in segment.nodes or v in segment.nodes


def test_a_layer_without_inverts_is_one_finding_not_one_per_pipe():
    graph = graph_of([("A", "B", "P1", {"system": "storm"}), ("B", "C", "P2", {"system": "storm"}),
                      ("C", "D", "P3", {"system": "storm"})])
    found = [f for f in hydraulic_checks(graph) if f.check == "missing_invert"]
    assert [(f.feature_id, f.value) for f in found] == [("(pipes layer)", "all 3 gravity pipes")]
    # one pipe without its inverts among pipes with them: still that pipe
    graph = graph_of([("A", "B", "P1", {"up_invert": 2.0, "down_invert": 1.0}), ("B", "C", "P2", {})])
    assert checks(hydraulic_checks(graph), "missing_invert") == [("P2", "both")]


def test_a_diameter_field_empty_in_the_whole_layer_is_one_finding():
    pipes = LayerData("pipes", ["id", "diameter"], [
        PipeRecord(i, [[(i * 10.0, 0.0), (i * 10.0 + 10.0, 0.0)]], {"id": f"P{i}", "diameter": None})
        for i in range(4)])
    found = [f for f in build_network(pipes).findings if f.check == "missing_attribute"]
    assert [(f.feature_id, f.value) for f in found] == [("(pipes layer)", "all 4 pipes")]
