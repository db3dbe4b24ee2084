"""Network-constrained hotspots: kernel density along pipes and Getis-Ord Gi* with network neighbours."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Optional

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.special import erfc

from .columns import KeyedRecords, KeyedValues, along, group_starts, range_boxes, ranges
from .geometry import SegmentIndex
from .model import PartCoords
from .tables import GraphTable, min_matrix, table_of

CLASSES = ((2.576, "hot 99%"), (1.960, "hot 95%"), (1.645, "hot 90%"))


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
    source_keys: Optional[list] = None  # the table's key list the rows refer to

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
    count = np.maximum(1, np.ceil(total / length)).astype(np.int64)
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
                  count_of_pipe=KeyedValues(keys, count, position), table_rows=kept, source_keys=table.keys)


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
    sizes = np.diff(offsets)
    measured = along(flat_xy, offsets)
    lengths = measured[offsets[1:] - 1]
    base = np.cumsum(lengths + 1.0) - (lengths + 1.0)  # parts apart, so one searchsorted serves all
    flat = measured + np.repeat(base, sizes)
    target = base[line_of] + np.clip(distance, 0.0, lengths[line_of])
    first, last = offsets[:-1][line_of], offsets[1:][line_of] - 1
    index = np.clip(np.searchsorted(flat, target, side="right") - 1, first, last - 1)
    step = flat[index + 1] - flat[index]
    ratio = np.where(step > 0, (target - flat[index]) / np.where(step > 0, step, 1.0), 0.0)
    return flat_xy[index] + ratio[:, None] * (flat_xy[index + 1] - flat_xy[index])


def pairs_within(adjacency: csr_matrix, sources: np.ndarray, radius: float,
                 check: Callable[[], None] = lambda: None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source position, node, network distance) of every node within ``radius`` of each source.

    A Dijkstra with a cut-off from all sources at once, as array operations: each round relaxes the
    steps out of every improved (source, node) pair until nothing improves.
    """
    size = adjacency.shape[0]
    degrees = np.diff(adjacency.indptr)  # once: a county's millions, not per round
    sources = np.asarray(sources, dtype=np.int64)
    known_key = np.arange(len(sources), dtype=np.int64) * size + sources
    order = np.argsort(known_key)
    known_key, known_distance = known_key[order], np.zeros(len(sources))
    frontier_key, frontier_distance = known_key.copy(), known_distance.copy()
    while len(frontier_key):
        check()
        node = frontier_key % size
        degree = degrees[node]
        steps = ranges(adjacency.indptr[node], degree)
        key = np.repeat(frontier_key - node, degree) + adjacency.indices[steps]
        distance = np.repeat(frontier_distance, degree) + adjacency.data[steps]
        near = distance <= radius
        key, distance = key[near], distance[near]
        order = np.argsort(key, kind="stable")
        key, distance = key[order], distance[order]
        if len(key):
            starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
            key, distance = key[starts], np.minimum.reduceat(distance, starts)
        position = np.searchsorted(known_key, key)
        found = position < len(known_key)
        found[found] = known_key[position[found]] == key[found]
        better = found.copy()
        better[found] = distance[found] < known_distance[position[found]] - 1e-12
        known_distance[position[better]] = distance[better]
        new = ~found
        if new.any():  # merged in order (both are sorted): no sort of everything known
            at = position[new]
            known_key = np.insert(known_key, at, key[new])
            known_distance = np.insert(known_distance, at, distance[new])
        improved = better | new
        frontier_key, frontier_distance = key[improved], distance[improved]
    return known_key // size, known_key % size, known_distance


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
    # only pipes that can lie within reach of a point: events cluster, and an index of every pipe
    # of a county cost 3 s and 0.8 GB
    near = pipes_near(xy, offsets, points, max_distance)
    if not len(near):
        return [None] * len(points)
    vertices = ranges(offsets[near], np.diff(offsets)[near])
    xy, offsets = xy[vertices], np.concatenate([[0], np.cumsum(np.diff(offsets)[near])]).astype(np.int64)
    index = SegmentIndex.from_arrays(xy, offsets, step=max(10.0, max_distance / 2.0))  # fewer samples per query
    owner, _, segment = index.nearest_segments(points, max_distance, np.full(len(points), -1))
    owner = np.where(owner >= 0, near[np.maximum(owner, 0)], -1)
    found = np.flatnonzero(owner >= 0)
    segment = segment[found]
    start, end = index.starts[segment], index.ends[segment]
    direction = end - start
    ratio = np.clip(np.einsum("ij,ij->i", points[found] - start, direction)
                    / np.maximum(np.einsum("ij,ij->i", direction, direction), 1e-12), 0.0, 1.0)
    distance = along(xy, offsets)[index.first_vertex[segment]] + ratio * np.hypot(*direction.T)
    first, count = first_piece[owner[found]], piece_count[owner[found]]
    # the last piece starting at or before the distance (as Lixels.piece)
    piece = np.clip(np.floor(distance / lixels.size[first]).astype(np.int64), 0, count - 1)
    piece -= (piece > 0) & (lixels.start[first + piece] > distance)
    piece += (piece < count - 1) & (lixels.start[np.minimum(first + piece + 1, len(lixels.start) - 1)] <= distance)
    result: list[Optional[int]] = [None] * len(points)
    for position, value in zip(found.tolist(), (first + piece).tolist()):
        result[position] = value
    return result


