"""Subnetworks, their outlets, and the pipes and nodes that reach no outlet."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from typing import Iterable, Optional

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ..model.columns import lookup_factorized
from ..model.findings import Check, Finding, make_finding
from ..model.lazy import LazySet
from ..model.tables import GraphTable, reachable, table_of

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
    reaches_outlet: Set[str]  # a set, made when first read
    subnetworks: list[Subnetwork]
    findings: list[Finding] = field(default_factory=list)
    sinks_used_as_outlets: bool = False
    reached_nodes: Optional[np.ndarray] = None  # per node of the network's table: reaches_outlet as booleans
    no_outlet_pipes: int = 0  # pipes whose water reaches no outlet (the no_outlet findings group them)


def find_outlets(graph: nx.MultiDiGraph, sinks_as_outlets: Optional[bool] = None,
                 table: Optional[GraphTable] = None) -> tuple[dict[str, str], bool]:
    """Map outlet node -> kind, and tell whether sinks were used.

    Sinks count when asked; by default (None) only where no node of the network is typed as an
    outfall, plant or pump station (data without node types: every dead end is taken as an
    outlet, and ``sinks_used_as_outlets`` says so). Where outlets are typed, only they are outlets
    and a dead end is a ``no_outlet`` finding.
    """
    table = table_of(graph, table)
    positions, kinds, used_sinks = outlet_positions(table, sinks_as_outlets)
    return dict(zip(map(table.names.__getitem__, positions.tolist()), kinds)), used_sinks


def outlet_positions(table: GraphTable, sinks_as_outlets: Optional[bool] = None) -> tuple[np.ndarray, list, bool]:
    """``find_outlets`` as the outlets' node positions (typed ones first, then sinks, each in node
    order) and their kinds: no name -> position mapping of a county's millions of nodes needed."""
    type_codes, types = table.node_codes("type")
    typed = lookup_factorized((type_codes, types), dict.fromkeys(OUTLET_TYPES, 1), 0) == 1
    leaving = np.bincount(table.source, minlength=table.node_count)
    arriving = np.bincount(table.target, minlength=table.node_count)
    sink = ~typed & (leaving == 0) & (arriving > 0)
    positions = np.flatnonzero(typed)
    kinds = [types[code] for code in type_codes[positions].tolist()]
    if sinks_as_outlets is False or (sinks_as_outlets is None and typed.any()):
        # where the data types its outlets, a dead end is a finding (no_outlet), not an outfall
        return positions, kinds, False
    sinks = np.flatnonzero(sink)
    return np.concatenate([positions, sinks]), kinds + ["sink"] * len(sinks), bool(sink.any())


def _reaching(table: GraphTable, targets: list[int]) -> np.ndarray:
    """Mask of the nodes with a directed path to one of ``targets``."""
    count = table.node_count
    upstream = csr_matrix((np.ones(len(table.source)), (table.target, table.source)), shape=(count, count))
    return reachable(upstream, np.array(targets, dtype=np.int64), count)


def _summaries(table: GraphTable, outlets: dict[str, str], positions: np.ndarray) -> tuple[dict, dict]:
    """One Subnetwork per component (by number) and the first pipe of each, with array sums
    (``positions``: the outlets' nodes)."""
    try:
        node_numbers, edge_numbers = table.node_numbers("component"), table.edge_numbers("component")
        whole = all(np.isfinite(n).all() and (n == np.floor(n)).all() for n in (node_numbers, edge_numbers))
    except (TypeError, ValueError):  # components named, not numbered (hand-made graphs)
        whole = False
    if not whole:
        return _summaries_by_row(table, outlets, table.node_values("component").tolist(),
                                 table.edge_values("component").tolist())
    nodes, edges = node_numbers.astype(np.int64), edge_numbers.astype(np.int64)
    lengths = np.nan_to_num(table.edge_numbers("length"))
    size = int(max(nodes.max(initial=0), edges.max(initial=0))) + 1
    node_count = np.bincount(nodes, minlength=size)
    pipe_count = np.bincount(edges, minlength=size)
    total = np.bincount(edges, weights=lengths, minlength=size)
    systems = [s or "unknown" for s in table.edge_values("system").tolist()]
    names_of_systems = list(dict.fromkeys(systems))
    code = {name: number for number, name in enumerate(names_of_systems)}
    pair = edges * len(names_of_systems) + np.array([code[s] for s in systems], dtype=np.int64)
    pairs, first_at = np.unique(pair, return_index=True)
    pair_length = np.bincount(pair, weights=lengths)
    numbers, first_node = np.unique(nodes, return_index=True)
    summaries = {number: Subnetwork(number, int(pipe_count[number]), int(node_count[number]),
                                    float(total[number]), [], {}, {})
                 for number in numbers[np.argsort(first_node)].tolist()}  # in order of appearance
    for value, _ in sorted(zip(pairs.tolist(), first_at.tolist()), key=lambda item: item[1]):
        number, system = divmod(value, len(names_of_systems))
        summaries[number].systems[names_of_systems[system]] = float(pair_length[value])
    for position in np.unique(positions).tolist():
        row = summaries[int(nodes[position])]
        row.outlets.append(table.names[position])
        row.outlet_kinds[table.names[position]] = outlets[table.names[position]]
    numbers, first = np.unique(edges, return_index=True)
    return summaries, dict(zip(numbers.tolist(), first.tolist()))


