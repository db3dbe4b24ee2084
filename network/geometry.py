"""Vectorised geometry helpers: polyline lengths and a KD-tree index of pipe segments."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.spatial import cKDTree

from .model import Coords


def polyline_length(coords: Coords) -> float:
    """Length of a polyline given as (x, y) tuples."""
    if len(coords) < 2:
        return 0.0
    array = np.asarray(coords, dtype=float)
    return float(np.hypot(*np.diff(array, axis=0).T).sum())


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


class SegmentIndex:
    """Find the pipes passing within a distance of a point without testing every segment.

    Segments are sampled every ``step`` metres into a KD-tree; a query widens its radius by half
    a step and then measures exact point-to-segment distances on the candidates only.
    """

    def __init__(self, polylines: Sequence[np.ndarray], step: float = 10.0):
        starts, ends, owners, samples, sample_segment = [], [], [], [], []
        segment_count = 0
        for owner, coords in enumerate(polylines):
            if len(coords) < 2:
                continue
            seg_starts, seg_ends = coords[:-1], coords[1:]
            starts.append(seg_starts)
            ends.append(seg_ends)
            owners.append(np.full(len(seg_starts), owner))
            lengths = np.hypot(*(seg_ends - seg_starts).T)
            pieces = np.maximum(1, np.ceil(lengths / step)).astype(int)
            for offset, (a, b, count) in enumerate(zip(seg_starts, seg_ends, pieces)):
                t = np.linspace(0.0, 1.0, count + 1)
                samples.append(a + t[:, None] * (b - a))
                sample_segment.append(np.full(count + 1, segment_count + offset))
            segment_count += len(seg_starts)
        self.step = step
        if segment_count == 0:
            self.starts = self.ends = np.empty((0, 2))
            self.owners = np.empty(0, dtype=int)
            self.tree = None
            return
        self.starts = np.concatenate(starts)
        self.ends = np.concatenate(ends)
        self.owners = np.concatenate(owners)
        self.sample_segment = np.concatenate(sample_segment)
        self.tree = cKDTree(np.concatenate(samples))

    def near(self, point: Sequence[float], radius: float) -> dict[int, float]:
        """Return {owner: distance} for every polyline within ``radius`` of ``point``."""
        if self.tree is None:
            return {}
        hits = self.tree.query_ball_point(point, radius + self.step / 2.0 + 1e-9)
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
        hits = self.tree.query_ball_point(np.asarray(points, dtype=float), radius + self.step / 2.0 + 1e-9)
        owners = self.owners[self.sample_segment] if len(self.sample_segment) else self.owners
        return [set(owners[h].tolist()) if h else set() for h in hits]