def pipes_near(xy: np.ndarray, offsets: np.ndarray, points: np.ndarray, distance: float) -> np.ndarray:
    """Lines (vertex ranges ``offsets[i]:offsets[i + 1]`` of ``xy``) whose box, grown by
    ``distance``, may hold one of ``points``: every line within ``distance`` of a point, and a few more.

    >>> pipes_near(np.array([[0.0, 0.0], [10.0, 0.0], [500.0, 0.0], [510.0, 0.0]]), np.array([0, 2, 4]),
    ...            np.array([[12.0, 3.0]]), 5.0).tolist()
    [0]
    >>> pipes_near(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([0, 2]), np.array([[30.0, 0.0]]), 5.0).tolist()
    []
    """
    if not len(points) or len(offsets) < 2:
        return np.empty(0, dtype=np.int64)
    cell = 2.0 * max(distance, 1.0)
    occupied = np.unique(_cell_keys(np.floor(points[:, 0] / cell), np.floor(points[:, 1] / cell)))
    boxes = range_boxes(offsets, xy)
    low_x, high_x = np.floor((boxes[:, 0] - distance) / cell), np.floor((boxes[:, 1] + distance) / cell)
    low_y, high_y = np.floor((boxes[:, 2] - distance) / cell), np.floor((boxes[:, 3] + distance) / cell)
    # a grown box spans at most 3 cells a side unless the line is longer than a cell: those are kept
    near = (high_x - low_x > 2) | (high_y - low_y > 2)
    for step_x in (0, 1, 2):
        for step_y in (0, 1, 2):
            cells = _cell_keys(np.minimum(low_x + step_x, high_x), np.minimum(low_y + step_y, high_y))
            at = np.minimum(np.searchsorted(occupied, cells), len(occupied) - 1)
            near |= occupied[at] == cells
    return np.flatnonzero(near)


def _cell_keys(column: np.ndarray, row: np.ndarray) -> np.ndarray:
    # cells of a grid 2^31 cells wide (a county in metres needs far fewer) as one sortable number
    return (np.clip(column, -2 ** 30, 2 ** 30).astype(np.int64) + 2 ** 30) * 2 ** 31 \
        + (np.clip(row, -2 ** 30, 2 ** 30).astype(np.int64) + 2 ** 30)


def kernel_density(lixels: Lixels, counts: dict[int, float], bandwidth: float,
                   check: Callable[[], None] = lambda: None) -> np.ndarray:
    """Quartic-kernel density (per km of pipe) at every lixel, distances along the network."""
    density = np.zeros(len(lixels.pipe))
    if not counts:
        return density
    sources = np.array(list(counts), dtype=np.int64)
    weights = np.array(list(counts.values()), dtype=float)
    source, node, distance = pairs_within(lixels.adjacency, sources, bandwidth, check)
    u = distance / bandwidth
    np.add.at(density, node, weights[source] * (15.0 / 16.0) * (1 - u * u) ** 2 / bandwidth * 1000.0)
    return density


