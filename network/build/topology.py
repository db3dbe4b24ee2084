"""Snapping of pipe ends to nodes and the topology checks of a built graph."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..model.columns import group_starts, ranges, unique_pairs
from ..model.findings import Check, Finding, make_finding
from ..model.geometry import SegmentIndex, point_segment_distance, points_near, query_workers, row_distances


def snap_to_nodes(ends: np.ndarray, node_xy: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Match each end to the nearest node within ``tolerance``.

    Returns (index of the node or -1, number of nodes within tolerance), one per end.

    >>> snap_to_nodes(np.array([[0.1, 0.0], [5.0, 5.0]]), np.array([[0.0, 0.0]]), 0.5)[0].tolist()
    [0, -1]
    """
    count = len(ends)
    # a few ends left to snap (ids placed the rest): a tree of only the nodes near them
    nearby = points_near(node_xy, ends, tolerance) if count < len(node_xy) // 10 else np.arange(len(node_xy))
    if count == 0 or len(nearby) == 0:
        return np.full(count, -1), np.zeros(count, dtype=int)
    tree = cKDTree(node_xy[nearby])
    k = min(2, len(nearby))
    distances, indices = tree.query(ends, k=k, distance_upper_bound=tolerance, workers=query_workers(len(ends)))
    if k == 1:
        distances, indices = distances[:, None], indices[:, None]
    found = np.isfinite(distances)
    match = np.where(found[:, 0], nearby[np.minimum(indices[:, 0], len(nearby) - 1)], -1)
    within = found.sum(axis=1)
    for end in np.nonzero(within >= 2)[0]:
        within[end] = len(tree.query_ball_point(ends[end], tolerance))
        if distances[end, 1] == distances[end, 0]:
            match[end] = _first_nearest(tree, nearby, node_xy, ends[end], distances[end, 0])
    return match.astype(int), within.astype(int)


def _first_nearest(tree: cKDTree, nearby: np.ndarray, node_xy: np.ndarray, point: np.ndarray, gap: float) -> int:
    """Of the nodes nearest ``point`` (``gap`` away: two coincident manholes, or two at one distance), the
    first in the layer. The tree's own pick among equals hangs on its shape, which every other node of the
    layer shapes: the same end must snap to the same manhole whatever else is read with it."""
    candidates = np.asarray(tree.query_ball_point(point, gap * (1.0 + 1e-9) + 1e-12), dtype=np.int64)
    distance = np.hypot(*(node_xy[nearby[candidates]] - point).T)
    return int(nearby[candidates[distance == distance.min()]].min())


