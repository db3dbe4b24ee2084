"""Snapping of pipe ends to nodes and the topology checks of a built graph."""

from __future__ import annotations

from typing import Callable, Optional

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from .findings import Finding, make_finding
from .geometry import SegmentIndex, point_at_half, point_segment_distance
from .model import edge_of


def snap_to_nodes(ends: np.ndarray, node_xy: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Match each end to the nearest node within ``tolerance``.

    Returns (index of the node or -1, number of nodes within tolerance), one per end.

    >>> snap_to_nodes(np.array([[0.1, 0.0], [5.0, 5.0]]), np.array([[0.0, 0.0]]), 0.5)[0].tolist()
    [0, -1]
    """
    count = len(ends)
    if count == 0 or len(node_xy) == 0:
        return np.full(count, -1), np.zeros(count, dtype=int)
    tree = cKDTree(node_xy)
    k = min(2, len(node_xy))
    distances, indices = tree.query(ends, k=k, distance_upper_bound=tolerance)
    if k == 1:
        distances, indices = distances[:, None], indices[:, None]
    found = np.isfinite(distances)
    match = np.where(found[:, 0], indices[:, 0], -1)
    within = found.sum(axis=1)
    for end in np.nonzero(within >= 2)[0]:
        within[end] = len(tree.query_ball_point(ends[end], tolerance))
    return match.astype(int), within.astype(int)


def cluster_ends(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Group pipe ends into junctions so that no two ends in a group are over ``tolerance`` apart.

    >>> cluster_ends(np.array([[0, 0], [0.3, 0], [0.6, 0], [9, 9]]), 0.5).tolist()
    [0, 0, 1, 2]
    """
    labels = np.full(len(points), -1, dtype=int)
    if len(points) == 0:
        return labels
    neighbours = cKDTree(points).query_ball_point(points, tolerance)
    next_label = 0
    for seed in range(len(points)):
        if labels[seed] >= 0:
            continue
        labels[seed] = next_label
        candidates = [c for c in neighbours[seed] if labels[c] < 0]
        if candidates:
            members = [seed]
            candidates.sort(key=lambda c: float(np.hypot(*(points[c] - points[seed]))))
            for candidate in candidates:
                gaps = np.hypot(*(points[members] - points[candidate]).T)
                if (gaps <= tolerance).all():
                    labels[candidate] = next_label
                    members.append(candidate)
        next_label += 1
    return labels


def find_topology_defects(
    graph: nx.MultiDiGraph,
    coords: dict[str, np.ndarray],
    snap_tolerance: float,
    near_miss_distance: float,
    has_node_layer: bool,
    check: Callable[[], None] = lambda: None,
) -> list[Finding]:
    """Report dangling ends, near misses, duplicates, overlaps, self-loops and orphan nodes."""
    findings: list[Finding] = []
    pipe_ids = list(coords)
    owner_of = {pipe_id: index for index, pipe_id in enumerate(pipe_ids)}
    index = SegmentIndex([coords[p] for p in pipe_ids], step=max(near_miss_distance, 5.0))
    edge_data = {key: (u, v, data) for u, v, key, data in graph.edges(keys=True, data=True)}

    node_names = list(graph.nodes)
    node_xy = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in node_names]) \
        if node_names else np.empty((0, 2))
    node_tree = cKDTree(node_xy) if len(node_xy) else None

    for count, (node, data) in enumerate(graph.nodes(data=True)):
        if count % 2000 == 0:
            check()  # raises Cancelled when the user asked to stop
        degree = graph.degree(node)
        xy = (data["x"], data["y"])
        if degree == 0 and not data.get("virtual"):
            findings.append(make_finding("orphan_node", node, data.get("fid"), xy=xy))
            continue
        if not data.get("virtual") or degree != 1:
            continue
        pipe_key = _incident_keys(graph, node)[0]
        fid = edge_data[pipe_key][2].get("fid")
        findings.append(make_finding("dangling_end", pipe_key, fid, value=node, xy=xy,
                                     severity=None if has_node_layer else "info"))
        near = _nearest_unconnected(graph, node, xy, pipe_key, node_names, node_tree, index,
                                    pipe_ids, near_miss_distance)
        if near is not None:
            distance, target = near
            findings.append(make_finding("near_miss", pipe_key, fid, value=round(distance, 3),
                                         xy=xy, target=target))

    check()
    findings.extend(_duplicates_and_overlaps(graph, coords, index, owner_of, snap_tolerance))
    check()
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u == v:
            xy = point_at_half(coords[key]) if key in coords else None
            findings.append(make_finding("self_loop", key, data.get("fid"), value=u, xy=xy))
    return findings


