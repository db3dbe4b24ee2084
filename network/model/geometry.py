"""Vectorised geometry helpers: polyline lengths and a KD-tree index of pipe segments."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from scipy.spatial import cKDTree

from .columns import group_starts, ranges
from .records import Coords


def point_at_half(coords: Coords) -> tuple[float, float]:
    """Point halfway along a polyline."""
    array = np.asarray(coords, dtype=float)
    if len(array) == 1:
        return float(array[0, 0]), float(array[0, 1])
    steps = np.hypot(*np.diff(array, axis=0).T)
    total = steps.sum()
    if total == 0:
        return float(array[0, 0]), float(array[0, 1])
    cumulative = np.concatenate([[0.0], np.cumsum(steps)])
    index = int(np.searchsorted(cumulative, total / 2.0, side="right") - 1)
    index = min(index, len(steps) - 1)
    ratio = (total / 2.0 - cumulative[index]) / steps[index] if steps[index] else 0.0
    point = array[index] + ratio * (array[index + 1] - array[index])
    return float(point[0]), float(point[1])


def point_segment_distance(point: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distances from one point to many segments (arrays of shape (n, 2))."""
    direction = ends - starts
    length_sq = (direction ** 2).sum(axis=1)
    safe = np.where(length_sq == 0, 1.0, length_sq)
    ratio = np.clip(((point - starts) * direction).sum(axis=1) / safe, 0.0, 1.0)
    ratio = np.where(length_sq == 0, 0.0, ratio)
    nearest = starts + ratio[:, None] * direction
    return np.hypot(*(nearest - point).T)


