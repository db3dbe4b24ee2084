"""The Chicago design storm (芝加哥雨型, Keifer & Chu 1957) from a storm intensity formula.

With A = A1·(1 + C·lg P), the intensity at time tb before the peak is i = A·((1 − n)·tb/r + b) / (tb/r + b)^(1+n)
and at ta after it i = A·((1 − n)·ta/(1 − r) + b) / (ta/(1 − r) + b)^(1+n) (mm/min). Any window holding the
peak at its fraction r carries the formula's depth A·T / (T + b)^n: each step's depth is the difference of
that cumulative curve, so the steps add up exactly to the formula's depth for the duration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import PipeNetInputError
from .rational import MM_PER_MIN_TO_L_S_HA, StormFormula


@dataclass
class DesignStorm:
    """Per step: start and end (min from the start of the storm), depth (mm) and mean intensity (mm/min)."""

    start: np.ndarray
    end: np.ndarray
    depth: np.ndarray

    @property
    def mm_per_min(self) -> np.ndarray:
        return self.depth / (self.end - self.start)

    @property
    def mm_per_hour(self) -> np.ndarray:
        return self.mm_per_min * 60.0

    @property
    def l_s_ha(self) -> np.ndarray:
        return self.mm_per_min * MM_PER_MIN_TO_L_S_HA

    @property
    def total(self) -> float:
        return float(self.depth.sum())


def chicago(formula: StormFormula, period: float, duration: float, peak: float = 0.4, step: float = 5.0
            ) -> DesignStorm:
    """The Chicago hyetograph of ``duration`` minutes in steps of ``step`` minutes, the peak at fraction ``peak``.

    >>> storm = chicago(StormFormula(20.0, 0.8, 15.0, 0.7), 3.0, 120.0, 0.4, 5.0)
    >>> round(storm.total, 3) == round(StormFormula(20.0, 0.8, 15.0, 0.7).depth(3.0, 120.0), 3)
    True
    """
    if not duration > 0 or not step > 0:
        raise PipeNetInputError(f"The design storm needs a positive duration and time step ({duration}, {step} min).")
    if not 0.0 <= peak <= 1.0:
        raise PipeNetInputError(f"The peak position r must be between 0 and 1, not {peak}.")
    edges = np.append(np.arange(0.0, duration, step), duration)
    cumulative = cumulative_depth(formula, period, duration, peak, edges)
    return DesignStorm(edges[:-1], edges[1:], np.diff(cumulative))


def cumulative_depth(formula: StormFormula, period: float, duration: float, peak: float, times) -> np.ndarray:
    """Rain (mm) fallen from the start to each of ``times`` (min) of the Chicago storm."""
    times = np.asarray(times, dtype=float)
    amount = formula.a1 * (1.0 + formula.c * np.log10(period))

    def window(minutes):  # the formula's depth over a window of this length
        return amount * minutes / np.power(minutes + formula.b, formula.n)

    at_peak = peak * duration
    before = np.maximum(at_peak - times, 0.0)
    after = np.maximum(times - at_peak, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = peak * (window(duration) - window(before / peak)) if peak > 0 else np.zeros_like(times)
        falling = (1.0 - peak) * window(after / (1.0 - peak)) if peak < 1 else np.zeros_like(times)
    return rising + falling


def intensity_at(formula: StormFormula, period: float, duration: float, peak: float, minutes) -> np.ndarray:
    """The Keifer-Chu instantaneous intensity (mm/min) at ``minutes`` from the start of the storm."""
    amount = formula.a1 * (1.0 + formula.c * np.log10(period))
    minutes = np.asarray(minutes, dtype=float)
    at_peak, b, n = peak * duration, formula.b, formula.n
    scaled = np.where(minutes <= at_peak, (at_peak - minutes) / max(peak, 1e-12),
                      (minutes - at_peak) / max(1.0 - peak, 1e-12))
    return amount * ((1.0 - n) * scaled + b) / np.power(scaled + b, 1.0 + n)


def read_rainfall(path: str) -> DesignStorm:
    """A rainfall series from a CSV: a time column (minutes from the start, or hh:mm) and a value column whose
    header says mm/h (intensity; any header with '/h') or mm (depth of the step that starts at that time).
    The last row's step is as long as the one before it.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp(); path = os.path.join(folder, "rain.csv")
    >>> _ = open(path, "w").write("time,mm/h\\n0,12\\n00:10,30\\n20,6\\n")
    >>> read_rainfall(path).depth.tolist()
    [2.0, 5.0, 1.0]
    """
    import csv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    if len(rows) < 2 or len(rows[0]) < 2:
        raise PipeNetInputError(f"Rainfall file {path}: give a header and rows of time (min or hh:mm), mm or mm/h.")
    header = rows[0][1].strip().lower()
    try:
        times = np.array([_minutes(row[0]) for row in rows[1:]], dtype=float)
        values = np.array([float(row[1]) for row in rows[1:]], dtype=float)
    except (ValueError, IndexError) as error:
        raise PipeNetInputError(f"Rainfall file {path}: a row is not (time, value): {error}.") from None
    steps = np.diff(times)
    if len(times) < 2 or (steps <= 0).any() or (values < 0).any():
        raise PipeNetInputError(f"Rainfall file {path}: times must increase and values be 0 or more.")
    end = np.append(times[1:], times[-1] + steps[-1])
    intensity = "/h" in header or "mm/h" in header or "intensity" in header or "强度" in header
    depth = values * (end - times) / 60.0 if intensity else values
    return DesignStorm(times - times[0], end - times[0], depth)


def _minutes(text: str) -> float:
    text = text.strip()
    if ":" in text:
        parts = [float(part) for part in text.split(":")]
        return parts[0] * 60.0 + parts[1] + (parts[2] / 60.0 if len(parts) > 2 else 0.0)
    return float(text)
