"""Pipes cut into pieces (lixels) linked along the network, searches over them, and points placed on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix

from ..model.columns import KeyedValues, PartCoords, along, group_starts, range_boxes, ranges, vertex_at_or_before
from ..model.geometry import SegmentIndex, cell_keys
from ..model.tables import GraphTable, min_matrix, table_of
from .neighbourhoods import piece_ends

POINT_STRIPS = 8  # events placed an eighth of a county at a time: an eighth of the index's memory
POINTS_PER_STRIP = 10_000  # fewer points are placed at once

MAX_LIXELS = 100_000  # pieces of one pipe (1,000 km at 10 m): longer pipes get longer pieces


@dataclass
class Lixels:
    """Pipes cut into pieces of at most ``length`` m, with their adjacency along the network.

    ``adjacency`` is a symmetric sparse matrix of network steps (m) between neighbouring pieces;
    the pieces of one pipe are consecutive.
    """

    pipe: list[str] = field(default_factory=list)
    start: np.ndarray = field(default_factory=lambda: np.empty(0))
    size: np.ndarray = field(default_factory=lambda: np.empty(0))
    xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    adjacency: csr_matrix = field(default_factory=lambda: csr_matrix((0, 0)))
    first_of_pipe: Mapping[str, int] = field(default_factory=dict)  # mappings over arrays (make_lixels)
    count_of_pipe: Mapping[str, int] = field(default_factory=dict)
    table_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # each pipe's table row
    ends: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))  # neighbourhoods.piece_ends
    source_keys: Optional[list] = None  # the table's key list the rows refer to
    # statistics.neighbour_counts per search distance: the counts, or the Future counting them in a
    # thread, so breakage and overflow hotspots on the same pieces count once
    neighbour_count_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def neighbours(self) -> list[list[tuple[int, float]]]:
        """(piece, step) lists per piece (for inspection; the analyses use ``adjacency``)."""
        matrix = self.adjacency
        return [list(zip(matrix.indices[a:b].tolist(), matrix.data[a:b].tolist()))
                for a, b in zip(matrix.indptr[:-1], matrix.indptr[1:])]

    def piece(self, pipe_id: str, distance: float) -> Optional[int]:
        """The lixel holding a point ``distance`` m along a pipe."""
        first = self.first_of_pipe.get(pipe_id)
        if first is None:
            return None
        first = int(first)
        starts = self.start[first:first + int(self.count_of_pipe[pipe_id])]
        return first + max(0, int(np.searchsorted(starts, distance, side="right")) - 1)

    def pieces(self, pipe_ids: list, distances: np.ndarray) -> np.ndarray:
        """``piece`` of many (pipe, distance) pairs at once, -1 where the pipe has no pieces."""
        keys, first, count = self.pipe_arrays()
        lookup = self.first_of_pipe.row_or_none if isinstance(self.first_of_pipe, KeyedValues) else \
            dict(zip(keys, range(len(keys)))).get
        rows = np.array([-1 if (row := lookup(pipe_id)) is None else row for pipe_id in pipe_ids], dtype=np.int64)
        found = np.flatnonzero(rows >= 0)
        pieces = np.full(len(rows), -1, dtype=np.int64)
        at = rows[found]
        pieces[found] = piece_along(self, first[at], count[at], np.asarray(distances, dtype=float)[found])
        return pieces

    def pipe_arrays(self) -> tuple[list, np.ndarray, np.ndarray]:
        """(pipe ids, first piece, number of pieces) of every pipe cut, in piece order."""
        if isinstance(self.first_of_pipe, KeyedValues) and isinstance(self.count_of_pipe, KeyedValues):
            return (self.first_of_pipe.keys_list, np.asarray(self.first_of_pipe.values_list, dtype=np.int64),
                    np.asarray(self.count_of_pipe.values_list, dtype=np.int64))
        keys = list(self.first_of_pipe)
        return (keys, np.fromiter(self.first_of_pipe.values(), dtype=np.int64, count=len(keys)),
                np.fromiter(self.count_of_pipe.values(), dtype=np.int64, count=len(keys)))


def make_lixels(graph: nx.MultiDiGraph, coords: dict, length: float = 50.0,
                table: Optional[GraphTable] = None) -> Lixels:
    """Cut every pipe into equal pieces no longer than ``length`` and link the pieces along the network."""
    table = table_of(graph, table)
    lengths = np.nan_to_num(table.edge_numbers("length"))
    flipped = np.nan_to_num(table.edge_numbers("reversed")) > 0
    if isinstance(coords, PartCoords) and coords.keys_list is table.keys:
        # the build's own vertex arrays: no per-pipe lookups
        xy_all, offsets = coords.arrays(np.arange(len(table.keys), dtype=np.int64))
    else:
        lines = [np.asarray(coords.get(key, []), dtype=float).reshape(-1, 2) for key in table.keys]
        xy_all = np.concatenate(lines) if lines else np.empty((0, 2))
        offsets = np.concatenate([[0], np.cumsum([len(line) for line in lines])]).astype(np.int64)
    sizes = np.diff(offsets)
    kept = np.flatnonzero((sizes >= 2) & (lengths > 0))
    if not len(kept):
        return Lixels()
    total = lengths[kept]
    # at most MAX_LIXELS pieces a pipe: a vertex typed 1e10 must not ask for 10^9 of them
    count = np.clip(np.ceil(total / length), 1, MAX_LIXELS).astype(np.int64)
    piece = total / count
    first = group_starts(count)
    pipe_of = np.repeat(np.arange(len(kept)), count)
    number = ranges(np.zeros(len(kept), dtype=np.int64), count)
    size = piece[pipe_of]
    line_offsets = np.concatenate([[0], np.cumsum(sizes[kept])]).astype(np.int64)
    xy = _points_along(xy_all[ranges(offsets[kept], sizes[kept])], line_offsets, pipe_of, (number + 0.5) * size)
    # steps inside a pipe, then between the end pieces of pipes meeting at a node
    inner = np.flatnonzero(number[1:] > 0) + 1
    start = number * size
    del number
    start_node = np.where(flipped[kept], table.target[kept], table.source[kept])  # pieces run along the line
    end_node = np.where(flipped[kept], table.source[kept], table.target[kept])
    junction_from, junction_to, junction_step = _junction_steps(first, count, piece, start_node, end_node)
    ends = piece_ends(first, count, start_node, end_node, len(table.names))
    del start_node, end_node
    adjacency = min_matrix(np.concatenate([inner - 1, inner, junction_from]),
                           np.concatenate([inner, inner - 1, junction_to]),
                           np.concatenate([size[inner], size[inner], junction_step]), len(pipe_of))
    every = len(kept) == len(table.keys)  # then the pipes are the table's, in its order: share its lookup
    keys = table.keys if every else [table.keys[row] for row in kept.tolist()]
    position = table.edge_position if every else None
    # arrays behind mappings: two dicts of a county's 2.3 million pipes held 300 MB
    return Lixels(pipe=[keys[i] for i in pipe_of.tolist()], start=start, size=size, xy=xy,
                  adjacency=adjacency, first_of_pipe=KeyedValues(keys, first, position),
                  count_of_pipe=KeyedValues(keys, count, position), table_rows=kept, source_keys=table.keys,
                  ends=ends)


def _junction_steps(first: np.ndarray, count: np.ndarray, piece: np.ndarray, start_node: np.ndarray,
                    end_node: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(piece, piece, step) between the end pieces of pipes that meet at a node, both ways.

    Its own function so that the pairing arrays are freed before the adjacency is built: on a
    county they are gigabytes at the peak of the audit.
    """
    end_piece = np.concatenate([first, first + count - 1])
    end_at = np.concatenate([start_node, end_node])
    half = np.concatenate([piece, piece]) / 2.0
    order = np.argsort(end_at, kind="stable")
    ordered = end_at[order]
    group_start = np.searchsorted(ordered, ordered, side="left")
    group_size = np.searchsorted(ordered, ordered, side="right") - group_start
    del ordered, end_at
    a = np.repeat(order, group_size)
    b = order[ranges(group_start, group_size)]
    del order, group_start, group_size
    different = end_piece[a] != end_piece[b]
    a, b = a[different], b[different]
    return end_piece[a], end_piece[b], half[a] + half[b]