def cluster_ends(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Group pipe ends into junctions so that no two ends in a group are over ``tolerance`` apart.

    Groups are grown greedily from the first unlabelled end, nearest candidates first; labels
    count up in the order of each group's first end.

    >>> cluster_ends(np.array([[0, 0], [0.3, 0], [0.6, 0], [9, 9]]), 0.5).tolist()
    [0, 0, 1, 2]
    """
    count = len(points)
    labels = np.full(count, -1, dtype=np.int64)
    if count == 0:
        return labels
    pairs = cKDTree(points).query_pairs(tolerance, output_type="ndarray")
    matrix = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(count, count)) \
        if len(pairs) else coo_matrix((count, count))
    _, groups = connected_components(matrix, directed=False)
    sizes = np.bincount(groups)
    pair_count = np.bincount(groups[pairs[:, 0]], minlength=len(sizes)) if len(pairs) else np.zeros(len(sizes), int)
    # a group whose ends are all within tolerance of each other is one junction (the usual case)
    whole = pair_count == sizes * (sizes - 1) // 2
    labels[whole[groups]] = groups[whole[groups]]
    next_label = len(sizes)
    members_of: dict[int, list[int]] = {}
    for point in np.flatnonzero(~whole[groups]).tolist():
        members_of.setdefault(int(groups[point]), []).append(point)
    tree = cKDTree(points) if members_of else None
    for members in members_of.values():
        for seed in members:
            if labels[seed] >= 0:
                continue
            labels[seed] = next_label
            candidates = [c for c in tree.query_ball_point(points[seed], tolerance) if labels[c] < 0]
            chosen = [seed]
            candidates.sort(key=lambda c: (float(np.hypot(*(points[c] - points[seed]))), c))
            for candidate in candidates:
                if (np.hypot(*(points[chosen] - points[candidate]).T) <= tolerance).all():
                    labels[candidate] = next_label
                    chosen.append(candidate)
            next_label += 1
    # number groups by their first end, as the points come
    first = np.full(next_label, count, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(count))
    used = np.flatnonzero(first < count)
    rank = np.full(next_label, -1, dtype=np.int64)
    rank[used[np.argsort(first[used], kind="stable")]] = np.arange(len(used))
    return rank[labels]


@dataclass
class EdgeArrays:
    """The built graph as arrays: node names/locations and pipes as (from, to) node positions."""

    names: np.ndarray
    xy: np.ndarray
    virtual: np.ndarray
    node_fids: list
    source: np.ndarray
    target: np.ndarray
    keys: np.ndarray
    fids: np.ndarray
    line_xy: np.ndarray
    offsets: np.ndarray
    middles: np.ndarray


def find_topology_defects(
    edges: EdgeArrays,
    snap_tolerance: float,
    near_miss_distance: float,
    has_node_layer: bool,
    check: Callable[[], None] = lambda: None,
    index: Optional[SegmentIndex] = None,
    overlaps: Optional[np.ndarray] = None,
) -> list[Finding]:
    """Report dangling ends, near misses, duplicates, overlaps, self-loops and orphan nodes
    (``index``: ``topology_index`` of the edges' lines, ``overlaps``: their ``overlap_pairs`` at
    ``snap_tolerance``, when already made)."""
    count = len(edges.names)
    degree = np.bincount(edges.source, minlength=count) + np.bincount(edges.target, minlength=count)
    index = index if index is not None else topology_index(edges.line_xy, edges.offsets, near_miss_distance)
    check()  # raises Cancelled when the user asked to stop
    by_node: list[tuple[int, int, Finding]] = []
    for node in np.flatnonzero((degree == 0) & ~edges.virtual).tolist():
        by_node.append((node, 0, make_finding(Check.ORPHAN_NODE, edges.names[node], edges.node_fids[node],
                                              xy=tuple(edges.xy[node]))))
    dangling = np.flatnonzero((degree == 1) & edges.virtual)
    incident = np.full(count, -1, dtype=np.int64)
    incident[edges.target] = np.arange(len(edges.target))
    incident[edges.source] = np.arange(len(edges.source))
    pipe = incident[dangling]
    other_end = np.where(edges.source[pipe] == dangling, edges.target[pipe], edges.source[pipe])
    near_node, node_gap = _nearest_other_node(edges.xy, dangling, other_end, near_miss_distance)
    near_pipe, pipe_gap = index.nearest_many(edges.xy[dangling], near_miss_distance, pipe)
    check()
    severity = None if has_node_layer else "info"
    for row, node in enumerate(dangling.tolist()):
        key, fid, xy = edges.keys[pipe[row]], int(edges.fids[pipe[row]]), tuple(edges.xy[node])
        by_node.append((node, 1, make_finding(Check.DANGLING_END, key, fid, value=edges.names[node], xy=xy,
                                              severity=severity)))
        best = None
        if near_node[row] >= 0:
            name = edges.names[near_node[row]]
            kind = "pipe end" if edges.virtual[near_node[row]] else "node"
            best = (float(node_gap[row]), f"{kind} {name}")
        if near_pipe[row] >= 0 and (best is None or pipe_gap[row] < best[0] - 1e-9):
            best = (float(pipe_gap[row]), f"pipe {edges.keys[near_pipe[row]]}")
        if best is not None:
            by_node.append((node, 2, make_finding(Check.NEAR_MISS, key, fid, value=round(best[0], 3), xy=xy,
                                                  target=best[1])))
    by_node.sort(key=lambda item: (item[0], item[1]))
    findings = [finding for _, _, finding in by_node]
    check()
    findings.extend(_duplicates_and_overlaps(edges, index, snap_tolerance, overlaps))
    check()
    for row in np.flatnonzero(edges.source == edges.target).tolist():
        findings.append(make_finding(Check.SELF_LOOP, edges.keys[row], int(edges.fids[row]),
                                     value=edges.names[edges.source[row]], xy=tuple(edges.middles[row])))
    return findings


def topology_index(line_xy: np.ndarray, offsets: np.ndarray, near_miss_distance: float) -> SegmentIndex:
    """The index of every pipe's segments that find_topology_defects searches."""
    return SegmentIndex(line_xy, offsets, step=max(near_miss_distance, 25.0))


def _nearest_other_node(xy: np.ndarray, nodes: np.ndarray, other_end: np.ndarray,
                        radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest node within ``radius`` of each of ``nodes`` that is neither itself nor its pipe's other end."""
    found = np.full(len(nodes), -1, dtype=np.int64)
    gaps = np.full(len(nodes), np.inf)
    if len(nodes) == 0 or len(xy) < 2:
        return found, gaps
    nearby = points_near(xy, xy[nodes], radius)  # the nodes themselves among them
    tree = cKDTree(xy[nearby])
    k = min(4, len(nearby))
    distance, local = tree.query(xy[nodes], k=k, distance_upper_bound=radius, workers=query_workers(len(nodes)))
    distance, local = distance.reshape(len(nodes), k), local.reshape(len(nodes), k)
    neighbour = np.where(local < len(nearby), nearby[np.minimum(local, len(nearby) - 1)], len(xy))
    usable = np.isfinite(distance) & (neighbour != nodes[:, None]) & (neighbour != other_end[:, None])
    has = usable.any(axis=1)
    best = np.where(usable, distance, np.inf).min(axis=1)
    # of nodes equally near (coincident manholes), the first in the layer, not the tree's pick among them
    tied = usable & (distance == best[:, None])
    rows = np.flatnonzero(has)
    found[rows] = np.where(tied, neighbour, len(xy)).min(axis=1)[rows]
    gaps[rows] = best[rows]
    # every one of the k nearest excluded, or the last of them tied (more may be as near): ask exactly
    for row in np.flatnonzero(np.isfinite(distance[:, -1]) & (~has | tied[:, -1])).tolist():
        candidates = [c for c in nearby[tree.query_ball_point(xy[nodes[row]], radius)].tolist()
                      if c not in (nodes[row], other_end[row])]
        if candidates:
            gap, candidate = min((float(np.hypot(*(xy[c] - xy[nodes[row]]))), c) for c in candidates)
            found[row], gaps[row] = candidate, gap
    return found, gaps


def overlap_pairs(index: SegmentIndex, line_xy: np.ndarray, offsets: np.ndarray, middles: np.ndarray,
                  tolerance: float) -> np.ndarray:
    """(line, other line) pairs, ordered, where every point of the line lies within ``tolerance`` of the
    other (overlapping pipes, duplicates among them): geometry alone, so it can be searched beside
    the snapping (``index``: topology_index of the lines; ``middles``: their halfway points)."""
    if index.tree is None:
        return np.empty((0, 2), dtype=np.int64)
    # only middles with another pipe within tolerance need the whole-line test
    rows, samples = index.samples_within(middles, tolerance + index.step / 2.0 + 1e-9)
    segment = index.sample_segment[samples]
    other = index.owners[segment] != rows
    candidates = unique_pairs(rows[other], segment[other])
    gaps = row_distances(middles[candidates[:, 0]], index.starts[candidates[:, 1]], index.ends[candidates[:, 1]])
    near = gaps <= tolerance
    close = unique_pairs(candidates[near, 0], index.owners[candidates[near, 1]])
    return close[inside_many(line_xy, offsets, close[:, 0], close[:, 1], tolerance)]


def _duplicates_and_overlaps(edges: EdgeArrays, index: SegmentIndex, tolerance: float,
                             overlaps: Optional[np.ndarray] = None) -> list[Finding]:
    findings: list[Finding] = []

    low, high = np.minimum(edges.source, edges.target), np.maximum(edges.source, edges.target)
    proper = np.flatnonzero(low != high)
    order = proper[np.lexsort((proper, high[proper], low[proper]))]
    same = (low[order][1:] == low[order][:-1]) & (high[order][1:] == high[order][:-1])
    groups: dict[tuple, list[int]] = {}
    for position in np.flatnonzero(same).tolist():
        for row in (order[position], order[position + 1]):
            members = groups.setdefault((int(low[row]), int(high[row])), [])
            if row not in members:
                members.append(int(row))
    duplicate_pairs: set[frozenset] = set()
    ordered_groups = sorted(groups.values())
    # every (pipe, earlier pipe of its group) pair tested at once: each lies within tolerance of the other
    candidates = [(row, earlier) for rows in ordered_groups for position, row in enumerate(rows)
                  for earlier in rows[:position]]
    same: set = set()
    if candidates:
        first, second = np.array(candidates, dtype=np.int64).T
        both = inside_many(edges.line_xy, edges.offsets, first, second, tolerance) & \
            inside_many(edges.line_xy, edges.offsets, second, first, tolerance)
        same = {pair for pair, match in zip(candidates, both.tolist()) if match}
    for rows in ordered_groups:
        for position, row in enumerate(rows):
            for earlier in rows[:position]:
                if (row, earlier) in same:
                    duplicate_pairs.add(frozenset((row, earlier)))
                    findings.append(make_finding(Check.DUPLICATE_PIPE, edges.keys[row], int(edges.fids[row]),
                                                 value=edges.keys[earlier], xy=tuple(edges.middles[row])))
                    break
    reported: set[frozenset] = set()
    if overlaps is None:
        overlaps = overlap_pairs(index, edges.line_xy, edges.offsets, edges.middles, tolerance)
    for row, owner in overlaps.tolist():
        pair = frozenset((row, owner))
        if pair in duplicate_pairs or pair in reported:
            continue
        reported.add(pair)
        findings.append(make_finding(Check.OVERLAPPING_PIPE, edges.keys[row], int(edges.fids[row]),
                                     value=edges.keys[owner], xy=tuple(edges.middles[row])))
    return findings


def inside_many(xy: np.ndarray, offsets: np.ndarray, lines: np.ndarray, others: np.ndarray,
                tolerance: float) -> np.ndarray:
    """For pairs of parts, whether every vertex and segment midpoint of ``lines[i]`` lies within
    tolerance of ``others[i]`` (parts given as one vertex array and offsets), all pairs at once."""
    lines, others = np.asarray(lines, dtype=np.int64), np.asarray(others, dtype=np.int64)
    result = np.zeros(len(lines), dtype=bool)
    vertices = offsets[lines + 1] - offsets[lines]
    segments = offsets[others + 1] - offsets[others] - 1
    usable = np.flatnonzero((vertices >= 1) & (segments >= 1))
    if not len(usable):
        return result
    lines, others = lines[usable], others[usable]
    vertices, segments = vertices[usable], segments[usable]
    probes = 2 * vertices - 1  # the vertices, then the middles of the segments between them
    # every (pair, probe, segment of the other line) combination
    combos = probes * segments
    within = ranges(np.zeros(len(lines), dtype=np.int64), combos)
    probe = within // np.repeat(segments, combos)
    segment = within % np.repeat(segments, combos)
    is_vertex = probe < np.repeat(vertices, combos)
    first = np.repeat(offsets[lines], combos)
    vertex_at = first + np.where(is_vertex, probe, probe - np.repeat(vertices, combos))
    following = xy[np.minimum(vertex_at + 1, len(xy) - 1)]
    point = np.where(is_vertex[:, None], xy[vertex_at], (xy[vertex_at] + following) / 2)
    start = np.repeat(offsets[others], combos) + segment
    gaps = row_distances(point, xy[start], xy[start + 1])
    # nearest segment per probe, then the farthest probe per pair
    probe_key = np.repeat(group_starts(probes), combos) + probe
    nearest = np.full(probes.sum(), np.inf)
    np.minimum.at(nearest, probe_key, gaps)
    farthest = np.maximum.reduceat(nearest, group_starts(probes))
    result[usable] = farthest <= tolerance
    return result


def _inside(line: np.ndarray, other: np.ndarray, tolerance: float) -> bool:
    """Whether every vertex and segment midpoint of ``line`` lies within tolerance of ``other`` (the scalar
    reference inside_many is tested against)."""
    if len(other) < 2:
        return False
    probes = np.concatenate([line, (line[:-1] + line[1:]) / 2.0])
    starts, ends = other[:-1], other[1:]
    return all(point_segment_distance(p, starts, ends).min() <= tolerance for p in probes)


def _smallest_name_rank(names: np.ndarray, labels: np.ndarray, number: int) -> np.ndarray:
    """Per component, the rank (among components) of its smallest node name, as text: the tie-break."""
    if len(names) > 100_000:
        try:  # a county: the smallest name per component in C, without a fixed-width copy of every name
            import pandas

            per_component = pandas.Series(names, dtype=object).groupby(labels).min()
            if len(per_component) == number:
                rank = np.empty(number, dtype=np.int64)
                rank[np.argsort(np.array(per_component.tolist(), dtype=str), kind="stable")] = np.arange(number)
                return rank
        except ImportError:
            pass
    count = len(names)
    name_rank = np.empty(count, dtype=np.int64)
    name_rank[np.argsort(np.array(names.tolist(), dtype=str), kind="stable")] = np.arange(count)
    smallest = np.full(number, count, dtype=np.int64)
    np.minimum.at(smallest, labels, name_rank)
    return smallest


def component_ids(names: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weakly connected component of every node, numbered 1..n, largest (by pipes, then nodes) first."""
    count = len(names)
    if count == 0:
        return np.empty(0, dtype=np.int64)
    matrix = coo_matrix((np.ones(len(source)), (source, target)), shape=(count, count))
    number, labels = connected_components(matrix, directed=False)
    pipes = np.bincount(labels[source], minlength=number)
    nodes = np.bincount(labels, minlength=number)
    smallest = _smallest_name_rank(names, labels, number)
    order = np.lexsort((smallest, -nodes, -pipes))
    rank = np.empty(number, dtype=np.int64)
    rank[order] = np.arange(1, number + 1)
    return rank[labels]
