"""Hydraulic rules on quality-controlled readings (docs/monitoring.md gives each rule's source).

high level and surcharge compare the water surface with the manhole's ground and the pipe crown; the dry-weather
envelope is median +- k x MAD per time-of-day slot (weekdays and weekends apart) learned from dry days; a gauge
outside it in dry weather is an anomaly, a blockage when the next gauge downstream does not rise with it; flow in
a storm pipe in dry weather is an illicit discharge; a flow meter's flow above its envelope on wet days, against the
rain on its upstream catchment, is its inflow and infiltration (I/I).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

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
    columns: list = field(default_factory=list)  # the sensor (matrix) column of each envelope column

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


def rank_candidates(pipes: Sequence[str], scores: Optional[Mapping[str, float]] = None) -> list[str]:
    """The pipes between two gauges, most likely blocked first: by the condition score given (the
    audit's functional score F of CCTV defects: deposits, roots, obstacles), the path order among
    equals. Without scores the path order from the gauge downstream.

    >>> rank_candidates(["P1", "P2", "P3"], {"P3": 4.0, "P2": 1.5})
    ['P3', 'P2', 'P1']
    """
    scores = scores or {}
    order = sorted(range(len(pipes)), key=lambda at: (-(scores.get(pipes[at]) or 0.0), at))
    return [pipes[at] for at in order]


def level_masks(elevation: np.ndarray, sensors: list[Sensor], freeboard: float) -> tuple[np.ndarray, np.ndarray]:
    """(high level, surcharge): the water surface within ``freeboard`` of the ground, and above the pipe crown."""
    ground = np.array([s.ground for s in sensors], dtype=float)
    crown = np.array([s.crown for s in sensors], dtype=float)
    with np.errstate(invalid="ignore"):
        return elevation >= ground - freeboard, elevation > crown


@dataclass
class InflowInfiltration:
    """What one flow meter says of inflow and infiltration (I/I) over the window.

    Flows are in the unit of the readings, volumes in m3. ``ratio`` is R, the share of the rain on the meter's
    upstream catchment that reached the sewer (the "R" of the RTK unit hydrograph method); ``area_basis`` says
    where the catchment area came from ("catchments", or "pipe length" when it is upstream length x a width).
    """

    sensor_id: str
    dry_weather_flow: float      # mean flow on dry days
    night_minimum: float         # median over dry days of the lowest hourly mean between 0:00 and 6:00
    infiltration_share: float    # night_minimum / dry_weather_flow: groundwater infiltration's upper bound
    rdii_m3: float               # rain-derived inflow and infiltration: flow above the envelope on wet days
    rain_mm: float               # rain over the window (mean of the gauges)
    area_ha: float
    area_basis: str
    upstream_m: float
    ratio: float                 # R = rdii_m3 / (rain_mm / 1000 x area)
    wet_days: int
    dry_days: int


def upstream_catchment(graph: nx.MultiDiGraph, node: str, system: str = "",
                       areas: Optional[dict] = None) -> tuple[float, float]:
    """(length of the pipes upstream of ``node`` in m, area in ha of the given sub-catchments draining to ``node``
    or a node upstream of it); pipes of ``system`` only when given, as the meter sees only its own system."""
    reached = trace(graph, node, "upstream", systems={system} if system else None)
    index = graph.graph.get("edge_index") or {key: (u, v, key) for u, v, key in graph.edges(keys=True)}
    length = sum(float(graph.edges[index[key]].get("length") or 0.0) for key in reached.pipes if key in index)
    area = sum(float(areas.get(name, 0.0)) for name in reached.nodes) if areas else 0.0
    return float(length), float(area)


def night_minimum(flow: np.ndarray, steps_per_day: int, hour_steps: int, dry: np.ndarray) -> float:
    """The median over dry days of each day's lowest hourly mean between midnight and 06:00 (minimum night
    flow: groundwater infiltration plus what little wastewater flows at night)."""
    days = dry.size
    hours = min(6, steps_per_day // hour_steps)
    night = flow[: days * steps_per_day].reshape(days, steps_per_day)[:, : hours * hour_steps]
    with warnings.catch_warnings():  # a gauge may miss a whole night: an all-NaN slice
        warnings.simplefilter("ignore", RuntimeWarning)
        hourly = np.nanmean(night.reshape(days, hours, hour_steps), axis=2)
        lowest = np.nanmin(hourly, axis=1)
    chosen = lowest[dry & np.isfinite(lowest)]
    return float(np.median(chosen)) if chosen.size else float("nan")


def rain_derived_volume(flow: np.ndarray, median: np.ndarray, wet_steps: np.ndarray, step_seconds: float,
                        to_m3s: float) -> float:
    """m3 of flow above the dry-weather envelope's median on wet days. Summed signed, not clipped at zero, so the
    noise of the readings cancels instead of adding up; a negative total is no rain-derived flow."""
    excess = (flow - median)[wet_steps]
    return max(0.0, float(np.nansum(excess)) * step_seconds * to_m3s)

