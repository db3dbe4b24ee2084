"""Hydraulic rules on quality-controlled readings (docs/monitoring.md gives each rule's source).

high level and surcharge compare the water surface with the manhole's ground and the pipe crown; the dry-weather
envelope is median +- k x MAD per time-of-day slot (weekdays and weekends apart) learned from dry days; a gauge
outside it in dry weather is an anomaly, a blockage when the next gauge downstream does not rise with it; flow in
a storm pipe in dry weather is an illicit discharge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import networkx as nx
import numpy as np

from ..checks.trace import trace
from .qc import nanmedian
from .sensors import Sensor

MAD_SCALE = 1.4826  # MAD x 1.4826 estimates the standard deviation of normal data


def dry_days(rain: np.ndarray, steps_per_day: int, dry_mm: float = 0.2, antecedent_days: int = 1) -> np.ndarray:
    """Days with at most ``dry_mm`` on every rain gauge that day and the ``antecedent_days`` before.

    ``rain`` is (time, gauge) in mm per reading; with no gauge every day is dry.
    """
    days = rain.shape[0] // steps_per_day
    if rain.shape[1] == 0:
        return np.ones(days, dtype=bool)
    daily = np.nansum(rain[: days * steps_per_day].reshape(days, steps_per_day, -1), axis=1).max(axis=1)
    wet = daily > dry_mm
    dry = ~wet
    for lag in range(1, antecedent_days + 1):
        dry[lag:] &= ~wet[:-lag]
    return dry


@dataclass
class Envelope:
    """Median and robust spread per (day type, slot, sensor); day type 0 = weekday, 1 = weekend."""

    median: np.ndarray
    spread: np.ndarray
    slot_steps: int
    weekend: np.ndarray  # per day

    def expand(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Median and spread for every (day, step, sensor) of the matrix, as (time, sensor) arrays."""
        kind = self.weekend[:days].astype(int)
        median = np.repeat(self.median[kind], self.slot_steps, axis=1)
        spread = np.repeat(self.spread[kind], self.slot_steps, axis=1)
        return median.reshape(-1, median.shape[-1]), spread.reshape(-1, spread.shape[-1])


def envelope(values: np.ndarray, steps_per_day: int, dry: np.ndarray, weekend: np.ndarray, slot_steps: int,
             spread_floor: float = 0.01, relative_floor: float = 0.05, min_days: int = 3) -> Envelope:
    """Learn the dry-weather envelope from the dry days (weekdays and weekends apart, each falling back to all
    dry days when it has fewer than ``min_days``). The spread is at least ``spread_floor`` and
    ``relative_floor`` x |median| so a quiet sensor does not alarm on noise."""
    days = dry.size
    slots = steps_per_day // slot_steps
    cube = values[: days * steps_per_day].reshape(days, slots, slot_steps, values.shape[1])
    medians, spreads = [], []
    for weekend_type in (False, True):
        chosen = dry & (weekend == weekend_type)
        if chosen.sum() < min_days:
            chosen = dry if dry.sum() else np.ones(days, dtype=bool)
        sample = cube[chosen].transpose(1, 0, 2, 3).reshape(slots, -1, values.shape[1])
        median = nanmedian(sample, axis=1)
        with np.errstate(invalid="ignore"):
            mad = nanmedian(np.abs(sample - median[:, None, :]), axis=1)
        spread = np.fmax(MAD_SCALE * mad, np.fmax(spread_floor, relative_floor * np.abs(median)))
        medians.append(median)
        spreads.append(spread)
    return Envelope(np.stack(medians), np.stack(spreads), slot_steps, weekend)


def next_gauge_downstream(graph: nx.MultiDiGraph, node: str, gauged: set[str],
                          system: str = "") -> tuple[Optional[str], list[str]]:
    """The nearest gauged node downstream of ``node`` (network distance, along pipes of ``system`` when given)
    and the pipes of the path to it; without one, the path to the nearest outlet and no gauge.
    """
    reached = trace(graph, node, "downstream", systems={system} if system else None)
    candidates = [(distance, other) for other, (distance, _) in reached.nodes.items()
                  if other != node and other in gauged]
    if candidates:
        target = min(candidates)[1]
    elif reached.outlets:
        target = reached.outlets[0]
    else:
        return None, []
    if system:
        full = graph
        graph = nx.subgraph_view(full, filter_edge=lambda u, v, k: full.edges[u, v, k].get("system") == system)
    path = nx.shortest_path(graph, node, target, weight="length")
    pipes = []
    for u, v in zip(path, path[1:]):
        edges = graph.get_edge_data(u, v)
        pipes.append(min(edges, key=lambda key: edges[key].get("length") or 0.0))
    return (target if candidates else None), pipes


def level_masks(elevation: np.ndarray, sensors: list[Sensor], freeboard: float) -> tuple[np.ndarray, np.ndarray]:
    """(high level, surcharge): the water surface within ``freeboard`` of the ground, and above the pipe crown."""
    ground = np.array([s.ground for s in sensors], dtype=float)
    crown = np.array([s.crown for s in sensors], dtype=float)
    with np.errstate(invalid="ignore"):
        return elevation >= ground - freeboard, elevation > crown
