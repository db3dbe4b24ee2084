"""monitor(readings, sensors, graph): quality control, then the hydraulic rules, as alarms and QC intervals."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np
import pandas as pd

from ..checks.idde import outfall_sources
from ..model.findings import Check, make_finding
from . import qc, rules
from .readings import Matrix, to_matrix
from .sensors import Sensor

HYDRAULIC_KINDS = ("level", "flow", "velocity")
MAX_SOURCES = 10  # candidate sources an alarm names (the ranking goes on in pipenet:outfallsources)


@dataclass
class Thresholds:
    """Every rule's parameters (docs/monitoring.md); minutes are rounded to whole reading steps."""

    gap_minutes: float = 30.0          # missing readings this long are a gap
    flatline_minutes: float = 120.0    # the same non-zero reading this long is a stuck sensor
    flatline_tolerance: float = 1e-6
    spike_sigma: float = 6.0           # robust standard deviations of the step changes
    spike_min: float = 0.05            # and at least this (unit of the readings)
    ranges: dict = field(default_factory=lambda: dict(qc.RANGES))
    freeboard: float = 0.3             # m below the ground: high level
    hydraulic_minutes: float = 10.0    # a high level or surcharge lasting this long
    merge_minutes: float = 30.0        # alarms of one rule closer than this are one alarm
    dry_rain_mm: float = 0.2           # a dry day has at most this much rain on every gauge ...
    antecedent_days: int = 1           # ... and on the days before
    slot_minutes: float = 60.0         # time-of-day slot of the dry-weather envelope
    envelope_k: float = 4.0            # outside median +- k x robust spread
    spread_floor: float = 0.01         # the envelope spread is at least this (unit of the readings)
    anomaly_minutes: float = 60.0      # outside the envelope this long
    blockage_fraction: float = 0.5     # the downstream gauge is high less than this share of the rise
    dwf_level: float = 0.02            # m of water in a storm pipe in dry weather ...
    dwf_flow: float = 0.5              # ... or this flow (unit of the readings) ...
    dwf_velocity: float = 0.05         # ... or velocity (m/s)
    dwf_minutes: float = 120.0         # ... this long is a dry-weather flow
    flow_to_m3s: float = 0.001         # flow readings x this = m3/s (0.001: the meters read L/s)
    ii_ratio: float = 0.05             # I/I: R (rain-derived volume / rain on the catchment) at or above ...
    ii_night_share: float = 0.75       # ... or the night minimum at or above this share of the dry-weather flow
    ii_proxy_width: float = 30.0       # without sub-catchments: catchment area = upstream pipe length x this (m)
    ii_min_days: int = 3               # I/I needs this many dry days and at least one wet day


@dataclass
class Alarm:
    """One alarm: a rule broken by one sensor from start to end, where to look and why."""

    sensor_id: str
    rule: str
    start: pd.Timestamp
    end: pd.Timestamp
    severity: str
    value: float
    message_en: str
    message_zh: str
    candidate_pipes: list[str] = field(default_factory=list)
    x: Optional[float] = None
    y: Optional[float] = None
    node_id: str = ""
    kind: str = ""
    pipe_id: str = ""  # the pipe the sensor is in (its pipe_id, else the pipe whose crown it is compared with)
    # dry_weather_flow: where the flow may enter, most likely first (pipenet:outfallsources' ranking upstream)
    candidate_sources: list[str] = field(default_factory=list)


@dataclass
class QCInterval:
    """Readings of one sensor left out of the hydraulic rules, and why."""

    sensor_id: str
    rule: str
    start: pd.Timestamp
    end: pd.Timestamp
    readings: int
    value: float


