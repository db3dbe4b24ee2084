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

from ..io.arrow import distinct_rows
from ..model.columns import LineColumns, PointColumns, factorize, object_array, ranges
from ..model.geometry import SegmentIndex, row_distances

SLACK = 1e-6  # metres added to the tolerance: a group may be coarser than the build's joins, never finer
STRIP_POINTS = 2_000_000  # points per strip of the proximity queries (a national network: ~35 strips)


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


@dataclass
class IdLinks:
    """The ids that join features (a pipe's from/to ids, a node's id): the graph vertex giving each id
    (pipe row, or pipe count + node row) and the id's number among the distinct ids."""

    vertex: np.ndarray
    code: np.ndarray
    count: int

    @classmethod
    def none(cls) -> IdLinks:
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), 0)

    @classmethod
    def of_values(cls, columns: list) -> IdLinks:
        """From (vertices, values) column pairs: str(value) is the id, None none."""
        if not columns:
            return cls.none()
        values = np.concatenate([object_array([None if v is None else str(v) for v in column.tolist()])
                                 for _, column in columns])
        codes, distinct = factorize(values)
        vertices = np.concatenate([vertex for vertex, _ in columns])
        given = codes >= 0
        return cls(vertices[given].astype(np.int64), codes[given].astype(np.int64), len(distinct))

    @classmethod
    def of_text(cls, columns: list) -> IdLinks:
        """From (vertices, UTF-8 bytes, given) columns (partition/source.py: no Python string per id)."""
        if not columns:
            return cls.none()
        vertices = np.concatenate([vertex[given] for vertex, _, given in columns]).astype(np.int64)
        text = np.concatenate([values[given] for _, values, given in columns])
        if not len(text):
            return cls.none()
        _, codes = distinct_rows(text)
        return cls(vertices, codes, int(codes.max()) + 1)


def proximity_groups(pipes: LineColumns, nodes: Optional[PointColumns], tolerance: float,
                     from_field: Optional[str] = None, to_field: Optional[str] = None,
                     node_id_field: Optional[str] = None, links: Optional[IdLinks] = None,
                     strip_points: int = STRIP_POINTS) -> Groups:
    """Group pipes and nodes so that every join the build can make stays inside a group.

    Vertices are the pipe features (0..P-1), the nodes (P..P+N-1) and the distinct from/to/node ids
    (after them). Edges: points (part ends and nodes) within ``tolerance`` of each other (one KD-tree
    pairs query), points within ``tolerance`` of a line (the segment index), found strip by strip
    (``proximity_links``), and a pipe or node to each id it gives (``links``, or read from the named
    fields). ``connected_components`` numbers the groups.

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
    node_rows = np.flatnonzero(np.isfinite(node_xy).all(axis=1))
    points = np.concatenate([ends, node_xy[node_rows]])
    # the graph vertex of every point: a part's ends are its feature's (parts of one feature stay together)
    owner = np.concatenate([end_feature, pipe_count + node_rows]).astype(np.int64)
    del ends, end_feature
    first, second = proximity_links(pipes, points, owner, tolerance + SLACK, strip_points)
    del points, owner
    if links is None:
        columns = []
        if from_field and to_field and from_field in pipes.attrs and to_field in pipes.attrs:
            columns += [(np.arange(pipe_count), pipes.attrs[from_field]),
                        (np.arange(pipe_count), pipes.attrs[to_field])]
        if nodes is not None and node_id_field and node_id_field in nodes.attrs:
            columns.append((pipe_count + np.arange(node_count), nodes.attrs[node_id_field]))
        links = IdLinks.of_values(columns)
    total = pipe_count + node_count + links.count
    labels = _components(np.concatenate([first, links.vertex]), np.concatenate([second, pipe_count + node_count
                                                                                 + links.code]), total)
    # number the groups of pipes and nodes 0..count-1 by their first feature (ids alone are no group)
    used = labels[:pipe_count + node_count]
    distinct_labels, first_seen = np.unique(used, return_index=True)
    rank = np.full(int(labels.max(initial=-1)) + 1, -1, dtype=np.int64)
    rank[distinct_labels[np.argsort(first_seen)]] = np.arange(len(distinct_labels))
    numbered = rank[used]
    return Groups(numbered[:pipe_count], numbered[pipe_count:], len(distinct_labels))


def _components(first: np.ndarray, second: np.ndarray, total: int) -> np.ndarray:
    """Connected component label of each of ``total`` vertices joined by the edges (first, second)."""
    kind = np.int32 if total < np.iinfo(np.int32).max else np.int64
    matrix = coo_matrix((np.ones(len(first), dtype=np.int8), (first.astype(kind), second.astype(kind))),
                        shape=(total, total))
    return connected_components(matrix, directed=False)[1]


def _forest(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining what (first, second) joins, at most one per vertex: each vertex to the first of its
    component (a spanning forest's connectivity), so a strip's many pairs become few edges."""
    if not len(first):
        return first, second
    vertices, local = np.unique(np.concatenate([first, second]), return_inverse=True)
    labels = _components(local[:len(first)], local[len(first):], len(vertices))
    root = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    root[labels[::-1]] = np.arange(len(labels))[::-1]  # the first vertex of each component
    keep = root[labels] != np.arange(len(labels))
    return vertices[keep], vertices[root[labels[keep]]]