def _points_along(flat_xy: np.ndarray, offsets: np.ndarray, line_of: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Points at ``distance`` along line ``line_of`` of the lines in ``flat_xy``/``offsets`` (clamped), shape (n, 2)."""
    measured = along(flat_xy, offsets)
    lengths = measured[offsets[1:] - 1]
    target = np.clip(distance, 0.0, lengths[line_of])
    index = np.minimum(vertex_at_or_before(measured, offsets, line_of, target), offsets[1:][line_of] - 2)
    step = measured[index + 1] - measured[index]
    ratio = np.where(step > 0, (target - measured[index]) / np.where(step > 0, step, 1.0), 0.0)
    return flat_xy[index] + ratio[:, None] * (flat_xy[index + 1] - flat_xy[index])


def assign_points(lixels: Lixels, coords: dict, points: Iterable[tuple[float, float]],
                  max_distance: float) -> list[Optional[int]]:
    """The lixel of the nearest pipe for each point, or None beyond ``max_distance``."""
    keys, first_piece, piece_count = lixels.pipe_arrays()
    points = np.asarray(list(points), dtype=float).reshape(-1, 2)
    if not keys or not len(points):
        return [None] * len(points)
    if isinstance(coords, PartCoords):
        same = coords.keys_list is lixels.source_keys  # the pieces were cut from these very arrays
        xy, offsets = coords.arrays(lixels.table_rows if same else coords.positions(keys))
    else:
        lines = [np.asarray(coords[k], dtype=float).reshape(-1, 2) for k in keys]
        xy = np.concatenate(lines)
        offsets = np.concatenate([[0], np.cumsum([len(line) for line in lines])]).astype(np.int64)
    boxes = range_boxes(offsets, xy)
    result: list[Optional[int]] = [None] * len(points)
    # in strips of points from west to east, each with an index of only the pipes within reach of
    # its points: events cluster, and an index of every pipe of a county cost 3 s and 0.8 GB
    strips = max(1, min(POINT_STRIPS, len(points) // POINTS_PER_STRIP))
    for strip in np.array_split(np.argsort(points[:, 0], kind="stable"), strips):
        if not len(strip):
            continue
        # the lines whose x range reaches the strip's: the search below then looks at those only
        west, east = points[strip, 0].min() - max_distance, points[strip, 0].max() + max_distance
        lines = np.flatnonzero((boxes[:, 1] >= west) & (boxes[:, 0] <= east))
        found, pieces = _place_points(lixels, xy, offsets, boxes, lines, points[strip], max_distance,
                                      first_piece, piece_count)
        for position, value in zip(strip[found].tolist(), pieces.tolist()):
            result[position] = value
    return result


def _place_points(lixels: Lixels, xy: np.ndarray, offsets: np.ndarray, boxes: np.ndarray, lines: np.ndarray,
                  points: np.ndarray, max_distance: float, first_piece: np.ndarray, piece_count: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the points placed, their pieces) for points within ``max_distance`` of one of
    the pipes ``lines``."""
    near = lines[pipes_near(xy, offsets, points, max_distance, boxes[lines])]
    if not len(near):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    sizes = np.diff(offsets)[near]
    xy, offsets = xy[ranges(offsets[near], sizes)], np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    index = SegmentIndex(xy, offsets, step=max(10.0, max_distance / 2.0))  # fewer samples per query
    owner, _, segment = index.nearest_segments(points, max_distance, np.full(len(points), -1))
    owner = np.where(owner >= 0, near[np.maximum(owner, 0)], -1)
    found = np.flatnonzero(owner >= 0)
    segment = segment[found]
    start, end = index.starts[segment], index.ends[segment]
    direction = end - start
    ratio = np.clip(np.einsum("ij,ij->i", points[found] - start, direction)
                    / np.maximum(np.einsum("ij,ij->i", direction, direction), 1e-12), 0.0, 1.0)
    distance = along(xy, offsets)[index.first_vertex[segment]] + ratio * np.hypot(*direction.T)
    return found, piece_along(lixels, first_piece[owner[found]], piece_count[owner[found]], distance)


def piece_along(lixels: Lixels, first: np.ndarray, count: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """The piece ``distance`` m along each pipe whose pieces are ``first`` … ``first + count - 1``: the
    last one starting at or before it, as Lixels.piece finds it (NaN: the last piece)."""
    distance = np.where(np.isnan(distance), np.inf, distance)
    # pieces of a pipe are equally long: the division is right but for rounding, which the starts settle
    piece = np.clip(np.floor(distance / lixels.size[first]), 0, count - 1).astype(np.int64)
    piece -= (piece > 0) & (lixels.start[first + piece] > distance)
    piece += (piece < count - 1) & (lixels.start[np.minimum(first + piece + 1, len(lixels.start) - 1)] <= distance)
    return first + piece


def pipes_near(xy: np.ndarray, offsets: np.ndarray, points: np.ndarray, distance: float,
               boxes: Optional[np.ndarray] = None) -> np.ndarray:
    """Lines (vertex ranges ``offsets[i]:offsets[i + 1]`` of ``xy``) whose box, grown by
    ``distance``, may hold one of ``points``: every line within ``distance`` of a point, and a few more.
    ``boxes``: the lines' range_boxes, when known.

    >>> pipes_near(np.array([[0.0, 0.0], [10.0, 0.0], [500.0, 0.0], [510.0, 0.0]]), np.array([0, 2, 4]),
    ...            np.array([[12.0, 3.0]]), 5.0).tolist()
    [0]
    >>> pipes_near(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([0, 2]), np.array([[30.0, 0.0]]), 5.0).tolist()
    []
    """
    if not len(points) or len(offsets) < 2:
        return np.empty(0, dtype=np.int64)
    cell = 2.0 * max(distance, 1.0)
    occupied = np.unique(cell_keys(np.floor(points[:, 0] / cell), np.floor(points[:, 1] / cell)))
    boxes = range_boxes(offsets, xy) if boxes is None else boxes
    low_x, high_x = np.floor((boxes[:, 0] - distance) / cell), np.floor((boxes[:, 1] + distance) / cell)
    low_y, high_y = np.floor((boxes[:, 2] - distance) / cell), np.floor((boxes[:, 3] + distance) / cell)
    # a grown box spans at most 3 cells a side unless the line is longer than a cell: those are kept
    near = (high_x - low_x > 2) | (high_y - low_y > 2)
    for step_x in (0, 1, 2):
        for step_y in (0, 1, 2):
            cells = cell_keys(np.minimum(low_x + step_x, high_x), np.minimum(low_y + step_y, high_y))
            at = np.minimum(np.searchsorted(occupied, cells), len(occupied) - 1)
            near |= occupied[at] == cells
    return np.flatnonzero(near)
