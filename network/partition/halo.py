"""The halo: foreign features within the largest search distance of a partition's own, taken along read-only.

Near misses, the illicit-connection evidence (a sanitary manhole near a storm pipe) and the nearest other
node or pipe of a dangling end look past a feature's own group. Every feature of another partition whose
box comes within ``radius`` of a box of this partition's own features goes along: a superset of the
features within ``radius`` (boxes are found through a grid of ``radius`` cells, so a few farther ones come
too, which changes no result: every search in the core stops at its own distance).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..model.columns import LineColumns, PointColumns, range_boxes, ranges

MAX_CELLS = 4_000_000  # cells enumerated at once; a coarser grid beyond (the halo only grows)


def feature_boxes(pipes: LineColumns, nodes: Optional[PointColumns]) -> tuple[np.ndarray, np.ndarray]:
    """(minx, maxx, miny, maxy) of every pipe feature (NaN with no geometry), and of every node."""
    boxes = np.full((pipes.count, 4), np.nan)
    if len(pipes.offsets) > 1:
        parts = range_boxes(pipes.offsets, pipes.xy)
        feature = pipes.part_feature
        boxes[:, [0, 2]] = np.inf
        boxes[:, [1, 3]] = -np.inf
        np.minimum.at(boxes[:, 0], feature, parts[:, 0])
        np.maximum.at(boxes[:, 1], feature, parts[:, 1])
        np.minimum.at(boxes[:, 2], feature, parts[:, 2])
        np.maximum.at(boxes[:, 3], feature, parts[:, 3])
        boxes[~np.isfinite(boxes).all(axis=1)] = np.nan
    node_xy = nodes.xy if nodes is not None else np.empty((0, 2))
    node_boxes = np.stack([node_xy[:, 0], node_xy[:, 0], node_xy[:, 1], node_xy[:, 1]], axis=1)
    return boxes, node_boxes


def _cells(boxes: np.ndarray, size: float, origin: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(box number, cell key) of every grid cell each box touches."""
    located = np.flatnonzero(np.isfinite(boxes).all(axis=1))
    x0 = np.floor((boxes[located, 0] - origin[0]) / size).astype(np.int64)
    x1 = np.floor((boxes[located, 1] - origin[0]) / size).astype(np.int64)
    y0 = np.floor((boxes[located, 2] - origin[1]) / size).astype(np.int64)
    y1 = np.floor((boxes[located, 3] - origin[1]) / size).astype(np.int64)
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    count = nx * ny
    which = np.repeat(np.arange(len(located)), count)
    within = ranges(np.zeros(len(located), dtype=np.int64), count)
    cx = x0[which] + within % nx[which]
    cy = y0[which] + within // nx[which]
    return located[which], cy * width + cx


def halo_members(boxes: np.ndarray, owner: np.ndarray, radius: float,
                 reach: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(feature, partition) pairs, unique: the features of other partitions within ``radius`` of one
    of the partition's own features (``boxes`` of all features, ``owner`` their partitions), and those
    within ``reach`` of these.

    The second ring makes a halo feature what it is in the whole network: a line is cut where another
    pipe's end or a node lies on it, and its ends join the ends and nodes within the snapping tolerance;
    a finding on an own feature that names a halo pipe names the piece the whole build makes of it
    (P1115#2, not P1115 uncut), and the junction its end joins.
    """
    located = np.isfinite(boxes).all(axis=1)
    if radius <= 0 or not located.any():
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    feature, partition = _near(boxes, owner, np.arange(len(owner)), owner, radius)
    if reach > 0 and len(feature):
        more_feature, more_partition = _near(boxes, owner, feature, partition, reach)
        width = owner.max() + 1
        pairs = np.unique(np.concatenate([feature * width + partition, more_feature * width + more_partition]))
        feature, partition = pairs // width, pairs % width
    return feature, partition


def _near(boxes: np.ndarray, owner: np.ndarray, member: np.ndarray, member_partition: np.ndarray,
          radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(feature, partition) pairs, unique: the features not of the partition whose boxes come within
    ``radius`` of the box of one of its members (features ``member``, each of ``member_partition``)."""
    located = np.isfinite(boxes).all(axis=1)
    origin = np.array([boxes[located, 0].min() - radius, boxes[located, 2].min() - radius])
    extent = max(boxes[located, 1].max() - origin[0], boxes[located, 3].max() - origin[1]) + 2 * radius
    size = float(radius)
    spans = (boxes[located, 1] - boxes[located, 0] + 2 * radius) * (boxes[located, 3] - boxes[located, 2] + 2 * radius)
    # A coarser grid keeps the cell lists small. Only the area term shrinks as the cells grow: the up to
    # four cells a box straddles stay however large the cells are, so counting them (4 per feature, 18
    # million at 100x) made the bound unreachable and the cell size grew until it overflowed. They are
    # as many as the features, as every other array here.
    while (spans / size ** 2).sum() > MAX_CELLS:
        size *= 2.0
    width = int(extent / size) + 3
    parts = owner.max() + 1
    grown = boxes[member] + np.array([-radius, radius, -radius, radius])
    own_box, own_cell = _cells(grown, size, origin, width)
    cell_partition = np.unique(own_cell * parts + member_partition[own_box])
    cells, partitions = cell_partition // parts, cell_partition % parts
    feature, cell = _cells(boxes, size, origin, width)
    start = np.searchsorted(cells, cell, side="left")
    stop = np.searchsorted(cells, cell, side="right")
    hits = stop - start
    pair_feature = np.repeat(feature, hits)
    pair_partition = partitions[ranges(start, hits)]
    foreign = owner[pair_feature] != pair_partition
    pairs = np.unique(pair_feature[foreign] * parts + pair_partition[foreign])
    return pairs // parts, pairs % parts