@dataclass
class MonitorResult:
    alarms: list[Alarm]
    qc: list[QCInterval]
    warnings: list[str]
    matrix: Matrix
    clean: np.ndarray
    dry: np.ndarray
    envelope: Optional[rules.Envelope] = None
    sensors: list[Sensor] = field(default_factory=list)
    inflow: list[rules.InflowInfiltration] = field(default_factory=list)  # per flow meter with enough days
    limits: Thresholds = field(default_factory=Thresholds)

    def active(self, hours: float = 24.0) -> list[Alarm]:
        """The alarms still on when the readings end: those that end within ``hours`` of the last reading
        (an alarm over by then, the storm's surcharge of last week, is history, not a state of the pipe)."""
        rows = np.flatnonzero(np.isfinite(self.matrix.values).any(axis=1))
        if not rows.size:
            return []
        since = self.matrix.time(int(rows[-1])) - pd.Timedelta(hours=hours)
        return [alarm for alarm in self.alarms if alarm.end >= since]


class _Run:
    """What the rules share: the matrix, the sensors, the step and the alarm list."""

    def __init__(self, matrix: Matrix, sensors: list[Sensor], limits: Thresholds,
                 pipe_scores: Optional[Mapping[str, float]] = None, pipe_coords=None):
        self.matrix, self.sensors, self.limits = matrix, sensors, limits
        self.pipe_scores = pipe_scores or {}  # condition per pipe: blockage candidates ranked by it
        self.pipe_coords = pipe_coords  # the pipes' lines: sanitary manholes near a storm pipe are evidence
        self.alarms: list[Alarm] = []
        self.qc: list[QCInterval] = []

    def steps(self, minutes: float) -> int:
        return max(1, int(round(minutes * 60.0 / self.matrix.step_seconds)))

    def alarm(self, rule: Check, column: int, first: int, last: int, value: float, pipes=(), sources=(),
              **words: Any) -> None:
        sensor = self.sensors[column]
        start, end = self.matrix.time(first), self.matrix.time(last)
        finding = make_finding(rule, sensor.sensor_id, value=round(float(value), 3), sensor=sensor.sensor_id,
                               node=sensor.node_id or "-", start=f"{start:%Y-%m-%d %H:%M}",
                               end=f"{end:%Y-%m-%d %H:%M}", pipes=", ".join(pipes) or "-", **words)
        self.alarms.append(Alarm(sensor.sensor_id, finding.check, start, end, finding.severity, float(value),
                                 finding.message_en, finding.message_zh, list(pipes), sensor.x, sensor.y,
                                 sensor.node_id or "", sensor.kind, sensor.pipe_id or sensor.crown_pipe,
                                 list(sources)))

    def faults(self, rule: Check, mask: np.ndarray, values: np.ndarray, min_steps: int = 1) -> None:
        for column, first, last in qc.runs(mask, min_steps, self.steps(self.limits.merge_minutes)):
            piece = values[first:last + 1, column]
            value = float(np.nanmax(np.abs(piece))) if np.isfinite(piece).any() else math.nan
            self.qc.append(QCInterval(self.sensors[column].sensor_id, rule.value, self.matrix.time(first),
                                      self.matrix.time(last), last - first + 1, value))
            self.alarm(rule, column, first, last, 0.0 if math.isnan(value) else value,
                       readings=last - first + 1)


