"""Hotspots across partitions: overflow events routed to the partitions owning the pipes they may snap to,
and Getis-Ord Gi* scored with the whole network's mean and spread.

Densities and the Gi* neighbourhood sums are along the network, within a proximity group (no network path
crosses a partition), so a partition computes them completely; only the mean and the standard deviation of
the piece weights are the network's. The partitions send back each owned piece's sums (x, local sum,
neighbour count: GiSums); the driver adds n, Σx and Σx² over every partition and scores every piece.
With whole-number event weights (a grade, one event) those sums are exact in any order, so the z-scores
equal the single-machine audit's bit for bit.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..hotspots.statistics import gi_star, hotspot_classes, strongest_per_pipe
from ..model.columns import LineColumns, ranges
from .halo import feature_boxes

KINDS = ("breakage", "overflow")


def event_reach(event_snap_distance: float, snap_tolerance: float) -> float:
    """How far (on the layer's geometry) a pipe an event may snap to can lie: the event snap distance, plus
    the snapping tolerance three times (the built pipes' ends move by up to it; the nearest built pipe is
    within the snap distance and a tolerance of the nearest pipe of the layer)."""
    return event_snap_distance + 3.0 * snap_tolerance


def point_box_pairs(points: np.ndarray, boxes: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(point, box) pairs, the point inside the box grown by ``radius`` (boxes minx, maxx, miny, maxy; NaN:
    none), found through a grid of ``2 × radius`` cells."""
    located = np.flatnonzero(np.isfinite(boxes).all(axis=1))
    placed = np.flatnonzero(np.isfinite(points).all(axis=1))
    if not len(located) or not len(placed):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    size = 2.0 * max(radius, 1.0)
    grown = boxes[located] + np.array([-radius, radius, -radius, radius])
    x0, x1 = np.floor(grown[:, 0] / size).astype(np.int64), np.floor(grown[:, 1] / size).astype(np.int64)
    y0, y1 = np.floor(grown[:, 2] / size).astype(np.int64), np.floor(grown[:, 3] / size).astype(np.int64)
    width = int(max(x1.max(), np.floor(points[placed, 0].max() / size)) - min(x0.min(), np.floor(
        points[placed, 0].min() / size))) + 3
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    box = np.repeat(np.arange(len(located)), nx * ny)
    within = np.arange(len(box)) - np.repeat(np.cumsum(nx * ny) - nx * ny, nx * ny)
    cell = (y0[box] + within // nx[box]) * width + x0[box] + within % nx[box]
    order = np.argsort(cell, kind="stable")
    cell, box = cell[order], box[order]
    point_cell = (np.floor(points[placed, 1] / size).astype(np.int64) * width
                  + np.floor(points[placed, 0] / size).astype(np.int64))
    start, stop = np.searchsorted(cell, point_cell, "left"), np.searchsorted(cell, point_cell, "right")
    point = np.repeat(placed, stop - start)
    candidate = located[box[ranges(start, stop - start)]]
    g = boxes[candidate]
    inside = ((points[point, 0] >= g[:, 0] - radius) & (points[point, 0] <= g[:, 1] + radius)
              & (points[point, 1] >= g[:, 2] - radius) & (points[point, 1] <= g[:, 3] + radius))
    return point[inside], candidate[inside]


def route_events(events: list, pipes: LineColumns, pipe_partition: np.ndarray, partitions: int,
                 reach: float) -> tuple[list[list], list[np.ndarray]]:
    """(events per partition, pipe rows to add to each partition's halo).

    An event goes to every partition owning a pipe within ``reach`` of it, and each of those partitions
    takes every such pipe along: the pipe the event snaps to in the single-machine audit is then among the
    partition's pipes, so the partition owning it places the event there; a partition not owning it places
    the event on a halo pipe, where it counts for no owned piece (halo pipes are of other groups, never
    joined to the owned ones along the network)."""
    per_partition: list[list] = [[] for _ in range(partitions)]
    extra: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in range(partitions)]
    if not events:
        return per_partition, extra
    points = np.array([(x, y) for x, y, _ in events], dtype=float).reshape(-1, 2)
    boxes, _ = feature_boxes(pipes, None)
    event, pipe = point_box_pairs(points, boxes, reach)
    owner = pipe_partition[pipe]
    for number in range(partitions):
        mine = np.unique(event[owner == number])
        per_partition[number] = [events[i] for i in mine.tolist()]
        extra[number] = np.unique(pipe[np.isin(event, mine) & (owner != number)])
    return per_partition, extra


def score_hotspots(pipes: dict, piece: dict, kind: str, moments: tuple) -> None:
    """Score Gi* of a partition's pipes ``pipes`` from their pieces' sums (``piece``: size, x, local,
    weight, in the pipes' order) with the whole network's ``moments`` (pieces, Σx, Σx²: merge.global_moments):
    ``kind``_z (strongest piece, rounded), ``kind``_p and ``kind``_class, None for a pipe not cut into pieces."""
    size = np.asarray(piece["size"], dtype=np.int64)
    n, total, squares = moments
    z, p = gi_star(piece["local"], piece["weight"], n, total, squares)
    cut = np.flatnonzero(size > 0)
    values: list[Optional[float]] = [None] * len(size)
    probabilities: list[Optional[float]] = [None] * len(size)
    if len(cut):
        first = (np.cumsum(size) - size)[cut]
        rounded, strongest_p = strongest_per_pipe(z, p, first, size[cut])
        for row, value, probability in zip(cut.tolist(), rounded.tolist(), strongest_p.tolist()):
            values[row], probabilities[row] = value, probability
    pipes[f"{kind}_z"], pipes[f"{kind}_p"] = values, probabilities
    pipes[f"{kind}_class"] = hotspot_classes(np.array([np.nan if v is None else v for v in values], dtype=float))
