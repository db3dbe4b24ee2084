"""Upstream and downstream traces with network distance, hop order and paths to outlets."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Iterable, Optional

import networkx as nx

from ..model.records import PipeNetInputError
from .connectivity import find_outlets


@dataclass
class TraceResult:
    """What one start reaches: pipes and nodes with distance (m) and order (pipes from start)."""

    start: str
    direction: str
    pipes: dict[str, tuple[float, int]] = field(default_factory=dict)
    nodes: dict[str, tuple[float, int]] = field(default_factory=dict)
    outlets: list[str] = field(default_factory=list)
    path_pipes: set[str] = field(default_factory=set)


def check_starts(graph: nx.MultiDiGraph, starts: Iterable[str], layer: str = "network") -> list[str]:
    """Return the start ids, or raise naming every id that is not a node of the network."""
    wanted = [s.strip() for s in starts if s is not None and str(s).strip()]
    missing = [s for s in wanted if s not in graph]
    if missing:
        sample = ", ".join(sorted(map(str, graph.nodes))[:5])
        raise PipeNetInputError(
            f"Start node(s) {', '.join(missing)} not found in the {layer} (node ids look like: {sample}).",
            layer=layer, field_name="START_NODES")
    if not wanted:
        raise PipeNetInputError("No start node given.", layer=layer, field_name="START_NODES")
    return wanted


def trace(
    graph: nx.MultiDiGraph,
    start: str,
    direction: str = "upstream",
    systems: Optional[set[str]] = None,
    stop_types: Optional[set[str]] = None,
    include_start: bool = True,
) -> TraceResult:
    """Trace from ``start`` against (upstream) or along (downstream) the flow.

    Pipes of other systems are not followed when ``systems`` is given; nodes whose type is in
    ``stop_types`` are reached but not passed. Distances are network lengths in metres.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "B", key="P1", length=10.0); _ = g.add_edge("B", "C", key="P2", length=5.0)
    >>> sorted(trace(g, "C").pipes.items())
    [('P1', (5.0, 2)), ('P2', (0.0, 1))]
    """
    upstream = direction == "upstream"
    adjacency = graph.pred if upstream else graph.succ
    result = TraceResult(start, direction)
    best = {start: 0.0}
    order = {start: 0}
    heap: list[tuple[float, int, str]] = [(0.0, 0, start)]
    while heap:
        distance, hops, node = heapq.heappop(heap)
        if distance > best.get(node, float("inf")):
            continue
        if node != start and stop_types and graph.nodes[node].get("type") in stop_types:
            continue
        for neighbour, edges in adjacency[node].items():
            for key, data in edges.items():
                if systems and data.get("system") not in systems:
                    continue
                known = result.pipes.get(key)
                if known is None or distance < known[0]:
                    result.pipes[key] = (distance, hops + 1)
                reach = distance + data.get("length", 0.0)
                if reach < best.get(neighbour, float("inf")):
                    best[neighbour] = reach
                    order[neighbour] = hops + 1
                    heapq.heappush(heap, (reach, hops + 1, neighbour))
    result.nodes = {node: (best[node], order[node]) for node in best
                    if include_start or node != start}
    if not upstream:
        _paths_to_outlets(graph, result, best)
    return result


def _paths_to_outlets(graph: nx.MultiDiGraph, result: TraceResult, best: dict[str, float]) -> None:
    """Mark the shortest path from the start to every outlet the downstream trace reached."""
    outlets, _ = find_outlets(graph)
    reached = [node for node in best if node in outlets]  # typed outlets, or sinks where none is typed
    result.outlets = sorted(reached, key=lambda node: best[node])
    for outlet in result.outlets:
        node = outlet
        while node != result.start:
            previous = None
            for upstream, edges in graph.pred[node].items():
                for key, data in edges.items():
                    if key in result.pipes and abs(best.get(upstream, float("inf")) + data.get("length", 0.0)
                                                   - best[node]) < 1e-6:
                        previous = (upstream, key)
                        break
                if previous:
                    break
            if previous is None:
                break
            result.path_pipes.add(previous[1])
            node = previous[0]


def upstream_pipes(graph: nx.MultiDiGraph, node: str) -> set[str]:
    """Keys of every pipe upstream of ``node`` (brute-force reachability, for checks and tests)."""
    ancestors = nx.ancestors(graph, node) | {node}
    return {key for u, v, key in graph.in_edges(ancestors, keys=True) if v in ancestors}
