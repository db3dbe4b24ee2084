"""What pipenet:sensormonitor writes into its folder: a PNG per alarm (matplotlib when installed), summary JSON/HTML."""

from __future__ import annotations

import html
import json
import os
import warnings
from collections import Counter
from typing import Optional

import numpy as np

PLOT_LIMIT = 200  # alarms plotted per run (the first ones): a county's week of alarms stays a folder one can open


def plot_names(alarms, limit: int = PLOT_LIMIT) -> list[str]:
    """The PNG file name of each alarm ("" past the first ``limit``), known before the plots are made so the
    alarms layer can name them."""
    return [f"alarm_{number:04d}_{alarm.sensor_id}_{alarm.rule}.png" if number <= limit else ""
            for number, alarm in enumerate(alarms, start=1)]


def plot_alarms(result, folder: str, names: Optional[list[str]] = None) -> int:
    """One PNG per named alarm (plot_names): the sensor's readings two days around it, its dry-weather envelope
    (median and the band of k robust spreads), the level it broke (ground - freeboard, crown), the alarm
    shaded and the rain on a second axis. None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        return 0
    names = plot_names(result.alarms) if names is None else names
    matrix = result.matrix
    column_of = {name: i for i, name in enumerate(matrix.sensors)}
    step = np.timedelta64(matrix.step_seconds, "s")
    envelope = _envelope_series(result)
    rain = _rain_series(result)
    written = 0
    for alarm, name in zip(result.alarms, names):
        if not name:
            continue
        column = column_of[alarm.sensor_id]
        first = max(0, int((alarm.start - matrix.start).total_seconds() // matrix.step_seconds) - matrix.steps_per_day)
        last = min(matrix.values.shape[0], first + 3 * matrix.steps_per_day)
        times = np.datetime64(matrix.start) + np.arange(first, last) * step
        figure, axes = pyplot.subplots(figsize=(8, 3))
        axes.plot(times, matrix.values[first:last, column], lw=0.8, color="0.3", label=alarm.sensor_id)
        if column in envelope:
            median, low, high = (series[first:last] for series in envelope[column])
            axes.plot(times, median, lw=0.7, color="tab:blue", label="dry-weather median")
            axes.fill_between(times, low, high, color="tab:blue", alpha=0.12, lw=0)
        _limits(axes, result, column, alarm)
        axes.axvspan(alarm.start, alarm.end, color="tab:red", alpha=0.2)
        if rain is not None and np.nansum(rain[first:last]) > 0:
            twin = axes.twinx()
            twin.bar(times, rain[first:last], width=matrix.step_seconds / 86400.0, color="tab:cyan", alpha=0.5)
            twin.set_ylabel("rain (mm)", fontsize=7)
            twin.invert_yaxis()
        axes.set_title(f"{alarm.sensor_id} {alarm.rule} {alarm.start:%Y-%m-%d %H:%M}", fontsize=9)
        axes.legend(fontsize=6, loc="upper left")
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(os.path.join(folder, name), dpi=80)
        pyplot.close(figure)
        written += 1
    return written


def _envelope_series(result) -> dict[int, tuple]:
    """Sensor column -> (median, low, high) of its dry-weather envelope over the whole matrix, in its readings'
    unit (a level's envelope is learned on depths above the invert: shifted back to the readings)."""
    model = result.envelope
    if model is None:
        return {}
    median, spread = model.expand(result.matrix.days)
    k = result.limits.envelope_k
    series = {}
    for position, column in enumerate(model.columns):
        sensor = result.sensors[column] if column < len(result.sensors) else None
        shift = sensor.base - sensor.invert if sensor is not None and sensor.kind == "level" and sensor.placed else 0.0
        shift = 0.0 if shift != shift else shift
        centre = median[:, position] - shift
        series[column] = (centre, centre - k * spread[:, position], centre + k * spread[:, position])
    return series


def _rain_series(result) -> Optional[np.ndarray]:
    """The mean of the rain gauges per reading (None without one)."""
    rain = [i for i, sensor in enumerate(result.sensors) if sensor.kind == "rain"]
    if not rain:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(result.clean[:, rain], axis=1)


def _limits(axes, result, column: int, alarm) -> None:
    """The level a high_level or surcharge alarm broke, as a readings value (depth or level reading)."""
    if alarm.rule not in ("high_level", "surcharge"):
        return
    sensor = result.sensors[column]
    level = sensor.ground - result.limits.freeboard if alarm.rule == "high_level" else sensor.crown
    if level == level:
        axes.axhline(level - sensor.base, color="tab:red", lw=0.8, ls="--", label=alarm.rule)


def write_summary(result, folder: str) -> dict:
    """summary.json and summary.html: alarms per rule and sensor, dry days, warnings."""
    counts = dict(Counter(a.rule for a in result.alarms).most_common())
    summary = {"alarms": len(result.alarms), "by_rule": counts, "qc_intervals": len(result.qc),
               "sensors": len(result.matrix.sensors), "dry_days": int(result.dry.sum()),
               "days": int(result.dry.size), "warnings": result.warnings,
               "inflow_infiltration": [{key: None if isinstance(value, float) and value != value else value
                                        for key, value in vars(meter).items()} for meter in result.inflow]}
    with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump(summary, handle, ensure_ascii=False, indent=1)
    rows = "".join(f"<tr><td>{html.escape(a.sensor_id)}</td><td>{a.rule}</td><td>{a.start:%Y-%m-%d %H:%M}</td>"
                   f"<td>{a.end:%Y-%m-%d %H:%M}</td><td>{html.escape(a.message_en)}<br>{html.escape(a.message_zh)}"
                   "</td></tr>" for a in result.alarms)
    page = (f"<html><head><meta charset='utf-8'><title>PipeNet monitoring</title></head><body>"
            f"<h1>PipeNet monitoring</h1><p>{len(result.alarms)} alarms, {summary['dry_days']} dry days of "
            f"{summary['days']}</p><table border='1'><tr><th>sensor</th><th>rule</th><th>start</th><th>end</th>"
            f"<th>message</th></tr>{rows}</table></body></html>")
    with open(os.path.join(folder, "summary.html"), "w", encoding="utf-8") as handle:
        handle.write(page)
    return summary