def point_segment_distance_many(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Distances from many points to one segment."""
    return row_distances(points, np.broadcast_to(start, points.shape), np.broadcast_to(end, points.shape))


def row_distances(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Row-wise distances from points to segments (arrays of shape (n, 2))."""
    direction = ends - starts
    length_sq = (direction ** 2).sum(axis=1)
    ratio = np.clip(((points - starts) * direction).sum(axis=1) / np.where(length_sq == 0, 1.0, length_sq), 0.0, 1.0)
    nearest = starts + ratio[:, None] * direction
    return np.hypot(*(nearest - points).T)


def cell_keys(column: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Cells of a grid (column and row numbers) as one sortable number each."""
    # a grid 2^31 cells wide (a county in metres needs far fewer)
    return (np.clip(column, -2 ** 30, 2 ** 30).astype(np.int64) + 2 ** 30) * 2 ** 31 \
        + (np.clip(row, -2 ** 30, 2 ** 30).astype(np.int64) + 2 ** 30)


def points_near(xy: np.ndarray, queries: np.ndarray, distance: float) -> np.ndarray:
    """Positions of the points of ``xy`` in the grid cells next to a query point's: every point
    within ``distance`` of a query, and some more. A KD-tree of these alone answers the queries
    as one of all the points would (a county's nodes: one tree of thousands, not millions).

    >>> points_near(np.array([[0.0, 0.0], [3.0, 0.0], [50.0, 0.0]]), np.array([[1.0, 0.0]]), 2.5).tolist()
    [0, 1]
    """
    if not len(xy) or not len(queries):
        return np.empty(0, dtype=np.int64)
    cell = max(distance, 1e-9)
    columns, rows = np.floor(queries[:, 0] / cell), np.floor(queries[:, 1] / cell)
    wanted = np.unique(np.concatenate([cell_keys(columns + step_x, rows + step_y)
                                       for step_x in (-1, 0, 1) for step_y in (-1, 0, 1)]))
    keys = cell_keys(np.floor(xy[:, 0] / cell), np.floor(xy[:, 1] / cell))
    at = np.minimum(np.searchsorted(wanted, keys), len(wanted) - 1)
    return np.flatnonzero(wanted[at] == keys)


def query_workers(queries: int) -> int:
    """Threads for a KD-tree query: every core for a county's millions, one for small layers
    (starting threads costs more than they save there)."""
    return -1 if queries > 100_000 else 1


FAR_SPREADS = 50.0  # a vertex this many robust spreads from the data's middle was mistyped
FAR_FLOOR = 100_000.0  # metres: never closer than this (a small layer has a small spread)


def implausible_vertices(xy: np.ndarray) -> np.ndarray:
    """Which vertices lie implausibly far from the rest (a coordinate typed 1e10, a digit too many)
    or are not finite: more than FAR_SPREADS median absolute deviations (and FAR_FLOOR metres)
    from the median vertex. A whole layer far away (1e12) is not flagged: only outliers are.

    >>> implausible_vertices(np.array([[0.0, 0.0], [50.0, 0.0], [50.0, 50.0], [1e10, 0.0]])).tolist()
    [False, False, False, True]
    """
    finite = np.isfinite(xy).all(axis=1)
    if not finite.any():
        return ~finite
    sample = xy[finite][::max(1, int(finite.sum()) // 1_000_000)]  # a million vertices tell the middle
    centre = np.median(sample, axis=0)
    spread = float(np.median(np.abs(sample - centre), axis=0).sum())
    with np.errstate(invalid="ignore"):
        far = np.abs(xy - centre).max(axis=1) > max(FAR_SPREADS * spread, FAR_FLOOR)
    return far | ~finite


MAX_PIECES = 10_000  # samples of one segment (250 km at the topology's 25 m step)


class SegmentIndex:
    """Find the pipes passing within a distance of a point without testing every segment.

    Segments are sampled every ``step`` metres into a KD-tree; a query widens its radius by half
    a step and then measures exact point-to-segment distances on the candidates only.
    """

    def __init__(self, xy: np.ndarray, offsets: np.ndarray, step: float = 10.0):
        """An index over parts given as one vertex array and part offsets (owner = part number)."""
        self.step = step
        sizes = np.diff(offsets)
        owner_of_vertex = np.repeat(np.arange(len(sizes)), sizes)
        # a segment joins vertex i to i + 1 inside one part
        inner = np.flatnonzero(owner_of_vertex[:-1] == owner_of_vertex[1:]) if len(xy) > 1 else np.empty(0, int)
        if len(inner) == 0:
            self.starts = self.ends = np.empty((0, 2))
            self.owners = self.sample_segment = self.first_vertex = np.empty(0, dtype=int)
            self.long_segments = self.long_samples = np.empty(0, dtype=np.int64)
            self.is_long_sample = np.empty(0, dtype=bool)
            self.tree = None
            return
        self.starts, self.ends = xy[inner], xy[inner + 1]
        self.owners = owner_of_vertex[inner]
        self.first_vertex = inner  # where each segment starts in the vertex array
        lengths = np.hypot(*(self.ends - self.starts).T)
        pieces = np.maximum(1, np.ceil(np.nan_to_num(lengths / step, posinf=0.0))).astype(np.int64)
        # a segment of more than MAX_PIECES steps (a vertex typed 1e10) gets one sample, passed over in
        # the tree's answers, and is measured from every query instead: memory follows the data, not
        # its extent (sampling a 1e10 m segment every 25 m took more memory than any machine has)
        long = pieces > MAX_PIECES
        pieces[long] = 1
        self.long_segments = np.flatnonzero(long)
        # one sample in the middle of each piece (at most ``step`` long): a point within r of a piece
        # is within r + step / 2 of its middle (piece ends would take one sample more per segment)
        self.sample_segment = np.repeat(np.arange(len(inner)), pieces)
        t = (ranges(np.zeros(len(pieces), dtype=np.int64), pieces) + 0.5) / np.repeat(pieces, pieces)
        # repeat is several times quicker than gathering by sample_segment
        samples = np.repeat(self.starts, pieces, axis=0)
        samples += t[:, None] * np.repeat(self.ends - self.starts, pieces, axis=0)
        self.long_samples = group_starts(pieces)[self.long_segments]  # the one sample of each
        self.is_long_sample = np.zeros(len(samples), dtype=bool)
        self.is_long_sample[self.long_samples] = True
        self.tree = cKDTree(samples, balanced_tree=False, compact_nodes=False)  # builds 2x faster

    @classmethod
    def of_polylines(cls, polylines: Sequence[np.ndarray], step: float = 10.0) -> SegmentIndex:
        """An index over polylines given one by one (owner = position in ``polylines``)."""
        lines = [c if isinstance(c, np.ndarray) and c.ndim == 2 and c.dtype == float else
                 np.asarray(c, dtype=float).reshape(-1, 2) for c in polylines]
        sizes = np.array([len(c) for c in lines], dtype=np.int64)
        xy = np.concatenate(lines) if lines else np.empty((0, 2))
        return cls(xy, np.concatenate([[0], np.cumsum(sizes)]), step)

    def nearest_many(self, points: np.ndarray, radius: float, exclude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each point, the nearest owner within ``radius`` other than ``exclude[i]``: (owner or -1, distance)."""
        owner, distance, _ = self.nearest_segments(points, radius, exclude)
        return owner, distance

    def nearest_segments(self, points: np.ndarray, radius: float, exclude: np.ndarray,
                         avoid: Optional[tuple[np.ndarray, np.ndarray]] = None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """As nearest_many, plus the nearest segment itself (-1 where none): (owner, distance, segment).

        ``avoid`` gives more (point numbers, owners) pairs to pass over.
        """
        count = len(points)
        owner = np.full(count, -1, dtype=np.int64)
        distance = np.full(count, np.inf)
        nearest = np.full(count, -1, dtype=np.int64)
        if self.tree is None or count == 0:
            return owner, distance, nearest
        points = np.asarray(points, dtype=float)
        reach = radius + self.step / 2.0 + 1e-9
        point_of, samples = self.samples_within(points, reach)
        if len(point_of) == 0:
            return owner, distance, nearest
        segment = self.sample_segment[samples]
        gaps = row_distances(points[point_of], self.starts[segment], self.ends[segment])
        owners = self.owners[segment]
        keep = (gaps <= radius) & (owners != exclude[point_of])
        if avoid is not None and len(avoid[0]):
            width = int(max(self.owners.max(), np.max(avoid[1]))) + 1
            keep &= ~np.isin(point_of * width + owners, avoid[0] * width + avoid[1])
        point_of, gaps, owners, segment = point_of[keep], gaps[keep], owners[keep], segment[keep]
        order = np.lexsort((segment, owners, gaps, point_of))
        point_of, gaps, owners, segment = point_of[order], gaps[order], owners[order], segment[order]
        first = np.concatenate([[True], point_of[1:] != point_of[:-1]]) if len(point_of) else np.empty(0, bool)
        owner[point_of[first]] = owners[first]
        distance[point_of[first]] = gaps[first]
        nearest[point_of[first]] = segment[first]
        return owner, distance, nearest

    def samples_within(self, points: np.ndarray, reach: float, k: int = 16,
                       chunk: int = 250_000) -> tuple[np.ndarray, np.ndarray]:
        """(point number, sample) of every sample within ``reach`` of each point, grouped by point.

        A k-nearest query gives arrays without a Python list per point; the few points with k
        samples in reach (where more may hide) are asked again for all of them. Points go a chunk
        at a time: k answers per point for millions of points would take gigabytes at once.
        """
        if len(points) > chunk:
            parts = [self.samples_within(points[first:first + chunk], reach, k, chunk)
                     for first in range(0, len(points), chunk)]
            return (np.concatenate([point_of + first for (point_of, _), first in
                                    zip(parts, range(0, len(points), chunk))]),
                    np.concatenate([samples for _, samples in parts]))
        # both cores for big queries; threads cost more than they give on small ones
        gaps, hit = self.tree.query(points, k=k, distance_upper_bound=reach, workers=query_workers(len(points)))
        gaps, hit = gaps.reshape(len(points), -1), hit.reshape(len(points), -1)
        found = np.isfinite(gaps)
        crowded = np.flatnonzero(found[:, -1])
        found[crowded] = False
        point_of, column = np.nonzero(found)
        samples = hit[point_of, column]
        if len(crowded):
            hits = self.tree.query_ball_point(points[crowded], reach)
            sizes = np.array([len(h) for h in hits], dtype=np.int64)
            point_of = np.concatenate([point_of, np.repeat(crowded, sizes)])
            samples = np.concatenate([samples, np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])])
        if len(self.long_segments):
            keep = ~self.is_long_sample[samples]
            long_points, long_samples = self._long_hits(points, reach)
            point_of = np.concatenate([point_of[keep], long_points])
            samples = np.concatenate([samples[keep], long_samples])
        if len(crowded) or len(self.long_segments):
            order = np.argsort(point_of, kind="stable")
            point_of, samples = point_of[order], samples[order]
        return point_of.astype(np.int64), samples.astype(np.int64)

    def _long_hits(self, points: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
        """(point number, sample) of the long segments within ``reach`` of each point, measured exactly."""
        point_of, samples = [], []
        for segment, sample in zip(self.long_segments.tolist(), self.long_samples.tolist()):
            start, end = self.starts[segment], self.ends[segment]
            low, high = np.minimum(start, end) - reach, np.maximum(start, end) + reach
            inside = np.flatnonzero(((points >= low) & (points <= high)).all(axis=1))
            gaps = point_segment_distance_many(points[inside], start, end)
            near = inside[gaps <= reach]
            point_of.append(near)
            samples.append(np.full(len(near), sample, dtype=np.int64))
        if not point_of:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(point_of).astype(np.int64), np.concatenate(samples)

    def near(self, point: Sequence[float], radius: float) -> dict[int, float]:
        """Return {owner: distance} for every polyline within ``radius`` of ``point``."""
        if self.tree is None:
            return {}
        reach = radius + self.step / 2.0 + 1e-9
        hits = self.tree.query_ball_point(point, reach)
        if len(self.long_segments):
            hits = [h for h in hits if not self.is_long_sample[h]] + \
                self._long_hits(np.asarray(point, dtype=float).reshape(1, 2), reach)[1].tolist()
        if not hits:
            return {}
        segments = np.unique(self.sample_segment[hits])
        distances = point_segment_distance(np.asarray(point, dtype=float),
                                           self.starts[segments], self.ends[segments])
        result: dict[int, float] = {}
        for owner, distance in zip(self.owners[segments], distances):
            if distance <= radius and distance < result.get(int(owner), np.inf):
                result[int(owner)] = float(distance)
        return result

    def candidates(self, points: np.ndarray, radius: float) -> list[set[int]]:
        """For many points at once, the owners that may pass within ``radius`` (coarse, a superset)."""
        if self.tree is None or len(points) == 0:
            return [set() for _ in range(len(points))]
        points = np.asarray(points, dtype=float)
        reach = radius + self.step / 2.0 + 1e-9
        hits = self.tree.query_ball_point(points, reach)
        owners = self.owners[self.sample_segment] if len(self.sample_segment) else self.owners
        found = [set(owners[h].tolist()) if h else set() for h in hits]
        if len(self.long_segments):  # the long segments' one sample: a superset all the same
            for point, sample in zip(*self._long_hits(points, reach)):
                found[point].add(int(owners[sample]))
        return found