def _summaries_by_row(table: GraphTable, outlets: dict[str, str], node_component: list,
                      edge_component: list) -> tuple[dict, dict]:
    """_summaries for graphs whose component numbers are missing or not integers (hand-made graphs)."""
    summaries: dict = {}
    for node, number in zip(table.names, node_component):
        row = summaries.get(number)
        if row is None:
            row = summaries[number] = Subnetwork(number, 0, 0, 0.0, [], {}, {})
        row.nodes += 1
        if node in outlets:
            row.outlets.append(node)
            row.outlet_kinds[node] = outlets[node]
    lengths = np.nan_to_num(table.edge_numbers("length")).tolist()
    systems = table.edge_values("system").tolist()
    first_pipe: dict = {}
    for row_number, (number, length, system) in enumerate(zip(edge_component, lengths, systems)):
        row = summaries[number]
        row.pipes += 1
        row.length_m += length
        system = system or "unknown"
        row.systems[system] = row.systems.get(system, 0.0) + length
        first_pipe.setdefault(row.component, row_number)
    return summaries, first_pipe


def connectivity(
    graph: nx.MultiDiGraph,
    fragment_size: int = 2,
    sinks_as_outlets: Optional[bool] = None,
    table: Optional[GraphTable] = None,
    known: Iterable[Finding] = (),
) -> ConnectivityResult:
    """Subnetworks with their outlets, what reaches no outlet, and isolated fragments.

    What reaches no outlet is reported once per cut-off part (``no_outlet``), naming its likely
    cause: a pipe running into it from the drained network, or one of the build's findings
    (``known``: near misses, dangling ends ...) on its pipes, or else the node where water stops.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("A", type=None, component=1); g.add_node("B", type="outfall", component=1)
    >>> _ = g.add_edge("A", "B", key="P1", length=10.0, system="storm", component=1)
    >>> result = connectivity(g)
    >>> result.outlets, sorted(result.reaches_outlet)
    ({'B': 'outfall'}, ['A', 'B'])
    """
    table = table_of(graph, table)
    positions, kinds, used_sinks = outlet_positions(table, sinks_as_outlets)
    names = table.names
    outlets = dict(zip(map(names.__getitem__, positions.tolist()), kinds))
    reached = _reaching(table, positions)
    findings: list[Finding] = []
    summaries, first_pipe = _summaries(table, outlets, positions)
    stranded_pipes = ~reached[table.target]
    findings += cut_off_findings(table, reached, stranded_pipes, known)
    for number, row in summaries.items():
        drains_properly = any(kind in OUTLET_TYPES for kind in row.outlet_kinds.values())
        if 0 < row.pipes <= fragment_size and not drains_properly:
            first = first_pipe[number]
            findings.append(make_finding(Check.ISOLATED_FRAGMENT, table.keys[first], table.edge_get(first, "fid"),
                                         value=row.pipes, xy=table.node_xy(table.source[first]),
                                         length=round(row.length_m, 1)))
    ordered = sorted(summaries.values(), key=lambda r: (r.component is None, r.component or 0))
    # made when read: the audit reads ``reached`` instead
    reaching = LazySet(lambda: {names[n] for n in np.flatnonzero(reached).tolist()})
    return ConnectivityResult(outlets, reaching, ordered, findings, used_sinks, reached,
                              int(stranded_pipes.sum()))


# build findings that can explain a cut-off part, the likelier first
CAUSES = (Check.NEAR_MISS, Check.ID_GEOMETRY_MISMATCH, Check.UNKNOWN_NODE_REF, Check.DIRECTION_CONFLICT,
          Check.DANGLING_END)