def proximity_links(pipes: LineColumns, points: np.ndarray, owner: np.ndarray, reach: float,
                    strip_points: int = STRIP_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Edges (owner, owner) joining points within ``reach`` of each other and points within ``reach`` of a
    line (the line's feature), found in vertical strips of about ``strip_points`` points: a strip's core
    points against the points and lines within ``reach`` of it, each strip's pairs kept as a spanning
    forest. Memory follows the strip, not the network; with one strip this is the plain whole-network
    query, which the tests hold the strips equal to."""
    located = np.flatnonzero(np.isfinite(points).all(axis=1))
    order = located[np.argsort(points[located, 0], kind="stable")]
    x = points[order, 0]
    sizes = np.diff(pipes.offsets)
    part_min = np.minimum.reduceat(pipes.xy[:, 0], pipes.offsets[:-1]) if len(sizes) else np.empty(0)
    part_max = np.maximum.reduceat(pipes.xy[:, 0], pipes.offsets[:-1]) if len(sizes) else np.empty(0)
    first: list[np.ndarray] = []
    second: list[np.ndarray] = []
    for start in range(0, len(order), max(1, strip_points)):
        stop = min(start + strip_points, len(order))
        low, high = x[start], x[stop - 1]
        core = order[start:stop]
        near = order[np.searchsorted(x, low - reach, "left"):np.searchsorted(x, high + reach, "right")]
        pair_first, pair_second = [], []
        if len(near):
            tree = cKDTree(points[near])
            pairs = cKDTree(points[core]).sparse_distance_matrix(tree, reach, output_type="ndarray")
            pair_first.append(owner[core[pairs["i"]]])
            pair_second.append(owner[near[pairs["j"]]])
            del pairs, tree
        crossing = np.flatnonzero((part_max >= low - reach) & (part_min <= high + reach))
        if len(crossing):
            point_of, line_of = _points_on_lines(_parts(pipes, crossing), points[core], reach)
            pair_first.append(owner[core[point_of]])
            pair_second.append(line_of)
        if pair_first:
            forest = _forest(np.concatenate(pair_first), np.concatenate(pair_second))
            first.append(forest[0])
            second.append(forest[1])
    empty = np.empty(0, dtype=np.int64)
    return np.concatenate(first + [empty]), np.concatenate(second + [empty])


def _parts(pipes: LineColumns, parts: np.ndarray) -> LineColumns:
    """The parts ``parts`` of a line layer (attributes left out), their features' numbers kept."""
    sizes = np.diff(pipes.offsets)[parts]
    return LineColumns(pipes.name, [], pipes.fids, {}, pipes.part_feature[parts], pipes.part_number[parts],
                       np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
                       pipes.xy[ranges(pipes.offsets[:-1][parts], sizes)])


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
