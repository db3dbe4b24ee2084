"""What pipenet:sensormonitor writes into its folder: a PNG per alarm (matplotlib when installed), summary JSON/HTML."""

from __future__ import annotations

import html
import json
import os
from collections import Counter

import numpy as np


def plot_alarms(result, folder: str, limit: int = 200) -> int:
    """One PNG per alarm (the first ``limit``): the sensor's readings two days around it, the alarm shaded."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        return 0
    matrix = result.matrix
    column_of = {name: i for i, name in enumerate(matrix.sensors)}
    step = np.timedelta64(matrix.step_seconds, "s")
    written = 0
    for number, alarm in enumerate(result.alarms[:limit], start=1):
        column = column_of[alarm.sensor_id]
        first = max(0, int((alarm.start - matrix.start).total_seconds() // matrix.step_seconds) - matrix.steps_per_day)
        last = min(matrix.values.shape[0], first + 3 * matrix.steps_per_day)
        times = np.datetime64(matrix.start) + np.arange(first, last) * step
        figure, axes = pyplot.subplots(figsize=(8, 3))
        axes.plot(times, matrix.values[first:last, column], lw=0.8, color="0.3")
        axes.axvspan(alarm.start, alarm.end, color="tab:red", alpha=0.2)
        axes.set_title(f"{alarm.sensor_id} {alarm.rule} {alarm.start:%Y-%m-%d %H:%M}", fontsize=9)
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(os.path.join(folder, f"alarm_{number:04d}_{alarm.sensor_id}_{alarm.rule}.png"), dpi=80)
        pyplot.close(figure)
        written += 1
    return written


def write_summary(result, folder: str) -> dict:
    """summary.json and summary.html: alarms per rule and sensor, dry days, warnings."""
    counts = dict(Counter(a.rule for a in result.alarms).most_common())
    summary = {"alarms": len(result.alarms), "by_rule": counts, "qc_intervals": len(result.qc),
               "sensors": len(result.matrix.sensors), "dry_days": int(result.dry.sum()),
               "days": int(result.dry.size), "warnings": result.warnings}
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
