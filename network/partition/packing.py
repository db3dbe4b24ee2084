"""Proximity groups packed into K balanced partitions: along a Hilbert curve, or at random (for tests)."""

from __future__ import annotations

import numpy as np

HILBERT_ORDER = 16  # a 65,536 x 65,536 grid over the groups' extent


def hilbert_keys(xy: np.ndarray, order: int = HILBERT_ORDER) -> np.ndarray:
    """Position along a Hilbert curve of every point (NaN points last), all points at once.

    Neighbouring groups get near keys, so a run of keys is a compact patch of the country.

    >>> hilbert_keys(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]), order=1).tolist()
    [0, 1, 2, 3]
    """
    count = len(xy)
    keys = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    located = np.isfinite(xy).all(axis=1)
    if not located.any():
        return keys
    side = 1 << order
    low, high = xy[located].min(axis=0), xy[located].max(axis=0)
    span = np.maximum(high - low, 1e-9)
    grid = np.minimum(((xy[located] - low) / span * side).astype(np.int64), side - 1)
    x, y = grid[:, 0].copy(), grid[:, 1].copy()
    d = np.zeros(len(x), dtype=np.int64)
    s = side >> 1
    while s > 0:  # the classic xy -> d walk, one bit level at a time for every point
        rx = ((x & s) > 0).astype(np.int64)
        ry = ((y & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        flip = ry == 0
        swap_back = flip & (rx == 1)
        x = np.where(swap_back, side - 1 - x, x)
        y = np.where(swap_back, side - 1 - y, y)
        x, y = np.where(flip, y, x), np.where(flip, x, y)
        s >>= 1
    keys[located] = d
    return keys


def pack(weights: np.ndarray, partitions: int, order: np.ndarray) -> np.ndarray:
    """Partition of every group: the groups taken in ``order`` and cut into ``partitions`` runs of
    about equal weight (a group is never split; a partition may stay empty when groups are few)."""
    partitions = max(1, int(partitions))
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    result = np.zeros(len(weights), dtype=np.int64)
    if total <= 0 or partitions == 1:
        return result
    ordered = weights[order]
    before = np.cumsum(ordered) - ordered
    # the group's middle decides its run: a heavy group straddling a cut goes where most of it lies
    result[order] = np.minimum(((before + ordered / 2.0) * partitions / total).astype(np.int64), partitions - 1)
    return result


def hilbert_packing(centres: np.ndarray, weights: np.ndarray, partitions: int) -> np.ndarray:
    """Groups packed along the Hilbert curve of their centres."""
    return pack(weights, partitions, np.argsort(hilbert_keys(centres), kind="stable"))


def random_packing(weights: np.ndarray, partitions: int, seed: int = 0) -> np.ndarray:
    """Groups packed in a seeded random order (neighbours scattered: the halo's hardest case)."""
    return pack(weights, partitions, np.random.default_rng(seed).permutation(len(weights)))
