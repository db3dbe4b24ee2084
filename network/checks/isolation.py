"""Water-main break isolation (爆管关阀): the segment to shut, the valves to close, who loses supply."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Optional

import networkx as nx

from .._errors import PipeNetInputError
from ..model.records import edge_of

VALVE_TYPES = {"valve"}
CUSTOMER_TYPES = {"meter"}


@dataclass
class IsolationSegment:
    """The part of the network a break takes out of service."""

    break_pipe: str
    pipes: set[str] = field(default_factory=set)
    nodes: set[str] = field(default_factory=set)
    valves_to_close: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    inoperable_passed: list[str] = field(default_factory=list)


def isolate(graph: nx.MultiDiGraph, break_pipe: str, inoperable: Iterable[str] = ()) -> IsolationSegment:
    """Find the pipes reachable from a broken pipe without crossing an operable valve.

    The valves to close are those on the segment's boundary; a valve whose sides a loop joins
    inside the segment is part of it. ``inoperable`` must name valves of the network
    (PipeNetInputError otherwise).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("V1", type="valve"); g.add_node("J", type=None); g.add_node("V2", type="valve")
    >>> _ = g.add_edge("V1", "J", key="P1"); _ = g.add_edge("J", "V2", key="P2")
    >>> _ = g.add_edge("V2", "K", key="P3")
    >>> segment = isolate(g, "P1")
    >>> sorted(segment.pipes), segment.valves_to_close
    (['P1', 'P2'], ['V1', 'V2'])
    """
    ends = edge_of(graph, break_pipe)[:2]
    broken_valves = set(inoperable)
    unknown = sorted(v for v in broken_valves if v not in graph or graph.nodes[v].get("type") not in VALVE_TYPES)
    if unknown:
        raise PipeNetInputError(
            f"Inoperable valve id(s) {', '.join(map(str, unknown))} are not valves of the network "
            "(give ids of nodes typed valve/阀门).", field_name="INOPERABLE_VALVES")
    segment = IsolationSegment(break_pipe, pipes={break_pipe})
    queue: deque[str] = deque()
    seen: set[str] = set()
    for node in ends:
        _visit(graph, node, broken_valves, segment, queue, seen)
    while queue:
        node = queue.popleft()
        for neighbour, key in _incident(graph, node):
            segment.pipes.add(key)
            _visit(graph, neighbour, broken_valves, segment, queue, seen)
    # a valve whose every side lies in the segment (a loop joins them) isolates nothing: it is inside
    # (a valve at the end of the data, one side only, stays a valve to close: what lies beyond is unmapped)
    sides = {v: {n for n, _ in _incident(graph, v) if n != v} for v in segment.valves_to_close}
    inside = [v for v in segment.valves_to_close if len(sides[v]) > 1 and sides[v] <= segment.nodes]
    for valve in inside:
        segment.valves_to_close.remove(valve)
        segment.nodes.add(valve)
    segment.valves_to_close.sort()
    segment.customers.sort()
    segment.inoperable_passed.sort()
    return segment


def _visit(graph, node, broken_valves, segment, queue, seen) -> None:
    if node in seen:
        return
    seen.add(node)
    node_type = graph.nodes[node].get("type")
    if node_type in VALVE_TYPES and node not in broken_valves:
        segment.valves_to_close.append(node)
        return
    if node_type in VALVE_TYPES:
        segment.inoperable_passed.append(node)
    segment.nodes.add(node)
    if node_type in CUSTOMER_TYPES:
        segment.customers.append(node)
    queue.append(node)


def _incident(graph, node):
    for _, neighbour, key in graph.out_edges(node, keys=True):
        yield neighbour, key
    for neighbour, _, key in graph.in_edges(node, keys=True):
        yield neighbour, key


def nearest_pipes(coords: dict, points: list[tuple[float, float]], max_distance: float) -> list[Optional[str]]:
    """For each point, the pipe nearest to it within ``max_distance`` (breaks given as points)."""
    from ..model.geometry import SegmentIndex

    keys = list(coords)
    index = SegmentIndex.of_polylines([coords[k] for k in keys])
    found = []
    for xy in points:
        near = index.near(xy, max_distance)
        found.append(keys[min(near, key=near.get)] if near else None)
    return found
