"""A seeded monitoring sample on the sample network (network/sample.py) with known events and their truth.

Gauges on the sanitary trunk and the storm tree, two rain gauges; diurnal dry-weather flow (weekends later and
lower), rain events (one heavy storm surcharges a storm gauge), a partial blockage in a named sanitary pipe from a
given time (the gauge upstream rises, the one downstream falls), an illicit dry-weather inflow into a storm pipe,
sensor faults (gap, flat line, spike, out of range). The truth table lists every alarm the rules must raise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..sample import Sample
from ..sample import generate as generate_network
from .qc import runs

FREEBOARD = 0.3  # the default of Thresholds.freeboard: the truth of high_level uses it
II_RATIO = 0.08  # R of the sanitary flow meter: the share of the rain on its catchment that enters the sewer
II_WIDTH = 30.0  # the default of Thresholds.ii_proxy_width: no sub-catchments, area = upstream length x this
II_HOURS = 3.0   # time constant of the rain-derived inflow's response (h)


@dataclass
class MonitoringSample:
    network: Sample
    sensors: list[dict]
    readings: pd.DataFrame          # long: sensor_id, time, value
    truth: list[dict] = field(default_factory=list)
    blocked_pipe: str = ""
    start: pd.Timestamp = pd.Timestamp("2024-06-03")
    step_minutes: int = 5

    def wide(self) -> pd.DataFrame:
        """The readings as a SCADA export: a time column and one column per sensor."""
        table = self.readings.pivot(index="time", columns="sensor_id", values="value")
        return table.reset_index().rename_axis(None, axis=1)


def diurnal(hours: np.ndarray, weekend: np.ndarray) -> np.ndarray:
    """Dry-weather flow pattern (mean about 1): morning and evening peaks, later and flatter at weekends."""
    morning = np.where(weekend, 10.0, 8.0)
    shape = 0.45 + 1.0 * np.exp(-((hours - morning) ** 2) / 4.5) + 0.7 * np.exp(-((hours - 20.0) ** 2) / 8.0)
    return shape / 1.05


class _Builder:
    def __init__(self, network: Sample, rng, days: int, step_minutes: int, start: pd.Timestamp):
        self.network, self.rng = network, rng
        self.step = step_minutes
        self.per_day = 24 * 60 // step_minutes
        self.times = pd.date_range(start, periods=days * self.per_day, freq=f"{step_minutes}min")
        hours = np.asarray(self.times.hour + self.times.minute / 60.0)
        weekend = np.asarray(self.times.dayofweek >= 5)
        self.pattern = diurnal(hours, weekend)
        self.nodes = {n["id"]: n for n in network.nodes}
        self.down = {p["from"]: p for p in network.pipes if not p["id"].endswith("D") and "X" not in p["id"]
                     and p["from"] in self.nodes and p["to"] in self.nodes}
        self.sensors: list[dict] = []
        self.signals: dict[str, np.ndarray] = {}
        self.truth: list[dict] = []

    def at(self, day: float) -> int:
        return int(round(day * self.per_day))

    def path(self, node: str) -> list[dict]:
        pipes = []
        while node in self.down:
            pipes.append(self.down[node])
            node = pipes[-1]["to"]
        return pipes

    def gauge(self, sensor_id: str, kind: str, node: str, signal: np.ndarray) -> None:
        data = self.nodes[node]
        self.sensors.append({"sensor_id": sensor_id, "kind": kind, "node_id": node, "x": data["x"], "y": data["y"]})
        self.signals[sensor_id] = signal

    def event(self, rule: str, sensor_id: str, first: int, last: int, event: str, pipe: str = "",
              value: float = math.nan) -> None:
        self.truth.append({"event": event, "rule": rule, "sensor_id": sensor_id, "start": self.times[first],
                           "end": self.times[min(last, len(self.times) - 1)], "pipe_id": pipe, "value": value})

    def upstream_length(self, node: str, system: str) -> float:
        """Length of the pipes of ``system`` that drain to ``node`` (followed by their from/to ids)."""
        arriving: dict[str, list[dict]] = {}
        for pipe in self.network.pipes:
            if pipe["system"] == system:
                arriving.setdefault(pipe["to"], []).append(pipe)
        seen, stack, length = {node}, [node], 0.0
        while stack:
            for pipe in arriving.get(stack.pop(), []):
                length += pipe["length"]
                if pipe["from"] not in seen:
                    seen.add(pipe["from"])
                    stack.append(pipe["from"])
        return length


def generate(km: float = 20.0, seed: int = 1, days: int = 21, step_minutes: int = 5,
             start: str = "2024-06-03", network: Optional[Sample] = None) -> MonitoringSample:
    """Generate sensors, readings and truth for ``days`` days of ``step_minutes`` readings from ``start`` (a Monday).

    >>> sample = generate(days=21)
    >>> sorted({t["rule"] for t in sample.truth}) == sorted(["blockage", "dry_weather_anomaly", "dry_weather_flow",
    ...     "flatline", "gap", "high_level", "inflow_infiltration", "out_of_range", "spike", "surcharge"])
    True
    """
    network = network or generate_network(km, seed)
    rng = np.random.default_rng(seed + 1000)
    build = _Builder(network, rng, days, step_minutes, pd.Timestamp(start))
    runoff, rain = _rain(build, days)
    blocked = _sanitary(build, runoff, days, np.mean([series for _, series in rain], axis=0))
    _storm(build, runoff, days)
    for sensor, series in rain:
        build.sensors.append(sensor)
        build.signals[sensor["sensor_id"]] = series
    _faults(build, days)
    _level_truth(build)
    ids = [s["sensor_id"] for s in build.sensors]
    values = np.concatenate([np.round(build.signals[i], 3) for i in ids])
    readings = pd.DataFrame({"sensor_id": pd.Categorical(np.repeat(ids, len(build.times)), categories=ids),
                             "time": np.tile(build.times.to_numpy(), len(ids)), "value": values})
    readings = readings[readings["value"].notna()].reset_index(drop=True)
    return MonitoringSample(network, build.sensors, readings, build.truth, blocked, pd.Timestamp(start), step_minutes)


def _rain(build: _Builder, days: int) -> tuple[np.ndarray, list]:
    """Rain events (mm per reading) on two gauges and the runoff they make (1 = the heavy storm's peak)."""
    rain = np.zeros(len(build.times))
    events = [(d, 14.0, 3.0, 2.0) for d in range(3, days - 2, 6)]  # day, hour, hours, peak mm/5 min
    events[len(events) // 2] = (events[len(events) // 2][0], 16.0, 3.0, 6.0)  # the heavy storm
    for day, hour, hours, peak in events:
        first = build.at(day + hour / 24.0)
        count = int(hours * 60 / build.step)
        rain[first:first + count] += peak * np.sin(np.linspace(0, math.pi, count)) ** 2
    kernel = np.exp(-np.arange(0, 180, build.step) / 40.0)
    runoff = np.convolve(rain, kernel)[: rain.size]
    runoff /= runoff.max()
    nodes = list(build.nodes.values())
    centre = (float(np.mean([n["x"] for n in nodes])), float(np.mean([n["y"] for n in nodes])))
    gauges = [({"sensor_id": f"RG{number}", "kind": "rain", "node_id": None, "x": centre[0] + 100.0 * number,
                "y": centre[1]}, np.round(rain * factor, 1)) for number, factor in ((1, 1.0), (2, 0.9))]
    return runoff, gauges


def _sanitary(build: _Builder, runoff: np.ndarray, days: int, rain_mm: np.ndarray) -> str:
    """Level gauges every few manholes down the longest sanitary path and a flow gauge at its end (with
    rain-derived inflow of a known R); a partial blockage between two of them from 80 % of the period."""
    leaves = [n for n in build.nodes if n.startswith("WS") and n in build.down]
    trunk = max(leaves, key=lambda n: (len(build.path(n)), n))
    path = build.path(trunk)
    crossed = {p["from"] for p in build.network.pipes if "X" in p["id"]}
    spots = [p for p in path[:: max(1, len(path) // 8)] if p["from"] not in crossed][:7]
    rng, pattern = build.rng, build.pattern
    daily = np.repeat(1.0 + rng.normal(0.0, 0.03, days), build.per_day)
    ids = []
    for number, pipe in enumerate(spots, start=1):
        base = pipe["diameter"] / 1000.0 * (0.3 + 0.05 * number / len(spots))
        signal = base * pattern * daily + 0.15 * base * runoff + rng.normal(0.0, 0.003, pattern.size)
        sensor_id = f"WL{number:02d}"
        build.gauge(sensor_id, "level", pipe["from"], signal)
        ids.append(sensor_id)
    last = path[-1]
    build.gauge("WQ01", "flow", last["from"], 40.0 * pattern * daily + _inflow(build, last["from"], rain_mm)
                + rng.normal(0.0, 0.5, pattern.size))
    upstream, downstream = 2, 3  # the blockage lies between WL02 and WL03
    between = path[path.index(spots[upstream - 1]): path.index(spots[downstream - 1])]
    blocked = between[len(between) // 2]["id"]
    first = build.at(int(days * 0.8) + 0.25)
    ramp = np.clip((np.arange(pattern.size) - first) / 24.0, 0.0, 1.0)
    up, down = build.signals[ids[upstream - 1]], build.signals[ids[downstream - 1]]
    build.signals[ids[upstream - 1]] = up + ramp * (0.12 + 0.6 * up)
    build.signals[ids[downstream - 1]] = down * (1.0 - 0.45 * ramp)
    end = len(build.times) - 1
    build.event("blockage", ids[upstream - 1], first, end, "blockage", blocked)
    build.event("dry_weather_anomaly", ids[downstream - 1], first, end, "blockage", blocked)
    return blocked


def _inflow(build: _Builder, node: str, rain_mm: np.ndarray) -> np.ndarray:
    """Rain-derived inflow (L/s) at a sanitary flow meter: II_RATIO of the rain (mm per reading, the mean of the
    gauges) on its catchment (upstream pipe length x II_WIDTH), each reading's share arriving over the next hours
    (an exponential response of II_HOURS, whole within the day after the rain). Its truth row carries R."""
    area = build.upstream_length(node, build.nodes[node]["system"]) * II_WIDTH
    steps = int(5 * II_HOURS * 60 / build.step)
    kernel = np.exp(-np.arange(steps) * build.step / 60.0 / II_HOURS)
    arriving = np.convolve(rain_mm, kernel / kernel.sum())[: rain_mm.size]  # mm per reading, volume kept
    build.event("inflow_infiltration", "WQ01", 0, len(build.times) - 1, "inflow_infiltration", value=II_RATIO)
    return II_RATIO * arriving / 1000.0 * area / (build.step * 60.0) * 1000.0


def _storm(build: _Builder, runoff: np.ndarray, days: int) -> None:
    """Storm gauges: rain only, except below an illicit inflow (dry-weather flow) and one the heavy storm
    surcharges up to within the freeboard."""
    rng, pattern = build.rng, build.pattern
    sources = [t["value"] for t in build.network.truth if t["fault"] == "dry_weather_outfall"]
    storm = sorted(n for n in build.down if n.startswith("YS"))
    inflow = sources[0] if sources and sources[0] in build.down else storm[len(storm) // 2]
    below = build.path(inflow)
    first = build.at(5.0)
    illicit = np.where(np.arange(pattern.size) >= first, 0.02 + 0.04 * pattern, 0.0)
    chosen = {below[min(1, len(below) - 1)]["from"]: "YL01", below[-1]["to"]: "YL02"}
    surcharged = next(n for n in storm if n not in {p["from"] for p in below} and n != inflow
                      and len(build.path(n)) > 3 and build.down[n]["diameter"] <= 600)
    chosen[surcharged] = "YL03"
    for node in storm[:: max(1, len(storm) // 3)][:3]:
        chosen.setdefault(node, f"YL{len(chosen) + 1:02d}")
    downstream_of_inflow = {p["to"] for p in below} | {inflow}
    for node, sensor_id in chosen.items():
        pipe = build.down.get(node)
        diameter = pipe["diameter"] / 1000.0 if pipe else 1.0
        ground = build.nodes[node]["ground"] - build.nodes[node]["invert"]
        peak = ground - 0.12 if sensor_id == "YL03" else 0.8 * diameter
        signal = peak * runoff + rng.normal(0.0, 0.003, pattern.size)
        if node in downstream_of_inflow:
            signal = signal + illicit
            build.event("dry_weather_flow", sensor_id, first, len(build.times) - 1, "illicit_inflow", inflow)
        build.gauge(sensor_id, "level", node, signal)


def _faults(build: _Builder, days: int) -> None:
    """A gap, a flat line, spikes and SCADA error codes on four sanitary gauges."""
    gap, flat, spike, error = (build.signals[f"WL0{i}"] for i in (5, 6, 7, 1))
    first = build.at(6.4)
    gap[first:first + 72] = np.nan
    build.event("gap", "WL05", first, first + 71, "sensor_fault")
    first = build.at(8.3)
    flat[first:first + 96] = flat[first]
    build.event("flatline", "WL06", first, first + 95, "sensor_fault")
    for day in (10.2, 10.5, 11.7):
        at = build.at(day)
        spike[at] += 1.0
        build.event("spike", "WL07", at, at, "sensor_fault")
    first = build.at(12.6)
    error[first:first + 3] = -9999.0
    build.event("out_of_range", "WL01", first, first + 2, "sensor_fault")


def _level_truth(build: _Builder) -> None:
    """Surcharge and high level wherever a clean level signal puts them (the heavy storm, the blockage)."""
    faulty = {t["sensor_id"] for t in build.truth if t["event"] == "sensor_fault"}
    blocked = {t["sensor_id"] for t in build.truth if t["rule"] == "blockage"}
    for sensor in build.sensors:
        if sensor["kind"] != "level" or sensor["sensor_id"] in faulty:
            continue
        node = build.nodes[sensor["node_id"]]
        pipe = build.down.get(sensor["node_id"])
        depth = build.signals[sensor["sensor_id"]]
        crown = (pipe["up_invert"] + pipe["diameter"] / 1000.0) if pipe else math.inf
        for rule, mask in (("surcharge", node["invert"] + depth > crown),
                           ("high_level", node["invert"] + depth >= node["ground"] - FREEBOARD)):
            for _, first, last in runs(mask[:, None], 2, 6):
                event = "blockage" if sensor["sensor_id"] in blocked else "storm"
                build.event(rule, sensor["sensor_id"], first, last, event)


def truth_frame(sample: MonitoringSample) -> pd.DataFrame:
    return pd.DataFrame(sample.truth, columns=["event", "rule", "sensor_id", "start", "end", "pipe_id", "value"])


def match(alarms: list[Any], truth: list[dict]) -> tuple[list[dict], list[Any]]:
    """(truth rows no alarm found, alarms no truth row explains): same sensor and rule, overlapping times;
    a blockage must name the blocked pipe among its candidates."""
    missed = []
    for row in truth:
        found = [a for a in alarms if a.sensor_id == row["sensor_id"] and a.rule == row["rule"]
                 and a.start <= row["end"] and a.end >= row["start"]]
        if row["rule"] == "blockage":
            found = [a for a in found if row["pipe_id"] in {p.split("#")[0] for p in a.candidate_pipes}]
        if not found:
            missed.append(row)
    false = [a for a in alarms if not any(a.sensor_id == t["sensor_id"] and a.rule == t["rule"]
                                          and a.start <= t["end"] and a.end >= t["start"] for t in truth)]
    return missed, false


def write_files(sample: MonitoringSample, folder: str, chinese: bool = False) -> dict[str, str]:
    """network.gpkg (pipes, nodes, sensors), readings.csv (wide, as a SCADA export) and truth.csv in ``folder``."""
    import os

    from osgeo import ogr, osr

    from ..sample import _layer, write_gpkg

    os.makedirs(folder, exist_ok=True)
    paths = {name: os.path.join(folder, name) for name in ("network.gpkg", "readings.csv", "truth.csv")}
    if os.path.exists(paths["network.gpkg"]):
        os.remove(paths["network.gpkg"])
    write_gpkg(sample.network, paths["network.gpkg"], chinese)
    source = ogr.Open(paths["network.gpkg"], 1)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4549)
    _layer(source, srs, "sensors", ogr.wkbPoint, ["sensor_id", "kind", "node_id"], ["s", "s", "s"],
           (([s["sensor_id"], s["kind"], s["node_id"]], [(s["x"], s["y"])]) for s in sample.sensors))
    source = None
    sample.wide().to_csv(paths["readings.csv"], index=False, date_format="%Y-%m-%d %H:%M")
    truth_frame(sample).to_csv(paths["truth.csv"], index=False)
    return paths


def clean_readings(sensors: int = 1000, days: int = 30, seed: int = 0) -> tuple:
    """(readings, sensor rows) of clean gauges: level gauges with a daily cycle and a little noise,
    and every 50th a rain gauge that saw no rain, so every day is dry and no rule should fire. At
    1,000 sensors x 30 days of 5-minute readings, 8.6 million rows: the scale of bench/monitoring.py."""
    steps = days * 288
    rng = np.random.default_rng(seed)
    hours = (np.arange(steps) % 288) / 12.0
    base = 0.2 + 0.1 * np.sin(hours / 24.0 * 2 * np.pi)
    ids = [f"S{i:04d}" for i in range(sensors)]
    readings = pd.DataFrame({
        "sensor_id": pd.Categorical.from_codes(np.repeat(np.arange(sensors), steps), ids),
        "time": np.tile(pd.date_range("2024-06-03", periods=steps, freq="5min").to_numpy(), sensors),
        "value": (base[None, :] + rng.normal(0, 0.005, (sensors, steps))).ravel()})
    rain = np.arange(sensors) % 50 == 0
    readings.loc[np.repeat(rain, steps), "value"] = 0.0
    rows = [{"sensor_id": sensor, "kind": "rain" if rain[n] else "level"} for n, sensor in enumerate(ids)]
    return readings, rows