def monitor(readings: pd.DataFrame, sensors: list[Sensor], graph=None, limits: Optional[Thresholds] = None,
            start=None, end=None, matrix: Optional[Matrix] = None,
            catchments: Optional[dict] = None, pipe_scores: Optional[Mapping[str, float]] = None,
            pipe_coords=None) -> MonitorResult:
    """Run quality control and every hydraulic rule on long readings for placed sensors (place_sensors).

    ``pipe_scores`` (pipe id -> condition score, the audit's functional score F) ranks a blockage's
    candidate pipes, most likely first; without it they come in path order. ``pipe_coords`` (the network's)
    lets the search for a dry-weather flow's source count sanitary manholes lying by a storm pipe.

    ``catchments`` (node id -> sub-catchment area in ha, as pipenet:stormcapacity's) gives a flow meter's
    upstream area for inflow and infiltration; without it the area is the upstream pipe length x
    ``limits.ii_proxy_width``, and the alarm says so.
    """
    limits = limits or Thresholds()
    known = {s.sensor_id for s in sensors}
    warnings = []
    if matrix is None:
        names = set(map(str, readings["sensor_id"].unique()))
        if names - known:
            warnings.append(f"readings of {len(names - known)} unknown sensors left out: "
                            f"{', '.join(sorted(names - known)[:5])}")
        matrix = to_matrix(readings, [s.sensor_id for s in sensors], start, end)
    run = _Run(matrix, sensors, limits, pipe_scores, pipe_coords)
    clean = _quality_control(run, matrix.values)
    kinds = np.array([s.kind for s in sensors])
    rain = clean[:, kinds == "rain"]
    dry = rules.dry_days(rain, matrix.steps_per_day, limits.dry_rain_mm, limits.antecedent_days)
    if not (kinds == "rain").any():
        warnings.append("no rain gauge: every day is taken as dry")
    quantity = clean + np.array([s.base - s.invert if s.kind == "level" and s.placed else 0.0 for s in sensors])
    result = MonitorResult(run.alarms, run.qc, warnings, matrix, clean, dry, sensors=sensors, limits=limits)
    _levels(run, clean)
    result.envelope = _dry_weather(run, quantity, dry, graph)
    if result.envelope is not None and (kinds == "rain").any():
        result.inflow = _inflow(run, quantity, rain, dry, result.envelope, graph, catchments)
    return result


def _quality_control(run: _Run, raw: np.ndarray) -> np.ndarray:
    """Flag each sensor's faults (QC intervals and alarms) and return the readings without them."""
    limits, sensors = run.limits, run.sensors
    run.faults(Check.GAP, qc.gap_mask(raw), raw, run.steps(limits.gap_minutes))
    low = np.array([limits.ranges.get(s.kind, (-np.inf, np.inf))[0] for s in sensors])
    high = np.array([limits.ranges.get(s.kind, (-np.inf, np.inf))[1] for s in sensors])
    outside = qc.range_mask(raw, low, high)
    run.faults(Check.OUT_OF_RANGE, outside, raw)
    clean = np.where(outside, np.nan, raw)
    measured = np.array([s.kind != "rain" for s in sensors])
    flat = np.zeros(raw.shape, dtype=bool)
    spikes = np.zeros(raw.shape, dtype=bool)
    flat[:, measured] = qc.flatline_mask(clean[:, measured], run.steps(limits.flatline_minutes),
                                         limits.flatline_tolerance)
    spikes[:, measured] = qc.spike_mask(clean[:, measured], limits.spike_sigma, limits.spike_min)
    run.faults(Check.FLATLINE, flat, clean)
    run.faults(Check.SPIKE, spikes, clean)
    clean[flat | spikes] = np.nan
    return clean


def _levels(run: _Run, clean: np.ndarray) -> None:
    """high_level and surcharge on placed level sensors with a ground or a crown."""
    chosen = [i for i, s in enumerate(run.sensors) if s.kind == "level" and s.placed]
    if not chosen:
        return
    picked = [run.sensors[i] for i in chosen]
    elevation = clean[:, chosen] + np.array([s.base for s in picked])
    high, surcharge = rules.level_masks(elevation, picked, run.limits.freeboard)
    span, merge = run.steps(run.limits.hydraulic_minutes), run.steps(run.limits.merge_minutes)
    for rule, mask, limit in ((Check.HIGH_LEVEL, high, [s.ground - run.limits.freeboard for s in picked]),
                              (Check.SURCHARGE, surcharge, [s.crown for s in picked])):
        for column, first, last in qc.runs(mask, span, merge):
            run.alarm(rule, chosen[column], first, last, np.nanmax(elevation[first:last + 1, column]),
                      limit=round(float(limit[column]), 3))


