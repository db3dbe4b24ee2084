"""Dry-weather flow at a storm outfall (IDDE): rank candidate sources and plan manhole inspections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

import networkx as nx
import numpy as np

from ..model.geometry import SegmentIndex
from ..model.records import edge_of
from .trace import trace

EVIDENCE_SCORES = {"cross_connection": 3, "aj_defect": 2, "sanitary_manhole_near": 1}


@dataclass
class Candidate:
    """A place upstream of the outfall where sewage may enter the storm system."""

    node: str
    score: int
    evidence: list[str]
    upstream_length: float
    xy: Optional[tuple[float, float]] = None


@dataclass
class InspectionStep:
    """One manhole to open; its children depend on whether dry-weather flow is seen there."""

    step: int
    node: str
    parent: Optional[int]
    outcome: Optional[str]
    remaining_length: float
    upstream_length: float


@dataclass
class SourceSearch:
    """Candidates (best first) and the bisection inspection plan for one outfall."""

    outfall: str
    storm_pipes: set[str] = field(default_factory=set)
    candidates: list[Candidate] = field(default_factory=list)
    plan: list[InspectionStep] = field(default_factory=list)
    expected_inspections: float = 0.0
    total_length: float = 0.0


def outfall_sources(
    graph: nx.MultiDiGraph,
    outfall: str,
    coords: Optional[dict] = None,
    aj_pipes: Iterable[str] = (),
    evidence_distance: float = 5.0,
    resolution_m: float = 0.0,
    max_steps: int = 200,
) -> SourceSearch:
    """Trace up the storm network from an outfall, rank candidate sources, plan the inspections.

    >>> g = nx.MultiDiGraph()
    >>> for u, v, k in [("A", "B", "Y1"), ("B", "C", "Y2"), ("C", "O", "Y3")]:
    ...     _ = g.add_edge(u, v, key=k, length=10.0, system="storm")
    >>> _ = g.add_edge("S", "A", key="W1", length=10.0, system="sanitary")
    >>> search = outfall_sources(g, "O")
    >>> search.candidates[0].node, search.plan[0].node
    ('A', 'B')
    """
    result = SourceSearch(outfall)
    traced = trace(graph, outfall, "upstream", systems={"storm"})
    result.storm_pipes = set(traced.pipes)
    area = graph.edge_subgraph([edge_of(graph, key) for key in result.storm_pipes]).copy() \
        if result.storm_pipes else nx.MultiDiGraph()
    result.total_length = sum(d.get("length", 0.0) for _, _, d in area.edges(data=True))
    upstream_length = _upstream_lengths(area)
    evidence: dict[str, list[str]] = {}
    for _, v, key, data in graph.in_edges(list(area.nodes), keys=True, data=True):
        if data.get("system") in ("sanitary", "combined") and v in area:
            evidence.setdefault(v, []).append(f"cross_connection:{key}")
    for key in set(aj_pipes) & result.storm_pipes:
        u = edge_of(graph, key)[0]
        evidence.setdefault(u, []).append(f"aj_defect:{key}")
    if coords:
        _near_sanitary_manholes(graph, area, coords, evidence_distance, evidence)
    for node, items in evidence.items():
        score = sum(EVIDENCE_SCORES[item.split(":")[0]] for item in items)
        data = graph.nodes[node]
        xy = (data["x"], data["y"]) if "x" in data else None
        result.candidates.append(Candidate(node, score, items, upstream_length.get(node, 0.0), xy))
    result.candidates.sort(key=lambda c: (-c.score, -c.upstream_length, c.node))
    _plan(area, outfall, result, resolution_m, max_steps)
    return result


def _upstream_lengths(area: nx.MultiDiGraph, within: Optional[set] = None) -> dict[str, float]:
    """Pipe length upstream of every node of the (tree-like) area, counted once per pipe."""
    lengths: dict[str, float] = {}
    for node in nx.topological_sort(area) if nx.is_directed_acyclic_graph(area) else area.nodes:
        total = 0.0
        for upstream, _, data in area.in_edges(node, data=True):
            if within is None or upstream in within:
                total += lengths.get(upstream, 0.0) + data.get("length", 0.0)
        lengths[node] = total
    return lengths


def _near_sanitary_manholes(graph, area, coords, distance, evidence) -> None:
    keys = [k for _, _, k in area.edges(keys=True) if k in coords]
    if not keys:
        return
    index = SegmentIndex.of_polylines([np.asarray(coords[k]) for k in keys])
    for node, data in graph.nodes(data=True):
        if data.get("system") != "sanitary" or data.get("virtual") or "x" not in data:
            continue
        near = index.near((data["x"], data["y"]), distance)
        if near:
            owner = min(near, key=near.get)
            target = edge_of(graph, keys[owner])[0]
            evidence.setdefault(target, []).append(f"sanitary_manhole_near:{node}")


def _plan(area: nx.MultiDiGraph, outfall: str, result: SourceSearch, resolution: float, max_steps: int) -> None:
    """Greedy bisection: inspect where the remaining candidate length splits most evenly."""
    if area.number_of_edges() == 0:
        return
    queue = [(set(area.nodes), None, None, 0)]
    leaves: list[tuple[float, int]] = []
    while queue:
        region, parent, outcome, depth = queue.pop(0)
        sub = area.subgraph(region)
        length = sum(d.get("length", 0.0) for _, _, d in sub.edges(data=True))
        upstream = _upstream_lengths(sub)
        options = [(abs(upstream[n] - length / 2.0), n) for n in region
                   if n != outfall and 0.0 < upstream[n] < length]
        if not options or length <= resolution or len(result.plan) >= max_steps:
            leaves.append((length, depth))
            continue
        _, node = min(options)
        step = InspectionStep(len(result.plan) + 1, node, parent, outcome, round(length, 1),
                              round(upstream[node], 1))
        result.plan.append(step)
        above = nx.ancestors(sub, node) | {node}
        queue.append((above, step.step, "flowing", depth + 1))
        queue.append(((region - above) | {node}, step.step, "dry", depth + 1))
    total = sum(length for length, _ in leaves) or 1.0
    result.expected_inspections = round(sum(length * depth for length, depth in leaves) / total, 2)
