"""Subnetworks, their outlets, and the pipes and nodes that reach no outlet."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from typing import Optional

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from ..model.columns import lookup_factorized
from ..model.findings import Finding, make_finding, make_findings
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


def _components(table: GraphTable) -> np.ndarray:
    """Component number of every node: the build's, or worked out when the graph has none."""
    numbers = table.node_values("component").tolist()
    if numbers and None not in numbers:
        return np.array(numbers)
    count = table.node_count
    matrix = coo_matrix((np.ones(len(table.source)), (table.source, table.target)), shape=(count, count))
    return connected_components(matrix, directed=False)[1]


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
) -> ConnectivityResult:
    """Subnetworks with their outlets, what reaches no outlet, and isolated fragments.

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
    x, y = table.node_numbers("x"), table.node_numbers("y")
    stranded = np.flatnonzero(~reached[table.target])
    at = table.target[stranded]
    findings += make_findings("no_outlet", map(table.keys.__getitem__, stranded.tolist()),
                              table.edge_values("fid")[stranded].tolist(), x[at].tolist(), y[at].tolist())
    degree = np.bincount(table.source, minlength=table.node_count) + \
        np.bincount(table.target, minlength=table.node_count)
    stranded = np.flatnonzero(~reached & (degree > 0))
    findings += make_findings("no_outlet", map(names.__getitem__, stranded.tolist()),
                              table.node_values("fid")[stranded].tolist(), x[stranded].tolist(),
                              y[stranded].tolist(), kind="node")
    for number, row in summaries.items():
        drains_properly = any(kind in OUTLET_TYPES for kind in row.outlet_kinds.values())
        if 0 < row.pipes <= fragment_size and not drains_properly:
            first = first_pipe[number]
            findings.append(make_finding("isolated_fragment", table.keys[first], table.edge_get(first, "fid"),
                                         value=row.pipes, xy=table.node_xy(table.source[first]),
                                         length=round(row.length_m, 1)))
    ordered = sorted(summaries.values(), key=lambda r: (r.component is None, r.component or 0))
    # made when read: the audit reads ``reached`` instead
    reaching = LazySet(lambda: {names[n] for n in np.flatnonzero(reached).tolist()})
    return ConnectivityResult(outlets, reaching, ordered, findings, used_sinks, reached)