def _dry_weather(run: _Run, quantity: np.ndarray, dry: np.ndarray, graph) -> Optional[rules.Envelope]:
    """dry_weather_flow on storm sensors; the envelope, anomalies and blockages on the others."""
    limits, sensors, matrix = run.limits, run.sensors, run.matrix
    per_day = matrix.steps_per_day
    dry_steps = np.repeat(dry, per_day)[:, None]
    merge = run.steps(limits.merge_minutes)
    storm = [i for i, s in enumerate(sensors) if s.kind in HYDRAULIC_KINDS and (s.system == "storm" or s.outfall)]
    if storm:
        limit = np.array([{"level": limits.dwf_level, "flow": limits.dwf_flow}.get(sensors[i].kind,
                                                                                    limits.dwf_velocity)
                          for i in storm])
        with np.errstate(invalid="ignore"):
            wet_flow = dry_steps & (quantity[:, storm] > limit)
        sources: dict[str, list[str]] = {}
        for column, first, last in qc.runs(wet_flow, run.steps(limits.dwf_minutes), merge):
            sensor = sensors[storm[column]]
            if graph is not None and sensor.placed and sensor.node_id not in sources:
                # handed to the outfall-source ranking (network/checks/idde.py), traced up from the sensor
                search = outfall_sources(graph, sensor.node_id, run.pipe_coords)
                sources[sensor.node_id] = [candidate.node for candidate in search.candidates[:MAX_SOURCES]]
            run.alarm(Check.DRY_WEATHER_FLOW, storm[column], first, last,
                      np.nanmedian(quantity[first:last + 1, storm[column]]),
                      sources=sources.get(sensor.node_id, []), limit=float(limit[column]))
    others = [i for i, s in enumerate(sensors) if s.kind in HYDRAULIC_KINDS and i not in set(storm)]
    if not others or not dry.any():
        return None
    weekend = np.asarray(pd.date_range(matrix.start, periods=matrix.days, freq="D").dayofweek >= 5)
    slot = run.steps(limits.slot_minutes)
    if per_day % slot:
        slot = 1
    model = rules.envelope(quantity[:, others], per_day, dry, weekend, slot, limits.spread_floor)
    model.columns = others
    median, spread = model.expand(matrix.days)
    with np.errstate(invalid="ignore"):
        z = (quantity[:, others] - median) / spread
    high, low = dry_steps & (z > limits.envelope_k), dry_steps & (z < -limits.envelope_k)
    _anomalies(run, others, high, low, quantity, graph)
    return model


def _anomalies(run: _Run, others: list[int], high: np.ndarray, low: np.ndarray, quantity: np.ndarray,
               graph) -> None:
    """Anomalies outside the envelope; a rise the next gauge downstream does not share is a blockage."""
    sensors, limits = run.sensors, run.limits
    span, merge = run.steps(limits.anomaly_minutes), run.steps(limits.merge_minutes)
    at_node: dict[str, list[int]] = {}
    for column, index in enumerate(others):
        if sensors[index].placed:
            at_node.setdefault(sensors[index].node_id, []).append(column)
    downstream: dict[str, tuple] = {}
    for column, first, last in qc.runs(high, span, merge):
        sensor = sensors[others[column]]
        piece = quantity[first:last + 1, others[column]]
        if graph is not None and sensor.placed and sensor.kind == "level":
            if sensor.node_id not in downstream:
                downstream[sensor.node_id] = rules.next_gauge_downstream(graph, sensor.node_id, set(at_node),
                                                                              sensor.system)
            target, pipes = downstream[sensor.node_id]
            if target is not None:
                shared = high[first:last + 1, at_node[target]].any(axis=1).mean()
                if shared < limits.blockage_fraction:
                    run.alarm(Check.BLOCKAGE, others[column], first, last, np.nanmax(piece),
                              rules.rank_candidates(pipes, run.pipe_scores), downstream=target)
                    continue
        run.alarm(Check.DRY_WEATHER_ANOMALY, others[column], first, last, np.nanmax(piece), direction="above",
                  direction_zh="高于")
    for column, first, last in qc.runs(low, span, merge):
        run.alarm(Check.DRY_WEATHER_ANOMALY, others[column], first, last,
                  np.nanmin(quantity[first:last + 1, others[column]]), direction="below", direction_zh="低于")