def getis_ord(lixels: Lixels, counts: dict[int, float], distance: float,
              check: Callable[[], None] = lambda: None, chunk: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided p-values with binary network-distance neighbours (self included)."""
    n = len(lixels.pipe)
    x = np.zeros(n)
    for index, value in counts.items():
        x[index] += value
    mean = x.mean() if n else 0.0
    spread = math.sqrt(max((x * x).mean() - mean * mean, 0.0)) if n else 0.0
    z = np.zeros(n)
    if n < 3 or spread == 0:
        return z, np.ones(n)
    weight = neighbour_counts(lixels, distance, check, chunk)
    # network distances are symmetric: the sum around each piece comes from the pieces with events
    events = np.flatnonzero(x)
    source, node, _ = pairs_within(lixels.adjacency, events, distance, check)
    local = np.bincount(node, weights=x[events][source], minlength=n)
    denominator = spread * np.sqrt(np.maximum((n * weight - weight * weight) / (n - 1), 1e-12))
    z = (local - mean * weight) / denominator
    p = erfc(np.abs(z) / math.sqrt(2))
    return z, p


def neighbour_counts(lixels: Lixels, distance: float, check: Callable[[], None] = lambda: None,
                     chunk: int = 20000) -> np.ndarray:
    """How many pieces lie within ``distance`` of each piece (itself included); kept on the Lixels,
    so breakage and overflow hotspots on the same pieces count once."""
    cache = lixels.__dict__.setdefault("_neighbour_counts", {})
    if distance not in cache:
        n = len(lixels.pipe)
        weight = np.zeros(n)
        for first in range(0, n, chunk):  # bounded memory: the pairs of one chunk of pieces at a time
            sources = np.arange(first, min(n, first + chunk))
            source, _, _ = pairs_within(lixels.adjacency, sources, distance, check)
            weight[sources] = np.bincount(source, minlength=len(sources))
        cache[distance] = weight
    return cache[distance]


def hotspot_classes(z: np.ndarray) -> list[Optional[str]]:
    """hotspot_class of every z-score at once (None where z is NaN).

    >>> hotspot_classes(np.array([3.0, -2.0, 0.5, np.nan]))
    ['hot 99%', 'cold 95%', 'not significant', None]
    """
    z = np.asarray(z, dtype=float)
    names = np.full(len(z), "not significant", dtype=object)
    for limit, name in reversed(CLASSES):  # the strictest class met is written last
        names[z >= limit] = name
        names[z <= -limit] = name.replace("hot", "cold")
    names[np.isnan(z)] = None
    return names.tolist()


def hotspot_class(z: float) -> str:
    """'hot 99%' ... 'not significant' ... 'cold 99%' from a Gi* z-score."""
    for limit, name in CLASSES:
        if z >= limit:
            return name
        if z <= -limit:
            return name.replace("hot", "cold")
    return "not significant"


@dataclass
class PipeHotspot:
    """Per pipe: events, density, the strongest Gi* of its pieces and its class."""

    events: float = 0.0
    density: float = 0.0
    z: float = 0.0
    p: float = 1.0
    hot_class: str = "not significant"


def consequence_weights(graph: Optional[nx.MultiDiGraph], kind: str,
                        table: Optional[GraphTable] = None) -> Optional[dict[str, float]]:
    """Per-pipe event weights: 'diameter' (DN/300) or 'upstream' (1-5 by length served); None for 'none'."""
    if kind == "none":
        return None
    table = table_of(graph, table)
    if kind == "diameter":
        diameters = np.nan_to_num(table.edge_numbers("diameter"), nan=300.0)
        return dict(zip(table.keys, (np.where(diameters == 0, 300.0, diameters) / 300.0).tolist()))
    from .accumulate import accumulate

    lengths = accumulate(graph, table=table).length
    largest = max(lengths.values(), default=1.0) or 1.0
    return {key: 1.0 + 4.0 * lengths.get(key, 0.0) / largest for key in table.keys}


def hotspots(graph: nx.MultiDiGraph, coords: dict, events_on_pipes: Iterable[tuple[str, float, float]] = (),
             event_points: Iterable[tuple[float, float, float]] = (), lixel_length: float = 50.0,
             bandwidth: float = 300.0, neighbour_distance: float = 300.0, snap_distance: float = 50.0,
             pipe_weights: Optional[dict[str, float]] = None,
             check: Callable[[], None] = lambda: None, table: Optional[GraphTable] = None,
             lixels: Optional[Lixels] = None) -> HotspotTable:
    """Hotspots per pipe from events given on pipes (id, distance, weight) or as points (x, y, weight).

    Give ``lixels`` (make_lixels with the same ``lixel_length``) to share the pieces between runs.
    """
    lixels = lixels if lixels is not None else make_lixels(graph, coords, lixel_length, table)
    counts: dict[int, float] = {}
    for pipe_id, distance, weight in events_on_pipes:
        piece = lixels.piece(pipe_id, distance)
        if piece is not None:
            counts[piece] = counts.get(piece, 0.0) + weight
    points = list(event_points)
    for (_, _, weight), piece in zip(points, assign_points(lixels, coords, [(x, y) for x, y, _ in points],
                                                           snap_distance)):
        if piece is not None:
            counts[piece] = counts.get(piece, 0.0) + weight
    if pipe_weights:
        counts = {i: c * pipe_weights.get(lixels.pipe[i], 1.0) for i, c in counts.items()}
    density = kernel_density(lixels, counts, bandwidth, check)
    z, p = getis_ord(lixels, counts, neighbour_distance, check)
    return HotspotTable.from_pieces(lixels, counts, density, z, p)


class HotspotTable(KeyedRecords):
    """Pipe id -> PipeHotspot over per-pipe columns (made from the pieces in array operations)."""

    def __init__(self, keys: list, events: np.ndarray, density: np.ndarray, z: np.ndarray, p: np.ndarray,
                 table_rows: Optional[np.ndarray] = None, position: Optional[Callable[[str], int]] = None):
        super().__init__(keys, position)
        self.events, self.density, self.z, self.p = events, density, z, p
        self.table_rows = table_rows

    def aligned(self, name: str, count: int) -> np.ndarray:
        """A column spread over the ``count`` pipes of the network's table (NaN for pipes without pieces)."""
        values = np.full(count, np.nan)
        values[self.table_rows] = getattr(self, name)
        return values

    @classmethod
    def from_pieces(cls, lixels: Lixels, counts: dict[int, float], density: np.ndarray, z: np.ndarray,
                    p: np.ndarray) -> HotspotTable:
        """Per pipe: summed events, highest density, and the strongest Gi* of its pieces (the first one on ties)."""
        keys, first, size = lixels.pipe_arrays()
        if not len(keys):
            return cls([], np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.empty(0, dtype=np.int64))
        events = np.zeros(len(lixels.pipe))
        for index, value in counts.items():
            events[index] += value
        strongest = np.maximum.reduceat(z, first)
        position = np.arange(len(z))
        at = np.minimum.reduceat(np.where(z == np.repeat(strongest, size), position, len(z)), first)
        rounded = np.where(np.isfinite(strongest), np.round(strongest, 3), 0.0)
        return cls(keys, np.add.reduceat(events, first), np.round(np.maximum.reduceat(density, first), 3),
                   rounded, p[np.minimum(at, len(z) - 1)], lixels.table_rows,
                   getattr(lixels.first_of_pipe, "position", None))  # the table's own lookup when shared

    def hot_class(self, row: int) -> str:
        """Class of the pipe at ``row``."""
        return hotspot_class(float(self.z[row]))

    def record(self, row: int) -> PipeHotspot:
        """The PipeHotspot of one row."""
        return PipeHotspot(float(self.events[row]), float(self.density[row]), float(self.z[row]), float(self.p[row]),
                           self.hot_class(row))

    def hot_count(self) -> int:
        """Number of pipes in a hot class (90 % or more)."""
        return int((self.z >= CLASSES[-1][0]).sum())
