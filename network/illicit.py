"""Illicit connections (雨污混接): cross-system connections, flow-path violations, node evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import networkx as nx
import numpy as np

from .connectivity import find_outlets, nodes_reaching
from .findings import Finding, make_finding
from .geometry import SegmentIndex
from .model import node_xy

CLASS_NAMES_ZH = {
    "sanitary→storm": "污水接入雨水", "storm→sanitary": "雨水接入污水",
    "with combined": "与合流管连接", "with water supply": "与给水管连接",
}
KNOWN = {"storm", "sanitary", "combined", "water"}


@dataclass
class IllicitResult:
    """Findings of the three families, plus the cross-system connections by class."""

    findings: list[Finding] = field(default_factory=list)
    cross_by_class: dict[str, int] = field(default_factory=dict)


def classify(from_system: Optional[str], to_system: Optional[str]) -> Optional[str]:
    """Class of a connection from one system into another, or None when it is not cross-system.

    >>> classify("sanitary", "storm"), classify("storm", "combined"), classify("storm", "storm")
    ('sanitary→storm', 'with combined', None)
    """
    if from_system not in KNOWN or to_system not in KNOWN or from_system == to_system:
        return None
    if "water" in (from_system, to_system):
        return "with water supply"
    if "combined" in (from_system, to_system):
        return "with combined"
    return f"{from_system}→{to_system}"


def node_system(graph: nx.MultiDiGraph, node: str) -> Optional[str]:
    """The system a node belongs to: its own, else the one its outgoing pipes share."""
    own = graph.nodes[node].get("system")
    if own in KNOWN:
        return own
    outgoing = {d.get("system") for _, _, d in graph.out_edges(node, data=True)} & KNOWN
    return outgoing.pop() if len(outgoing) == 1 else None


def illicit_connections(graph: nx.MultiDiGraph, coords: Optional[dict] = None,
                        evidence_distance: float = 5.0) -> IllicitResult:
    """Run the three families of checks over a built network."""
    result = IllicitResult()
    cross = _cross_connections(graph, result)
    _flow_path_violations(graph, cross, result)
    _node_evidence(graph, coords or {}, evidence_distance, result)
    return result


def _cross_connections(graph, result: IllicitResult) -> list[tuple[str, str, str, str]]:
    """Every pipe discharging into a node whose outgoing pipes (or own system) differ."""
    cross = []
    for u, v, key, data in graph.edges(keys=True, data=True):
        from_system = data.get("system")
        if from_system not in KNOWN:
            continue
        targets = {d.get("system") for _, _, d in graph.out_edges(v, data=True)} & KNOWN
        own = graph.nodes[v].get("system")
        if not targets and own in KNOWN:
            targets = {own}
        for to_system in sorted(targets):
            kind = classify(from_system, to_system)
            if kind is None:
                continue
            cross.append((u, v, key, kind))
            result.cross_by_class[kind] = result.cross_by_class.get(kind, 0) + 1
            result.findings.append(make_finding(
                "cross_connection", key, data.get("fid"), value=kind, target=v,
                value_zh=CLASS_NAMES_ZH[kind], xy=node_xy(graph, v), severity=_severity(kind)))
    return cross


def _severity(kind: str) -> str:
    return "error" if kind in ("sanitary→storm", "storm→sanitary") else "info"


def _flow_path_violations(graph, cross, result: IllicitResult) -> None:
    """Sewage reaching storm outfalls and storm water reaching plants, named at the place to fix."""
    outlets, _ = find_outlets(graph, sinks_as_outlets=True)
    storm_outfalls = [n for n, kind in outlets.items()
                      if kind in ("outfall", "sink") and _drains(graph, n) == "storm"]
    plants = [n for n, kind in outlets.items() if kind == "plant"]
    for targets, source_system, check in ((storm_outfalls, "sanitary", "sewage_to_storm_outfall"),
                                          (plants, "storm", "storm_to_plant")):
        if not targets:
            continue
        reaching = nodes_reaching(graph, targets)
        for u, v, key, _kind in cross:
            data = graph.edges[u, v, key]
            if data.get("system") != source_system or v not in reaching:
                continue
            outlet = _first_reached(graph, v, set(targets))
            upstream = nx.ancestors(graph, u) | {u}
            sources = [(k, d) for a, b, k, d in graph.in_edges(upstream, keys=True, data=True)
                       if b in upstream and d.get("system") == source_system] + [(key, data)]
            length = sum(d.get("length", 0.0) for _, d in sources)
            result.findings.append(make_finding(check, key, data.get("fid"), value=outlet,
                                                count=len(sources), length=round(length, 1),
                                                xy=node_xy(graph, v)))


def _drains(graph, node: str) -> Optional[str]:
    """System an outlet drains: its own, else the one its incoming pipes share."""
    own = graph.nodes[node].get("system")
    if own in KNOWN:
        return own
    incoming = {d.get("system") for _, _, d in graph.in_edges(node, data=True)} & KNOWN
    return incoming.pop() if len(incoming) == 1 else None


def _first_reached(graph, start: str, targets: set[str]) -> Optional[str]:
    """Nearest target downstream of ``start`` by network length."""
    lengths = nx.single_source_dijkstra_path_length(graph, start, weight=_length)
    reached = [(d, n) for n, d in lengths.items() if n in targets]
    return min(reached)[1] if reached else None


def _length(_u, _v, edges) -> float:
    return min(d.get("length", 0.0) for d in edges.values())


def _node_evidence(graph, coords: dict, distance: float, result: IllicitResult) -> None:
    """Inlets on sanitary pipes, and sanitary manholes close to storm pipes they do not join."""
    storm_keys = [k for _, _, k, d in graph.edges(keys=True, data=True) if d.get("system") == "storm"]
    sanitary_keys = [k for _, _, k, d in graph.edges(keys=True, data=True) if d.get("system") == "sanitary"]
    storm_index = SegmentIndex([np.asarray(coords[k]) for k in storm_keys if k in coords]) if coords else None
    sanitary_index = SegmentIndex([np.asarray(coords[k]) for k in sanitary_keys if k in coords]) \
        if coords else None
    storm_keys = [k for k in storm_keys if k in coords]
    sanitary_keys = [k for k in sanitary_keys if k in coords]
    for node, data in graph.nodes(data=True):
        xy = node_xy(graph, node)
        incident = [d.get("system") for _, _, d in graph.in_edges(node, data=True)] + \
                   [d.get("system") for _, _, d in graph.out_edges(node, data=True)]
        if data.get("type") == "inlet":
            if "sanitary" in incident:
                result.findings.append(make_finding("inlet_on_sanitary", node, data.get("fid"),
                                                    value="connected", xy=xy))
            elif sanitary_index is not None and xy is not None:
                near = sanitary_index.near(xy, distance)
                if near:
                    owner, gap = min(near.items(), key=lambda item: item[1])
                    result.findings.append(make_finding(
                        "inlet_on_sanitary", node, data.get("fid"),
                        value=f"{gap:.1f} m from {sanitary_keys[owner]}", xy=xy))
        elif (data.get("type") in ("manhole", None) and not data.get("virtual")
              and (data.get("system") == "sanitary" or (incident and set(incident) == {"sanitary"}))
              and storm_index is not None and xy is not None):
            near = {o: g for o, g in storm_index.near(xy, distance).items()
                    if storm_keys[o] not in _incident_keys(graph, node)}
            if near:
                owner, gap = min(near.items(), key=lambda item: item[1])
                result.findings.append(make_finding("sanitary_near_storm", node, data.get("fid"),
                                                    value=round(gap, 2), target=storm_keys[owner], xy=xy))


def _incident_keys(graph, node) -> set[str]:
    return {k for _, _, k in graph.in_edges(node, keys=True)} | {k for _, _, k in graph.out_edges(node, keys=True)}