def _inflow(run: _Run, quantity: np.ndarray, rain: np.ndarray, dry: np.ndarray, model: rules.Envelope, graph,
            catchments: Optional[dict]) -> list[rules.InflowInfiltration]:
    """inflow_infiltration per placed flow meter: dry-weather flow, night minimum, rain-derived volume and R.

    The rain-derived volume is the flow above the dry-weather envelope's median on the wet days (a rain day and
    the ``antecedent_days`` after it, where the slow response falls); R divides it by the rain (mean of the
    gauges) on the meter's upstream catchment.
    """
    limits, matrix, sensors = run.limits, run.matrix, run.sensors
    if dry.sum() < limits.ii_min_days or dry.all() or graph is None:
        return []
    median, _ = model.expand(matrix.days)
    wet_steps = np.repeat(~dry, matrix.steps_per_day)
    with warnings.catch_warnings():  # a step no gauge read is no rain
        warnings.simplefilter("ignore", RuntimeWarning)
        rain_mm = float(np.nansum(np.nanmean(rain, axis=1)))
    found = []
    for position, index in enumerate(model.columns):
        sensor = sensors[index]
        if sensor.kind != "flow" or not sensor.placed:
            continue
        flow = quantity[: median.shape[0], index]
        upstream_m, area_ha = rules.upstream_catchment(graph, sensor.node_id, sensor.system, catchments)
        basis = "catchments" if area_ha > 0 else "pipe length"
        if area_ha <= 0:
            area_ha = upstream_m * limits.ii_proxy_width / 10_000.0
        dwf = float(np.nanmean(flow[~wet_steps[: flow.size]]))
        night = rules.night_minimum(flow, matrix.steps_per_day, run.steps(60.0), dry)
        rdii = rules.rain_derived_volume(flow, median[:, position], wet_steps[: flow.size], matrix.step_seconds,
                                         limits.flow_to_m3s)
        rain_m3 = rain_mm / 1000.0 * area_ha * 10_000.0
        ratio = rdii / rain_m3 if rain_m3 > 0 else float("nan")
        found.append(rules.InflowInfiltration(sensor.sensor_id, dwf, night, night / dwf if dwf > 0 else float("nan"),
                                              rdii, rain_mm, area_ha, basis, upstream_m, ratio,
                                              int((~dry).sum()), int(dry.sum())))
        _inflow_alarm(run, index, found[-1])
    return found


def _inflow_alarm(run: _Run, column: int, ii: rules.InflowInfiltration) -> None:
    """An inflow_infiltration alarm when R or the night minimum's share is at or above its limit."""
    limits = run.limits
    if not (ii.ratio >= limits.ii_ratio or ii.infiltration_share >= limits.ii_night_share):
        return
    if ii.area_basis == "catchments":
        basis, basis_zh = "the sub-catchments upstream", "上游汇水分区"
    else:
        km, width = f"{ii.upstream_m / 1000:.1f}", f"{limits.ii_proxy_width:g}"
        basis = f"estimated as {km} km of upstream pipe x {width} m: no sub-catchments given"
        basis_zh = f"未提供汇水分区，按上游管长 {km} km × {width} m 估算"
    run.alarm(Check.INFLOW_INFILTRATION, column, 0, run.matrix.values.shape[0] - 1, ii.ratio,
              dwf=f"{ii.dry_weather_flow:.3g}", night=f"{ii.night_minimum:.3g}",
              share=f"{100 * ii.infiltration_share:.0f}", rdii=f"{ii.rdii_m3:,.0f}", rain=f"{ii.rain_mm:.1f}",
              area=f"{ii.area_ha:.2f}", basis=basis, basis_zh=basis_zh, ratio=f"{100 * ii.ratio:.1f}",
              limit=f"{100 * limits.ii_ratio:g}")
