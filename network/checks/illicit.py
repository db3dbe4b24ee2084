"""Illicit connections (雨污混接): cross-system connections, flow-path violations, node evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ..model.columns import PartCoords, lookup_factorized
from ..model.findings import Check, Finding, make_finding
from ..model.geometry import SegmentIndex
from ..model.tables import GraphTable, min_matrix, reachable, table_of
from .accumulate import upstream_totals
from .connectivity import outlet_positions

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


def illicit_connections(graph: nx.MultiDiGraph, coords: Optional[dict] = None,
                        evidence_distance: float = 5.0, table: Optional[GraphTable] = None) -> IllicitResult:
    """Run the three families of checks over a built network."""
    result = IllicitResult()
    table = table_of(graph, table)
    cross = _cross_connections(table, result)
    _flow_path_violations(graph, cross, result, table)
    _node_evidence(table, coords or {}, evidence_distance, result)
    return result


SYSTEM_ORDER = sorted(KNOWN)  # targets are reported in name order


def _system_codes(systems: tuple[np.ndarray, list]) -> np.ndarray:
    """Position of each system (factorized: GraphTable.edge_codes) in SYSTEM_ORDER, -1 for unknown ones."""
    return lookup_factorized(systems, {name: code for code, name in enumerate(SYSTEM_ORDER)})


def _cross_connections(table: GraphTable, result: IllicitResult) -> list[tuple[int, str]]:
    """Every pipe discharging into a node whose outgoing pipes (or own system) differ."""
    edge_system = _system_codes(table.edge_codes("system"))
    node_system = _system_codes(table.node_codes("system"))
    known = edge_system >= 0
    # which known systems leave each node, as bits
    leaving = np.zeros(table.node_count, dtype=np.int64)
    np.bitwise_or.at(leaving, table.source[known], 1 << edge_system[known])
    own = np.where(node_system >= 0, 1 << np.maximum(node_system, 0), 0)
    targets = np.where(leaving > 0, leaving, own)[table.target]
    found = []
    for code, to_system in enumerate(SYSTEM_ORDER):
        for row in np.flatnonzero(known & ((targets >> code) & 1 == 1) & (edge_system != code)).tolist():
            kind = classify(SYSTEM_ORDER[edge_system[row]], to_system)
            if kind is not None:
                found.append((row, code, kind))
    found.sort()
    cross = []
    for row, _, kind in found:
        v = table.names[table.target[row]]
        key = table.keys[row]
        cross.append((row, kind))
        result.cross_by_class[kind] = result.cross_by_class.get(kind, 0) + 1
        result.findings.append(make_finding(
            Check.CROSS_CONNECTION, key, table.edge_get(row, "fid"), value=kind, target=v,
            value_zh=CLASS_NAMES_ZH[kind], xy=table.node_xy(table.target[row]), severity=_severity(kind)))
    return cross


def _severity(kind: str) -> str:
    return "error" if kind in ("sanitary→storm", "storm→sanitary") else "info"


def _flow_path_violations(graph, cross, result: IllicitResult, table: Optional[GraphTable] = None) -> None:
    """Sewage reaching storm outfalls and storm water reaching plants, named at the place to fix
    (``cross``: the table row and kind of every cross connection)."""
    table = table_of(graph, table)
    positions, kinds, _ = outlet_positions(table)
    candidates = [position for position, kind in zip(positions.tolist(), kinds) if kind in ("outfall", "sink")]
    drains = _drains(table, np.array(candidates, dtype=np.int64))
    storm_outfalls = [position for position, system in zip(candidates, drains) if system == "storm"]
    plants = [position for position, kind in zip(positions.tolist(), kinds) if kind == "plant"]
    count = table.node_count
    lengths = np.nan_to_num(table.edge_numbers("length"))
    codes = _system_codes(table.edge_codes("system"))
    downstream_of = csr_matrix((np.ones(len(table.source)), (table.source, table.target)), shape=(count, count))
    upstream_of: dict[str, np.ndarray] = {}
    for targets, source_system, check in ((storm_outfalls, "sanitary", Check.SEWAGE_TO_STORM_OUTFALL),
                                          (plants, "storm", Check.STORM_TO_PLANT)):
        wanted = [row for row, _kind in cross if codes[row] == SYSTEM_ORDER.index(source_system)]
        if not targets or not wanted:
            continue
        # a wanted pipe's way to a target runs through nodes downstream of it alone: the search goes
        # up those pipes only (over a county's every pipe it held Python's lock 0.8 s a search)
        downstream = reachable(downstream_of, table.target[np.array(wanted, dtype=np.int64)], count)
        kept = downstream[table.source] & downstream[table.target]
        # upstream along pipes, weighted by the shortest of parallel pipes (tiny weights keep zero-length pipes)
        reverse = min_matrix(table.target[kept], table.source[kept], np.maximum(lengths[kept], 1e-9), count)
        # one Dijkstra from every target at once: the nearest target downstream of every node
        distance, _, nearest = dijkstra(reverse, directed=True, indices=targets,
                                        min_only=True, return_predecessors=True)
        if not upstream_of:
            # pipes of each system upstream of every pipe (itself included), one exact pass for both checks
            sanitary = (codes == SYSTEM_ORDER.index("sanitary")).astype(float)
            storm = (codes == SYSTEM_ORDER.index("storm")).astype(float)
            sums, _ = upstream_totals(table, np.stack([sanitary, lengths * sanitary, storm, lengths * storm], axis=1))
            upstream_of.update(sanitary=sums[:, :2], storm=sums[:, 2:])
        upstream = upstream_of[source_system]
        for row in wanted:
            at = int(table.target[row])
            if not np.isfinite(distance[at]):
                continue
            result.findings.append(make_finding(
                check, table.keys[row], table.edge_get(row, "fid"), value=table.names[nearest[at]],
                count=int(round(upstream[row, 0])), length=round(float(upstream[row, 1]), 1), xy=table.node_xy(at)))


def _drains(table: GraphTable, nodes: np.ndarray) -> list[Optional[str]]:
    """System each of ``nodes`` drains: its own, else the one its incoming pipes share (None otherwise)."""
    own = table.node_values("system")[nodes].tolist()
    incoming = np.zeros(table.node_count, dtype=np.int64)  # known systems arriving, as bits
    codes = _system_codes(table.edge_codes("system"))
    known = codes >= 0
    np.bitwise_or.at(incoming, table.target[known], 1 << codes[known])
    single = {1 << code: name for code, name in enumerate(SYSTEM_ORDER)}
    return [system if system in KNOWN else single.get(bits) for system, bits in zip(own, incoming[nodes].tolist())]


def _node_evidence(table: GraphTable, coords: dict, distance: float, result: IllicitResult) -> None:
    """Inlets on sanitary pipes, and sanitary manholes close to storm pipes they do not join."""
    systems = _system_codes(table.edge_codes("system"))
    count = table.node_count
    is_sanitary = systems == SYSTEM_ORDER.index("sanitary")
    is_storm = systems == SYSTEM_ORDER.index("storm")
    ends = np.concatenate([table.source, table.target])
    incident = np.bincount(ends, minlength=count)
    sanitary_incident = np.bincount(ends, weights=np.tile(is_sanitary, 2).astype(float), minlength=count)
    kinds = lookup_factorized(table.node_codes("type"), {"inlet": 1, "manhole": 2, None: 2}, 0)
    virtual = table.node_numbers("virtual") > 0
    xy = table.node_coordinates()
    located = np.isfinite(xy).all(axis=1)
    same_order = isinstance(coords, PartCoords) and coords.keys_list is table.keys  # the build's own arrays
    storm_rows = np.flatnonzero(is_storm).tolist() if same_order else \
        [r for r in np.flatnonzero(is_storm).tolist() if table.keys[r] in coords]
    sanitary_rows = np.flatnonzero(is_sanitary).tolist() if same_order else \
        [r for r in np.flatnonzero(is_sanitary).tolist() if table.keys[r] in coords]

    def index_of(rows: list) -> SegmentIndex:
        # samples every 25 m: a smaller tree than the default and as quick to ask at a few metres
        if same_order:
            return SegmentIndex(*coords.arrays(np.array(rows, dtype=np.int64)), step=25.0)
        return SegmentIndex.of_polylines([np.asarray(coords[table.keys[r]]) for r in rows], step=25.0)
    inlets = kinds == 1
    connected = inlets & (sanitary_incident > 0)
    for node in np.flatnonzero(connected).tolist():
        result.findings.append(make_finding(Check.INLET_ON_SANITARY, table.names[node], table.node_get(node, "fid"),
                                            value="connected", xy=table.node_xy(node)))
    loose = np.flatnonzero(inlets & ~connected & located)
    if coords and len(loose) and sanitary_rows:
        index = index_of(sanitary_rows)
        owner, gap = index.nearest_many(xy[loose], distance, np.full(len(loose), -1))
        for node, found, metres in zip(loose.tolist(), owner.tolist(), gap.tolist()):
            if found >= 0:
                result.findings.append(make_finding(
                    Check.INLET_ON_SANITARY, table.names[node], table.node_get(node, "fid"),
                    value=f"{metres:.1f} m from {table.keys[sanitary_rows[found]]}", xy=table.node_xy(node)))
    sanitary_node = (_system_codes(table.node_codes("system")) == SYSTEM_ORDER.index("sanitary")) | \
        ((incident > 0) & (sanitary_incident == incident))
    manholes = np.flatnonzero((kinds == 2) & ~virtual & sanitary_node & located)
    if not (coords and len(manholes) and storm_rows):
        return
    index = index_of(storm_rows)
    # a manhole's own storm pipes (joined to it) do not count: the nearest one it does not join
    storm = np.array(storm_rows, dtype=np.int64)
    point_of_node = np.full(count, -1, dtype=np.int64)
    point_of_node[manholes] = np.arange(len(manholes))
    end_points = point_of_node[np.concatenate([table.source[storm], table.target[storm]])]
    joined = end_points >= 0
    avoid = (end_points[joined], np.tile(np.arange(len(storm)), 2)[joined])
    owner, gap, _ = index.nearest_segments(xy[manholes], distance, np.full(len(manholes), -1), avoid=avoid)
    for node, found, metres in zip(manholes.tolist(), owner.tolist(), gap.tolist()):
        if found >= 0:
            result.findings.append(make_finding(Check.SANITARY_NEAR_STORM, table.names[node],
                                                table.node_get(node, "fid"), value=round(metres, 2),
                                                target=table.keys[storm_rows[found]], xy=table.node_xy(node)))
