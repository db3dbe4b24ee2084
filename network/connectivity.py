"""Subnetworks, their outlets, and the pipes and nodes that reach no outlet."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Optional

import networkx as nx

from .findings import Finding, make_finding
from .model import node_xy

# Node types where water legitimately leaves a gravity subnetwork.
OUTLET_TYPES = ("outfall", "plant", "pump")


@dataclass
class Subnetwork:
    """Summary row of one weakly connected component."""

    component: int
    pipes: int
    nodes: int
    length_m: float
    outlets: list[str]
    outlet_kinds: dict[str, str]
    systems: dict[str, float]

    def system_mix(self) -> str:
        """'storm 1200 m; sanitary 300 m' style text for tables."""
        return "; ".join(f"{name} {length:.0f} m" for name, length in
                         sorted(self.systems.items(), key=lambda item: -item[1]))


@dataclass
class ConnectivityResult:
    """Outlets, reachability and subnetwork summaries of a network."""

    outlets: dict[str, str]
    reaches_outlet: set[str]
    subnetworks: list[Subnetwork]
    findings: list[Finding] = field(default_factory=list)
    sinks_used_as_outlets: bool = False


def outlet_kind(graph: nx.MultiDiGraph, node: str) -> Optional[str]:
    """'outfall', 'plant' or 'pump' for typed outlet nodes, 'sink' for nodes water cannot leave."""
    node_type = graph.nodes[node].get("type")
    if node_type in OUTLET_TYPES:
        return node_type
    if graph.out_degree(node) == 0 and graph.in_degree(node) > 0:
        return "sink"
    return None


def find_outlets(graph: nx.MultiDiGraph, sinks_as_outlets: Optional[bool] = None) -> tuple[dict[str, str], bool]:
    """Map outlet node -> kind, and tell whether sinks were used.

    Sinks count when asked; by default (None) they count in the subnetworks that have no node typed
    as an outfall, plant or pump station (storm ditches that just end at a river, say).
    """
    kinds = {node: outlet_kind(graph, node) for node in graph.nodes}
    outlets = {n: k for n, k in kinds.items() if k in OUTLET_TYPES}
    sinks = {n: k for n, k in kinds.items() if k == "sink"}
    if sinks_as_outlets is False:
        return outlets, False
    if sinks_as_outlets:
        outlets.update(sinks)
        return outlets, bool(sinks)
    component = _components(graph)
    typed_components = {component[n] for n in outlets}
    untyped = {n: k for n, k in sinks.items() if component[n] not in typed_components}
    outlets.update(untyped)
    return outlets, bool(untyped)


def _components(graph: nx.MultiDiGraph) -> dict[str, int]:
    numbers = nx.get_node_attributes(graph, "component")
    if len(numbers) == graph.number_of_nodes() and None not in numbers.values():
        return numbers
    return {node: index for index, nodes in enumerate(nx.weakly_connected_components(graph)) for node in nodes}


def nodes_reaching(graph: nx.MultiDiGraph, targets: Iterable[str]) -> set[str]:
    """Every node with a directed path to one of ``targets`` (targets included), in one pass."""
    seen = set(targets)
    queue = deque(seen)
    predecessors = graph.pred
    while queue:
        node = queue.popleft()
        for upstream in predecessors[node]:
            if upstream not in seen:
                seen.add(upstream)
                queue.append(upstream)
    return seen


def connectivity(
    graph: nx.MultiDiGraph,
    fragment_size: int = 2,
    sinks_as_outlets: Optional[bool] = None,
) -> ConnectivityResult:
    """Subnetworks with their outlets, what reaches no outlet, and isolated fragments.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("A", type=None, component=1); g.add_node("B", type="outfall", component=1)
    >>> _ = g.add_edge("A", "B", key="P1", length=10.0, system="storm", component=1)
    >>> result = connectivity(g)
    >>> result.outlets, sorted(result.reaches_outlet)
    ({'B': 'outfall'}, ['A', 'B'])
    """
    outlets, used_sinks = find_outlets(graph, sinks_as_outlets)
    reaching = nodes_reaching(graph, outlets)
    findings: list[Finding] = []
    summaries: dict[int, Subnetwork] = {}
    for node, data in graph.nodes(data=True):
        number = data.get("component")
        row = summaries.setdefault(number, Subnetwork(number, 0, 0, 0.0, [], {}, {}))
        row.nodes += 1
        if node in outlets:
            row.outlets.append(node)
            row.outlet_kinds[node] = outlets[node]
    first_pipe: dict[int, tuple] = {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        row = summaries[data.get("component")]
        row.pipes += 1
        row.length_m += data.get("length", 0.0)
        system = data.get("system") or "unknown"
        row.systems[system] = row.systems.get(system, 0.0) + data.get("length", 0.0)
        first_pipe.setdefault(row.component, (key, data, u))
        if v not in reaching:
            findings.append(make_finding("no_outlet", key, data.get("fid"),
                                         xy=node_xy(graph, v)))
    for node, data in graph.nodes(data=True):
        if node not in reaching and graph.degree(node) > 0:
            findings.append(make_finding("no_outlet", node, data.get("fid"), kind="node",
                                         xy=node_xy(graph, node)))
    for number, row in summaries.items():
        drains_properly = any(kind in OUTLET_TYPES for kind in row.outlet_kinds.values())
        if 0 < row.pipes <= fragment_size and not drains_properly:
            key, data, start = first_pipe[number]
            findings.append(make_finding("isolated_fragment", key, data.get("fid"), value=row.pipes,
                                         xy=node_xy(graph, start), length=round(row.length_m, 1)))
    ordered = sorted(summaries.values(), key=lambda r: (r.component is None, r.component or 0))
    return ConnectivityResult(outlets, reaching, ordered, findings, used_sinks)
