"""The skeleton pass: proximity groups of pipes and nodes that no part of the build can join across.

The build joins features only where they are close or named: pipe ends within the snapping tolerance of
each other (virtual junctions) or of a node (snapping), a node or pipe end within the tolerance of a line's
interior (the line is cut there, build/planar.py), and from/to ids naming a node (or, without a node layer,
naming one place shared by the pipes that give the same id). Every such link is an edge here, with a
little slack, and the connected components of that graph are the groups: each of the network's components
lies inside one group, so snapping, components, reachability and the flow sums never cross a group.
Only pipe ends, nodes and a segment index of the lines are read; no graph is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..model.columns import LineColumns, PointColumns, factorize, object_array
from ..model.geometry import SegmentIndex, row_distances

SLACK = 1e-6  # metres added to the tolerance: a group may be coarser than the build's joins, never finer


@dataclass
class Groups:
    """Proximity group of every pipe feature and every node (numbered 0..count-1)."""

    pipe: np.ndarray
    node: np.ndarray
    count: int

    def weights(self) -> np.ndarray:
        """Features per group (pipes plus nodes): what a partition's work grows with."""
        return np.bincount(np.concatenate([self.pipe, self.node]), minlength=self.count)


def part_ends(pipes: LineColumns) -> tuple[np.ndarray, np.ndarray]:
    """(xy of both ends of every part, the feature of each end)."""
    if len(pipes.offsets) < 2:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    first, last = pipes.offsets[:-1], pipes.offsets[1:] - 1
    ends = np.stack([pipes.xy[first], pipes.xy[last]], axis=1).reshape(-1, 2)
    return ends, np.repeat(pipes.part_feature, 2)


def proximity_groups(pipes: LineColumns, nodes: Optional[PointColumns], tolerance: float,
                     from_field: Optional[str] = None, to_field: Optional[str] = None,
                     node_id_field: Optional[str] = None) -> Groups:
    """Group pipes and nodes so that every join the build can make stays inside a group.

    Vertices are the pipe features (0..P-1), the nodes (P..P+N-1) and the distinct from/to/node ids
    (after them). Edges: points (part ends and nodes) within ``tolerance`` of each other (one KD-tree
    pairs query), points within ``tolerance`` of a line (the segment index), parts of one feature,
    and a pipe or node to each id it gives. ``connected_components`` numbers the groups.

    >>> from pipenet.network.model.columns import LineColumns, PointColumns, object_array
    >>> pipes = LineColumns("p", ["id"], np.arange(3), {"id": object_array(["a", "b", "c"])},
    ...                     np.arange(3), np.ones(3, dtype=int), np.array([0, 2, 4, 6]),
    ...                     np.array([[0, 0], [10, 0], [10.2, 0], [20, 0], [500, 0], [510, 0]], dtype=float))
    >>> proximity_groups(pipes, None, 0.5).pipe.tolist()
    [0, 0, 1]
    """
    pipe_count = pipes.count
    node_xy = nodes.xy if nodes is not None else np.empty((0, 2))
    node_count = len(node_xy)
    ends, end_feature = part_ends(pipes)
    located = np.isfinite(node_xy).all(axis=1)
    node_rows = np.flatnonzero(located)
    points = np.concatenate([ends, node_xy[node_rows]])
    owner = np.concatenate([end_feature, pipe_count + node_rows])  # the graph vertex of every point
    reach = tolerance + SLACK
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    if len(points):
        pairs = cKDTree(points).query_pairs(reach, output_type="ndarray")
        first.append(owner[pairs[:, 0]])
        second.append(owner[pairs[:, 1]])
    # parts of one feature stay together (a feature is never split between partitions)
    first.append(end_feature)
    second.append(np.repeat(pipes.part_feature, 2) if len(end_feature) else end_feature)
    if len(points) and len(pipes.offsets) > 1:
        point_of, line_of = _points_on_lines(pipes, points, reach)
        first.append(owner[point_of])
        second.append(line_of)
    ids_count = 0
    id_columns = []
    if from_field and to_field and from_field in pipes.attrs and to_field in pipes.attrs:
        id_columns += [(np.arange(pipe_count), pipes.attrs[from_field]), (np.arange(pipe_count), pipes.attrs[to_field])]
    if nodes is not None and node_id_field and node_id_field in nodes.attrs:
        id_columns.append((pipe_count + np.arange(node_count), nodes.attrs[node_id_field]))
    if id_columns:
        values = np.concatenate([object_array([None if v is None else str(v) for v in column.tolist()])
                                 for _, column in id_columns])
        codes, distinct = factorize(values)
        vertices = np.concatenate([vertex for vertex, _ in id_columns])
        given = codes >= 0
        ids_count = len(distinct)
        first.append(vertices[given])
        second.append(pipe_count + node_count + codes[given])
    total = pipe_count + node_count + ids_count
    row, column = np.concatenate(first).astype(np.int64), np.concatenate(second).astype(np.int64)
    matrix = coo_matrix((np.ones(len(row), dtype=np.int8), (row, column)), shape=(total, total))
    _, labels = connected_components(matrix, directed=False)
    # number the groups of pipes and nodes 0..count-1 by their first feature (ids alone are no group)
    used = labels[:pipe_count + node_count]
    distinct_labels, first_seen = np.unique(used, return_index=True)
    rank = np.full(int(labels.max(initial=-1)) + 1, -1, dtype=np.int64)
    rank[distinct_labels[np.argsort(first_seen)]] = np.arange(len(distinct_labels))
    numbered = rank[used]
    return Groups(numbered[:pipe_count], numbered[pipe_count:], len(distinct_labels))


def _points_on_lines(pipes: LineColumns, points: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """(point, pipe feature) pairs where the point lies within ``reach`` of one of the feature's segments."""
    index = SegmentIndex(pipes.xy, pipes.offsets, step=max(reach * 4.0, 25.0))
    if index.tree is None:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    point_of, samples = index.samples_within(points, reach + index.step / 2.0 + 1e-9)
    segment = index.sample_segment[samples]
    near = row_distances(points[point_of], index.starts[segment], index.ends[segment]) <= reach
    return point_of[near], pipes.part_feature[index.owners[segment[near]]]


def group_centres(pipes: LineColumns, nodes: Optional[PointColumns], groups: Groups) -> np.ndarray:
    """The mean x/y of every group's pipe ends and located nodes (NaN for a group with neither)."""
    ends, end_feature = part_ends(pipes)
    node_xy = nodes.xy if nodes is not None else np.empty((0, 2))
    located = np.isfinite(node_xy).all(axis=1)
    xy = np.concatenate([ends, node_xy[located]])
    label = np.concatenate([groups.pipe[end_feature], groups.node[located]])
    count = np.bincount(label, minlength=groups.count).astype(float)
    with np.errstate(invalid="ignore"):
        return np.stack([np.bincount(label, weights=xy[:, axis], minlength=groups.count) / count
                         for axis in (0, 1)], axis=1)
