"""Accumulate upstream length, manholes and any pipe value over the directed network in one pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import networkx as nx

from .findings import Finding, make_finding
from .model import edge_of


@dataclass
class Accumulation:
    """Per pipe: upstream length (m, itself included), upstream nodes, and the summed value."""

    length: dict[str, float] = field(default_factory=dict)
    nodes: dict[str, int] = field(default_factory=dict)
    value: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def accumulate(graph: nx.MultiDiGraph, values: Optional[Mapping[str, float]] = None) -> Accumulation:
    """Sum, for every pipe, what lies upstream of it (itself included).

    Loops are condensed and counted once (and reported). Where flow splits and meets again, the
    exact upstream set is used, so nothing is counted twice.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "C", key="P1", length=10.0); _ = g.add_edge("B", "C", key="P2", length=5.0)
    >>> _ = g.add_edge("C", "D", key="P3", length=1.0)
    >>> accumulate(g).length["P3"], accumulate(g).nodes["P3"]
    (16.0, 3)
    """
    values = values or {}
    result = Accumulation()
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]  # node -> SCC index
    scc_length: dict[int, float] = {}
    scc_value: dict[int, float] = {}
    scc_pipes: dict[int, list[str]] = {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        if members[u] == members[v]:
            scc = members[u]
            scc_length[scc] = scc_length.get(scc, 0.0) + data.get("length", 0.0)
            scc_value[scc] = scc_value.get(scc, 0.0) + float(values.get(key) or 0.0)
            scc_pipes.setdefault(scc, []).append(key)
    for keys in scc_pipes.values():
        for key in keys:
            fid = graph.edges[edge_of(graph, key)].get("fid")
            result.findings.append(make_finding("loop", key, fid, value=len(keys)))

    # Totals arriving at each condensed node: (length, nodes, value) of everything upstream.
    # Branches meeting again count their common part once: that happens exactly where two upstream
    # neighbours share a split upstream of both, and only there the upstream set is summed exactly.
    splits_above = _splits_above(condensed)
    totals: dict[int, tuple[float, int, float]] = {}
    for scc in nx.topological_sort(condensed):
        if _branches_meet(condensed, scc, splits_above):
            totals[scc] = _exact_upstream(graph, condensed, scc, members, scc_length, scc_value, values)
            continue
        length, count, value = scc_length.get(scc, 0.0), len(condensed.nodes[scc]["members"]), \
            scc_value.get(scc, 0.0)
        for upstream in condensed.predecessors(scc):
            up_length, up_count, up_value = totals[upstream]
            edge_length, edge_value = _between(graph, condensed, upstream, scc, members, values)
            length += up_length + edge_length
            count += up_count
            value += up_value + edge_value
        totals[scc] = (length, count, value)
    for u, v, key, data in graph.edges(keys=True, data=True):
        up_length, up_count, up_value = totals[members[u]]
        if members[u] == members[v]:
            result.length[key], result.nodes[key], result.value[key] = up_length, up_count, up_value
        else:
            result.length[key] = up_length + data.get("length", 0.0)
            result.nodes[key] = up_count
            result.value[key] = up_value + float(values.get(key) or 0.0)
    return result


def _splits_above(condensed: nx.DiGraph) -> dict[int, frozenset]:
    """For each condensed node, the split nodes (more than one way down) upstream of it, itself included."""
    above: dict[int, frozenset] = {}
    for node in nx.topological_sort(condensed):
        found = set()
        for upstream in condensed.predecessors(node):
            found |= above[upstream]
        if condensed.out_degree(node) > 1:
            found.add(node)
        above[node] = frozenset(found)
    return above


def _branches_meet(condensed: nx.DiGraph, node: int, above: dict[int, frozenset]) -> bool:
    """Whether two upstream neighbours of ``node`` share a split, i.e. their upstream sets overlap."""
    predecessors = list(condensed.predecessors(node))
    seen: set = set()
    for upstream in predecessors:
        if seen & above[upstream]:
            return True
        seen |= above[upstream]
    return False


def _between(graph, condensed, upstream, scc, members, values) -> tuple[float, float]:
    """Length and value of the pipes running from one condensed node to the next."""
    length = value = 0.0
    for node in condensed.nodes[upstream]["members"]:
        for _, target, key, data in graph.out_edges(node, keys=True, data=True):
            if members[target] == scc:
                length += data.get("length", 0.0)
                value += float(values.get(key) or 0.0)
    return length, value


def _exact_upstream(graph, condensed, scc, members, scc_length, scc_value, values):
    """Totals over the exact upstream set, for nodes below a split (no double counting)."""
    upstream = nx.ancestors(condensed, scc)
    inside = upstream | {scc}
    length = sum(scc_length.get(n, 0.0) for n in inside)
    value = sum(scc_value.get(n, 0.0) for n in inside)
    count = 0
    for group in inside:
        count += len(condensed.nodes[group]["members"])
        if group == scc:
            continue
        for node in condensed.nodes[group]["members"]:
            for _, target, key, data in graph.out_edges(node, keys=True, data=True):
                if members[target] in inside and members[target] != group:
                    length += data.get("length", 0.0)
                    value += float(values.get(key) or 0.0)
    return length, count, value