def _incident_keys(graph: nx.MultiDiGraph, node: str) -> list[str]:
    keys = [k for _, _, k in graph.in_edges(node, keys=True)]
    keys += [k for _, _, k in graph.out_edges(node, keys=True)]
    return keys


def _nearest_unconnected(graph, node, xy, pipe_key, node_names, node_tree, index, pipe_ids,
                         radius) -> Optional[tuple[float, str]]:
    """Nearest node or pipe within ``radius`` of a dangling end that it is not connected to."""
    best: Optional[tuple[float, str]] = None
    if node_tree is not None:
        for other in node_tree.query_ball_point(xy, radius):
            name = node_names[other]
            if name == node or graph.has_edge(node, name) or graph.has_edge(name, node):
                continue
            distance = float(np.hypot(xy[0] - graph.nodes[name]["x"], xy[1] - graph.nodes[name]["y"]))
            kind = "pipe end" if graph.nodes[name].get("virtual") else "node"
            if best is None or distance < best[0]:
                best = (distance, f"{kind} {name}")
    connected = set(_incident_keys(graph, node))
    for owner, distance in index.near(xy, radius).items():
        other_key = pipe_ids[owner]
        if other_key in connected or other_key == pipe_key:
            continue
        if best is None or distance < best[0] - 1e-9:
            best = (distance, f"pipe {other_key}")
    return best


def _duplicates_and_overlaps(graph, coords, index, owner_of, tolerance) -> list[Finding]:
    findings: list[Finding] = []
    by_ends: dict[tuple, list[str]] = {}
    for u, v, key in graph.edges(keys=True):
        if u != v:
            by_ends.setdefault(tuple(sorted((u, v))), []).append(key)
    duplicate_pairs: set[frozenset] = set()
    for keys in by_ends.values():
        for position, key in enumerate(keys):
            for earlier in keys[:position]:
                if _same_line(coords[key], coords[earlier], tolerance):
                    duplicate_pairs.add(frozenset((key, earlier)))
                    data = graph.edges[edge_of(graph, key)]
                    findings.append(make_finding("duplicate_pipe", key, data.get("fid"), value=earlier,
                                                 xy=point_at_half(coords[key])))
                    break
    pipe_ids = list(coords)
    reported: set[frozenset] = set()
    middles = {key: point_at_half(line) for key, line in coords.items() if len(line) >= 2}
    coarse = index.candidates(np.array(list(middles.values())).reshape(-1, 2), tolerance)
    for (key, middle), nearby in zip(middles.items(), coarse):
        line = coords[key]
        if len(nearby) < 2:  # only the pipe itself passes there: the usual case, skip exact tests
            continue
        for owner in index.near(middle, tolerance):
            other = pipe_ids[owner]
            pair = frozenset((key, other))
            if other == key or pair in duplicate_pairs or pair in reported:
                continue
            if _inside(line, coords[other], tolerance):
                reported.add(pair)
                data = graph.edges[edge_of(graph, key)]
                findings.append(make_finding("overlapping_pipe", key, data.get("fid"), value=other,
                                             xy=middle))
    return findings


def _same_line(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """Two polylines with the same ends are duplicates when each lies within tolerance of the other."""
    return _inside(a, b, tolerance) and _inside(b, a, tolerance)


def _inside(line: np.ndarray, other: np.ndarray, tolerance: float) -> bool:
    """Whether every vertex and segment midpoint of ``line`` lies within tolerance of ``other``."""
    if len(other) < 2:
        return False
    probes = np.concatenate([line, (line[:-1] + line[1:]) / 2.0])
    starts, ends = other[:-1], other[1:]
    return all(point_segment_distance(p, starts, ends).min() <= tolerance for p in probes)


def component_ids(graph: nx.MultiDiGraph) -> dict[str, int]:
    """Number weakly connected components 1..n, largest (by pipes, then nodes) first."""
    components = list(nx.weakly_connected_components(graph))
    label = {node: index for index, nodes in enumerate(components) for node in nodes}
    pipes = [0] * len(components)
    for u, _ in graph.edges():
        pipes[label[u]] += 1
    order = sorted(range(len(components)), key=lambda i: (-pipes[i], -len(components[i]),
                                                          min(map(str, components[i]))))
    rank = {index: number for number, index in enumerate(order, start=1)}
    return {node: rank[index] for node, index in label.items()}
