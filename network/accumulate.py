"""Accumulate upstream length, manholes and any pipe value over the directed network in one pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from .columns import KeyedValues, ranges
from .findings import Finding, make_finding
from .tables import GraphTable, reachable, table_of


@dataclass
class Accumulation:
    """Per pipe: upstream length (m, itself included), upstream nodes, and the summed value."""

    length: Mapping[str, float] = field(default_factory=dict)
    nodes: Mapping[str, int] = field(default_factory=dict)
    value: Mapping[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def accumulate(graph: nx.MultiDiGraph, values: Optional[Mapping[str, float]] = None,
               table: Optional[GraphTable] = None) -> Accumulation:
    """Sum, for every pipe, what lies upstream of it (itself included).

    Loops are condensed and counted once (and reported). Where flow splits and meets again, the
    exact upstream set is used, so nothing is counted twice. Sums travel down the condensed graph
    one level at a time as array operations.

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("A", "C", key="P1", length=10.0); _ = g.add_edge("B", "C", key="P2", length=5.0)
    >>> _ = g.add_edge("C", "D", key="P3", length=1.0)
    >>> accumulate(g).length["P3"], accumulate(g).nodes["P3"]
    (16.0, 3)
    """
    values = values or {}
    result = Accumulation()
    table = table_of(graph, table)
    count = table.node_count
    if count == 0:
        return result
    pipe_length = np.nan_to_num(table.edge_numbers("length"))
    pipe_value = np.array([float(values.get(key) or 0.0) for key in table.keys], dtype=float) if values \
        else np.zeros(len(table.keys))
    node_values = np.zeros((count, 3))
    node_values[:, 1] = 1.0  # each node counts once
    totals, label = upstream_totals(table, np.stack([pipe_length, np.zeros(len(pipe_length)), pipe_value], axis=1),
                                    node_values)
    up = label[table.source]
    inside = up == label[table.target]
    loop_pipes = np.bincount(up[inside], minlength=int(label.max()) + 1)
    for row in np.flatnonzero(inside).tolist():
        result.findings.append(make_finding("loop", table.keys[row], table.edge_get(row, "fid"),
                                            value=int(loop_pipes[up[row]])))
    # arrays, not lists: three lists of a county's 2.3 million Python numbers held 220 MB
    result.length = KeyedValues(table.keys, np.ascontiguousarray(totals[:, 0]), table.edge_position)
    result.nodes = KeyedValues(table.keys, totals[:, 1].astype(np.int64), table.edge_position)
    result.value = KeyedValues(table.keys, np.ascontiguousarray(totals[:, 2]), table.edge_position)
    return result


def upstream_totals(table: GraphTable, pipe_values: np.ndarray,
                    node_values: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """Per pipe, the column sums of ``pipe_values`` (pipes × k) and ``node_values`` (nodes × k) over
    its exact upstream set, itself included; and the strongly connected part (label) of every node.

    Loops are condensed and counted once; where flow splits and meets again, the exact upstream set
    is summed, so nothing counts twice. The order of the work depends only on the network, so it is
    planned once per table and reused by every sum (accumulation, illicit connections ...).
    """
    plan = getattr(table, "_flow_plan", None)
    if plan is None:
        plan = table._flow_plan = _FlowPlan(table)
    width = pipe_values.shape[1]
    node_values = np.zeros((table.node_count, width)) if node_values is None else node_values
    up, inside = plan.up, plan.inside
    own = np.stack([np.bincount(up[inside], weights=pipe_values[inside, column], minlength=plan.groups)
                    + np.bincount(plan.label, weights=node_values[:, column], minlength=plan.groups)
                    for column in range(width)], axis=1)
    totals = plan.flow_down(pipe_values[~inside], own)
    return totals[up] + np.where(inside[:, None], 0.0, pipe_values), plan.label


class _FlowPlan:
    """The condensed network (loops as one node) and the level-by-level order of summing down it.

    ``levels`` holds, per level: the nodes where split branches meet again (their exact upstream
    set is summed), then the pairs that carry totals one step down (sources, reached nodes, and
    which reached node each pair feeds).
    """

    def __init__(self, table: GraphTable):
        count = table.node_count
        matrix = coo_matrix((np.ones(len(table.source)), (table.source, table.target)), shape=(count, count))
        self.groups, self.label = connected_components(matrix, directed=True, connection="strong")
        self.up, down = self.label[table.source], self.label[table.target]
        self.inside = self.up == down
        source, self.target = self.up[~self.inside], down[~self.inside]
        groups = self.groups
        # parallel pipes between two nodes carry the upstream totals once
        successors = coo_matrix((np.ones(len(source)), (source, self.target)), shape=(groups, groups)).tocsr()
        successors.sum_duplicates()
        pair_source = np.repeat(np.arange(groups), np.diff(successors.indptr))
        pair_target = successors.indices
        self.reverse = reverse = successors.transpose().tocsr()
        self._parts: Optional[tuple] = None  # weakly connected parts, made when a search needs them
        split = np.diff(successors.indptr) > 1
        below_split = reachable(successors, np.flatnonzero(split), groups)
        waiting = np.bincount(pair_target, minlength=groups)
        above: dict[int, frozenset] = {}
        empty: frozenset = frozenset()
        ways_in = np.diff(reverse.indptr)
        self.levels: list[tuple] = []
        frontier = np.flatnonzero(waiting == 0)
        while len(frontier):
            below = frontier[below_split[frontier]]
            single = below[ways_in[below] == 1]
            below = below[ways_in[below] != 1]
            # one way in: the splits above are the predecessor's (most nodes; no set work)
            for node, upstream, is_split in zip(single.tolist(), reverse.indices[reverse.indptr[single]].tolist(),
                                                split[single].tolist()):
                splits = above.get(upstream, empty)
                above[node] = splits | {node} if is_split else splits
            meets = []
            for node in below.tolist():
                # branches that split above and meet here: sum the exact upstream set instead
                sets = [splits for splits in (above.get(upstream, empty) for upstream in
                                              reverse.indices[reverse.indptr[node]:reverse.indptr[node + 1]].tolist())
                        if splits]
                meet = False
                if len(sets) > 1:
                    seen = set(sets[0])
                    for splits in sets[1:]:
                        meet = meet or not seen.isdisjoint(splits)
                        seen |= splits
                    merged = frozenset(seen)
                else:  # one branch brings splits (most nodes): share its set, no copy
                    merged = sets[0] if sets else empty
                above[node] = merged | {node} if split[node] else merged
                if meet:
                    meets.append(node)
            pairs = ranges(successors.indptr[frontier], np.diff(successors.indptr)[frontier])
            reached, inverse = np.unique(pair_target[pairs], return_inverse=True)
            self.levels.append((meets, pair_source[pairs], reached, inverse))
            waiting[reached] -= np.bincount(inverse, minlength=len(reached))
            frontier = reached[waiting[reached] == 0]

    def flow_down(self, edge_values: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Column sums arriving at every condensed node, itself and the pipes into it included."""
        # per column: np.add.at over rows of a 2-D array is slow (numpy < 1.25)
        totals = own + np.stack([np.bincount(self.target, weights=edge_values[:, column], minlength=len(own))
                                 for column in range(own.shape[1])], axis=1)
        mine = totals.copy()  # a node with the pipes into it: the exact sum over a set adds these up
        for meets, sources, reached, inverse in self.levels:
            for node in meets:
                totals[node] = mine[self.upstream_set(node)].sum(axis=0)
            # sums per reached node over this level's pairs only (np.add.at is slow with repeats)
            arriving = totals[sources]
            totals[reached] += np.stack([np.bincount(inverse, weights=arriving[:, column], minlength=len(reached))
                                         for column in range(totals.shape[1])], axis=1)
        return totals

    def upstream_set(self, node: int) -> np.ndarray:
        """Every condensed node upstream of ``node``, itself included.

        Searched within the node's own part of the network (weakly connected): a search over a
        whole county's graph spends ~0.5 ms setting up arrays of every node before it starts.
        """
        if self._parts is None:
            _, part = connected_components(self.reverse, directed=True, connection="weak")
            self._parts = (part, np.argsort(part, kind="stable"),
                           np.concatenate([[0], np.cumsum(np.bincount(part))]), {})
        part, order, bounds, searched = self._parts
        label = int(part[node])
        if label not in searched:
            members = order[bounds[label]:bounds[label + 1]]  # ascending: the sort is stable
            starts = self.reverse.indptr[members]
            degree = self.reverse.indptr[members + 1] - starts
            local = np.searchsorted(members, self.reverse.indices[ranges(starts, degree)])
            pointers = np.concatenate([[0], np.cumsum(degree)])
            searched[label] = (members, csr_matrix((np.ones(len(local)), local, pointers),
                                                   shape=(len(members), len(members))))
        members, graph = searched[label]
        found = breadth_first_order(graph, int(np.searchsorted(members, node)), directed=True,
                                    return_predecessors=False)
        return members[found]
