"""Hydraulic consistency of gravity networks: slopes, bottlenecks, steps, depths, loops, splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import networkx as nx

from .findings import Finding, make_finding
from .model import node_xy

GRAVITY_SYSTEMS = {"storm", "sanitary", "combined", "drainage", None}


@dataclass
class HydraulicTolerances:
    """Tolerances of the checks (slopes in per mille, levels in metres, diameters in mm)."""

    min_slope_permille: float = 0.5
    invert_step_m: float = 0.01
    diameter_drop_mm: float = 1.0
    max_depth_m: float = 15.0


def hydraulic_checks(graph: nx.MultiDiGraph, tolerances: Optional[HydraulicTolerances] = None) -> list[Finding]:
    """Check every gravity pipe and manhole; pipes without inverts are reported once, not fatal.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "B", key="P1", length=100.0, up_invert=10.0, down_invert=10.0)
    >>> [f.check for f in hydraulic_checks(g)]
    ['flat_slope']
    """
    tolerances = tolerances or HydraulicTolerances()
    findings: list[Finding] = []
    gravity = [(u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True)
               if d.get("system") in GRAVITY_SYSTEMS]
    for u, v, key, data in gravity:
        findings.extend(_pipe_checks(graph, u, v, key, data, tolerances))
    gravity_nodes = {n for u, v, _, _ in gravity for n in (u, v)}
    for node in gravity_nodes:
        findings.extend(_node_checks(graph, node, tolerances))
    findings.extend(_cycles(graph, gravity))
    return findings


def _pipe_checks(graph, u, v, key, data, tolerances) -> list[Finding]:
    found = []
    up, down, length = data.get("up_invert"), data.get("down_invert"), data.get("length", 0.0)
    fid, xy = data.get("fid"), node_xy(graph, u)
    if up is None or down is None:
        missing = "both" if up is None and down is None else ("upstream" if up is None else "downstream")
        return [make_finding("missing_invert", key, fid, value=missing, xy=xy)]
    if data.get("against_record"):
        found.append(make_finding("reverse_slope", key, fid, value=round(up - down, 3), xy=xy))
    if length > 0:
        slope = (up - down) / length * 1000.0
        if slope < tolerances.min_slope_permille:
            found.append(make_finding("flat_slope", key, fid, value=round(slope, 2),
                                      target=tolerances.min_slope_permille, xy=xy))
    for invert, node in ((up, u), (down, v)):
        ground = graph.nodes[node].get("ground_elev")
        if ground is not None and ground - invert > tolerances.max_depth_m:
            found.append(make_finding("implausible_depth", key, fid, value=round(ground - invert, 2),
                                      target=f"ground − invert at {node}", xy=node_xy(graph, node)))
    return found


def _node_checks(graph, node, tolerances) -> list[Finding]:
    found = []
    data = graph.nodes[node]
    incoming = list(graph.in_edges(node, keys=True, data=True))
    outgoing = list(graph.out_edges(node, keys=True, data=True))
    xy = node_xy(graph, node)
    if len(outgoing) > 1 and data.get("type") not in ("outfall", "plant", "pump", "storage"):
        found.append(make_finding("multiple_outlets", node, data.get("fid"), value=len(outgoing), xy=xy))
    in_diameters = [d["diameter"] for _, _, _, d in incoming if d.get("diameter")]
    in_inverts = [d["down_invert"] for _, _, _, d in incoming if d.get("down_invert") is not None]
    for _, _, key, out in outgoing:
        if in_diameters and out.get("diameter") and \
                out["diameter"] < max(in_diameters) - tolerances.diameter_drop_mm:
            found.append(make_finding("diameter_decrease", key, out.get("fid"),
                                      value=f"{max(in_diameters):.0f}→{out['diameter']:.0f}",
                                      target=node, xy=xy))
        if in_inverts and out.get("up_invert") is not None and \
                out["up_invert"] > min(in_inverts) + tolerances.invert_step_m:
            found.append(make_finding("outlet_above_inlet", node, data.get("fid"),
                                      value=round(out["up_invert"] - min(in_inverts), 3), xy=xy))
    return found


def _cycles(graph, gravity) -> list[Finding]:
    """Pipes inside strongly connected parts of the gravity network (water going round)."""
    sub = nx.MultiDiGraph()
    sub.add_edges_from((u, v, k, d) for u, v, k, d in gravity)
    found = []
    for component in nx.strongly_connected_components(sub):
        keys = [(k, d) for u, v, k, d in sub.edges(component, keys=True, data=True) if v in component]
        if len(component) == 1 and not keys:
            continue
        for key, data in keys:
            found.append(make_finding("cycle", key, data.get("fid"), value=len(keys)))
    return found
