"""IDDE: candidate ranking and the bisection inspection plan."""

import networkx as nx
import pytest

from pipenet.network.checks.idde import outfall_sources


def chain_with_branches():
    """Storm tree into O: trunk T1..T4, branch B1-B2 joining at T2; sewage enters at B1 and T3."""
    graph = nx.MultiDiGraph(edge_index={})
    edges = [("T1", "T2", "Y1"), ("T2", "T3", "Y2"), ("T3", "T4", "Y3"), ("T4", "O", "Y4"),
             ("B1", "B2", "Y5"), ("B2", "T2", "Y6"), ("S1", "B1", "W1"), ("S2", "T3", "W2")]
    for u, v, key in edges:
        system = "sanitary" if key.startswith("W") else "storm"
        graph.add_edge(u, v, key=key, length=100.0, system=system)
        graph.graph["edge_index"][key] = (u, v, key)
    for node in graph.nodes:
        graph.nodes[node].update(x=0.0, y=0.0)
    return graph


def test_candidates_ranked_by_evidence_then_upstream_length():
    search = outfall_sources(chain_with_branches(), "O", aj_pipes=["Y2", "W1"])
    ranked = [(c.node, c.score) for c in search.candidates]
    # T2 carries an AJ defect on Y2 (score 2); B1 and T3 are cross connections (3), T3 drains more
    assert ranked == [("T3", 3), ("B1", 3), ("T2", 2)]
    assert search.storm_pipes == {"Y1", "Y2", "Y3", "Y4", "Y5", "Y6"}
    assert search.total_length == 600.0


def test_plan_halves_the_remaining_length():
    search = outfall_sources(chain_with_branches(), "O")
    first = search.plan[0]
    assert first.step == 1 and first.parent is None and first.remaining_length == 600.0
    assert first.node == "T2" and first.upstream_length == 300.0  # exactly half of 600 m
    children = [s for s in search.plan if s.parent == 1]
    assert {s.outcome for s in children} == {"flowing", "dry"}
    assert 2.0 <= search.expected_inspections <= 3.0


def test_single_pipe_needs_no_inspection():
    graph = nx.MultiDiGraph()
    graph.add_edge("A", "O", key="Y1", length=40.0, system="storm")
    search = outfall_sources(graph, "O")
    assert search.plan == [] and search.expected_inspections == 0.0


@pytest.mark.parametrize("pipes", [8, 32, 128])
def test_expected_inspections_grow_like_log2_on_a_chain(pipes):
    graph = nx.MultiDiGraph()
    for i in range(pipes):
        graph.add_edge(f"N{i}", f"N{i + 1}", key=f"Y{i}", length=10.0, system="storm")
    search = outfall_sources(graph, f"N{pipes}")
    import math

    assert search.expected_inspections == pytest.approx(math.log2(pipes), abs=0.6)
