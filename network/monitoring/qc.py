"""Quality control of each sensor's own readings (after the IOOS QARTOD tests: gap, flat line, spike, range).

A sensor's faults are its own alarms; the readings they cover are left out of the hydraulic rules.
"""

from __future__ import annotations

import numpy as np

# Plausible reading ranges per kind (the unit of the readings): QARTOD "gross range" test.
RANGES = {"level": (-0.5, 30.0), "flow": (-1.0, 1.0e6), "velocity": (-1.0, 10.0), "rain": (0.0, 50.0)}


def runs(mask: np.ndarray, min_steps: int = 1, merge_steps: int = 0) -> list[tuple[int, int, int]]:
    """Runs of True down each column of a (time, sensor) mask as (sensor, first, last) with last inclusive.

    Runs closer than ``merge_steps`` are joined first; runs shorter than ``min_steps`` are dropped.

    >>> runs(np.array([[1, 0], [1, 0], [0, 1], [1, 1]], bool))
    [(0, 0, 1), (0, 3, 3), (1, 2, 3)]
    >>> runs(np.array([[1], [0], [1], [0]], bool), min_steps=3, merge_steps=1)
    [(0, 0, 2)]
    """
    if mask.size == 0 or not mask.any():
        return []
    padded = np.zeros((mask.shape[1], mask.shape[0] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask.T
    change = np.diff(padded, axis=1)
    s_col, s_at = np.nonzero(change == 1)
    e_col, e_at = np.nonzero(change == -1)  # the same order: row-major, one end after each start
    found: list[tuple[int, int, int]] = []
    for column, first, last in zip(s_col.tolist(), s_at.tolist(), (e_at - 1).tolist()):
        if merge_steps and found and found[-1][0] == column and first - found[-1][2] - 1 <= merge_steps:
            found[-1] = (column, found[-1][1], last)
        else:
            found.append((column, first, last))
    return [run for run in found if run[2] - run[1] + 1 >= min_steps]


def nanmedian(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """The median along ``axis`` ignoring NaN (NaN where all are NaN), much faster than numpy's nanmedian on
    wide arrays: each row made contiguous once and partitioned (NaN goes last) at the few middle positions
    its count of readings asks for, sorted only when the counts differ widely.

    >>> nanmedian(np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan], [2.0, 5.0]])).tolist()
    [2.0, 5.0]
    >>> nanmedian(np.array([[4.0, 1.0, np.nan, 2.0], [np.nan] * 4]), axis=1).tolist()[0]
    2.0
    """
    work = np.array(np.moveaxis(values, axis, -1), dtype=float, order="C")  # a copy: partitioned in place
    if work.shape[-1] == 0:
        return np.full(work.shape[:-1], np.nan)
    count = np.sum(~np.isnan(work), axis=-1, keepdims=True)
    low_at, high_at = np.maximum((count - 1) // 2, 0), np.maximum(count // 2, 0)
    kth = np.unique(np.concatenate([low_at.ravel(), high_at.ravel()]))
    if len(kth) <= 8:
        work.partition(kth, axis=-1)
    else:
        work.sort(axis=-1)
    median = np.squeeze((np.take_along_axis(work, low_at, -1) + np.take_along_axis(work, high_at, -1)) / 2.0, -1)
    return np.where(np.squeeze(count, axis=-1) > 0, median, np.nan)


def gap_mask(values: np.ndarray) -> np.ndarray:
    """Missing readings (nothing read at a step, or an unreadable value)."""
    return np.isnan(values)


def flatline_mask(values: np.ndarray, steps: int, tolerance: float = 1e-6) -> np.ndarray:
    """Readings that repeat the previous one within ``tolerance`` for at least ``steps`` steps (QARTOD flat line).

    Runs at exactly zero are a dry pipe or no rain, not a stuck sensor, and are not flagged.
    """
    same = np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        same[1:] = (np.abs(np.diff(values, axis=0)) <= tolerance) & (values[1:] != 0.0)
    mask = np.zeros(values.shape, dtype=bool)
    for column, first, last in runs(same, min_steps=max(steps - 1, 1)):
        mask[first - 1:last + 1, column] = True  # the first reading of the run is stuck too
    return mask


def spike_mask(values: np.ndarray, sigma: float = 6.0, minimum: float = 0.05) -> np.ndarray:
    """One reading far from both neighbours, which agree with each other (QARTOD spike test).

    The threshold per sensor is ``sigma`` robust standard deviations of its step changes (1.4826 x MAD), at
    least ``minimum`` (in the readings' unit).
    """
    mask = np.zeros(values.shape, dtype=bool)
    if values.shape[0] < 3:
        return mask
    steps = np.diff(values, axis=0)
    with np.errstate(invalid="ignore"):
        spread = 1.4826 * nanmedian(np.abs(steps - nanmedian(steps, axis=0)), axis=0)
    threshold = np.maximum(np.nan_to_num(sigma * spread, nan=minimum), minimum)
    before, here, after = values[:-2], values[1:-1], values[2:]
    with np.errstate(invalid="ignore"):
        up = (here - before > threshold) & (here - after > threshold)
        down = (before - here > threshold) & (after - here > threshold)
        calm = np.abs(after - before) < threshold
    mask[1:-1] = (up | down) & calm
    return mask


def range_mask(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Readings outside their sensor's plausible range (QARTOD gross range test)."""
    with np.errstate(invalid="ignore"):
        return (values < low) | (values > high)