def cut_off_parts(table: GraphTable, reached: np.ndarray, stranded_pipes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(part number of each pipe, -1 where it drains; of each node, -1 where it drains or has no
    pipe): the parts that reach no outlet, each connected through pipes that reach none."""
    count = table.node_count
    degree = np.bincount(table.source, minlength=count) + np.bincount(table.target, minlength=count)
    inside = ~reached & (degree > 0)
    within = np.flatnonzero(stranded_pipes & inside[table.source])
    matrix = coo_matrix((np.ones(len(within)), (table.source[within], table.target[within])), shape=(count, count))
    labels = connected_components(matrix, directed=False)[1]
    # numbered 0.. in node order among the nodes that reach nothing
    node_part = np.full(count, -1, dtype=np.int64)
    distinct, first = np.unique(labels[inside], return_index=True)
    order = np.argsort(first)
    renumber = np.empty(len(distinct), dtype=np.int64)
    renumber[order] = np.arange(len(distinct))
    node_part[inside] = renumber[np.searchsorted(distinct, labels[inside])]
    pipe_part = np.where(stranded_pipes, node_part[table.target], -1)
    return pipe_part, node_part


def cut_off_findings(table: GraphTable, reached: np.ndarray, stranded_pipes: np.ndarray,
                     known: Iterable[Finding] = ()) -> list[Finding]:
    """One ``no_outlet`` finding per cut-off part, with its pipe and node counts and a likely cause."""
    pipe_part, node_part = cut_off_parts(table, reached, stranded_pipes)
    parts = int(node_part.max(initial=-1)) + 1
    if not parts:
        return []
    pipe_count = np.bincount(pipe_part[pipe_part >= 0], minlength=parts)
    node_count = np.bincount(node_part[node_part >= 0], minlength=parts)
    leaving = np.bincount(table.source[stranded_pipes], minlength=table.node_count)
    # where the water of each part stops: its first node without a pipe leaving it (a loop: its first node)
    stop = np.full(parts, -1, dtype=np.int64)
    for position in np.flatnonzero((node_part >= 0) & (leaving == 0))[::-1].tolist():
        stop[node_part[position]] = position
    for position in np.flatnonzero(node_part >= 0).tolist():
        if stop[node_part[position]] < 0:
            stop[node_part[position]] = position
    # a pipe from the drained network running into the part: its direction cuts the part off
    entering = np.flatnonzero(stranded_pipes & reached[table.source])
    entry = np.full(parts, -1, dtype=np.int64)
    entry[pipe_part[entering][::-1]] = entering[::-1]
    found_cause: dict[int, tuple[int, float, Finding]] = {}
    rank = {check: order for order, check in enumerate(CAUSES)}
    for finding in known:
        if finding.check not in rank or finding.kind != "pipe" or not table.has_edge_key(finding.feature_id):
            continue
        row = table.edge_position(finding.feature_id)
        part = int(pipe_part[row])
        if part < 0 or entry[part] >= 0:
            continue
        where = table.node_xy(int(stop[part])) or (0.0, 0.0)
        distance = float(np.hypot((finding.x or 0.0) - where[0], (finding.y or 0.0) - where[1]))
        ranked = (rank[finding.check], distance)
        if part not in found_cause or ranked < found_cause[part][:2]:
            found_cause[part] = (*ranked, finding)
    findings = []
    fids = table.edge_values("fid")
    for part in range(parts):
        pipes, nodes = int(pipe_count[part]), int(node_count[part])
        node = int(stop[part])
        if entry[part] >= 0:
            row = int(entry[part])
            key = table.keys[row]
            cause = (f"; pipe {key} runs into it from the drained network: check its direction",
                     f"；管段 {key} 由可排出的管网流入此处：请核查其流向")
            findings.append(make_finding(Check.NO_OUTLET, key, fids[row], value=pipes,
                                         xy=table.node_xy(int(table.target[row])), pipes=pipes, nodes=nodes,
                                         cause=cause[0], cause_zh=cause[1]))
        elif part in found_cause:
            cause_finding = found_cause[part][2]
            row = table.edge_position(cause_finding.feature_id)
            named = cause_finding.feature_id, cause_finding.check
            cause = (f"; likely cut off at pipe {named[0]} ({named[1]}: {cause_finding.message_en.rstrip('.')})",
                     f"；可能在管段 {named[0]} 处断开（{named[1]}：{cause_finding.message_zh.rstrip('。')}）")
            xy = (cause_finding.x, cause_finding.y) if cause_finding.x is not None else table.node_xy(node)
            findings.append(make_finding(Check.NO_OUTLET, cause_finding.feature_id, fids[row], value=pipes, xy=xy,
                                         pipes=pipes, nodes=nodes, cause=cause[0], cause_zh=cause[1]))
        else:
            rows = np.flatnonzero(pipe_part == part)
            into = rows[table.target[rows] == node]
            row = int(into[0] if len(into) else rows[0])
            name = table.names[node]
            findings.append(make_finding(Check.NO_OUTLET, table.keys[row], fids[row], value=pipes,
                                         xy=table.node_xy(node), pipes=pipes, nodes=nodes,
                                         cause=f"; its water stops at node {name}", cause_zh=f"；水流止于节点 {name}"))
    return findings
