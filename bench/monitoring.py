"""Sensor monitoring at scale: 1,000 sensors x 30 days of 5-minute readings (8.6 million rows).

Usage: python -P bench/monitoring.py [--sensors 1000] [--days 30]
Writes the readings as one long CSV (sensor_id, time, value), then times, each in a fresh process so
its peak memory is its own: reading that CSV with pandas alone and with pyarrow alone (when installed),
and PipeNet's ingest + QC + every alarm rule (read_readings + network.monitoring.monitor) on the
same file. Target (issue "Monitoring and alarms"): PipeNet < 10 s and < 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import load_pipenet  # noqa: E402

TARGET_SECONDS, TARGET_MB = 10.0, 1536.0


def measure(step: str, path: str, sensors: int, days: int) -> dict:
    """One step in this process: seconds, rows and peak resident memory (MB)."""
    started = time.perf_counter()
    if step == "pandas":
        import pandas as pd

        rows, note = len(pd.read_csv(path, parse_dates=["time"])), "read_csv, times parsed"
    elif step == "pyarrow":
        try:
            from pyarrow import csv
        except ImportError:
            return {"step": step, "note": "pyarrow not installed"}
        rows, note = csv.read_csv(path).num_rows, "csv.read_csv"
    else:
        load_pipenet()
        from pipenet.network.monitoring import monitor, read_readings, sensors_from_rows
        from pipenet.network.monitoring.sample import clean_readings

        _, sensor_rows = clean_readings(sensors, 1)  # the same sensors, kinds only
        readings = read_readings(path)
        result = monitor(readings, sensors_from_rows(sensor_rows))
        rows, note = len(readings), f"{len(result.alarms)} alarms, {len(result.qc)} QC intervals"
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"step": step, "seconds": seconds, "rows": rows, "peak_mb": peak, "note": note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.step:
        print(json.dumps(measure(arguments.step, arguments.path, arguments.sensors, arguments.days)))
        return
    load_pipenet()
    from pipenet.network.monitoring.sample import clean_readings

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "readings.csv")
        readings, _ = clean_readings(arguments.sensors, arguments.days)
        readings.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S", float_format="%.4f")
        size = Path(path).stat().st_size / 1e6
        del readings
        results = []
        for step in ("pandas", "pyarrow", "pipenet"):
            done = subprocess.run([sys.executable, "-P", __file__, "--step", step, "--path", path, "--sensors",
                                   str(arguments.sensors), "--days", str(arguments.days)],
                                  capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"Monitoring: {arguments.sensors:,} sensors x {arguments.days} days of 5-minute readings, "
          f"one long CSV of {size:,.0f} MB")
    print(f"{'step':<34}{'rows':>12}{'seconds':>10}{'peak MB':>10}  note")
    labels = {"pandas": "pandas read_csv alone", "pyarrow": "pyarrow read_csv alone",
              "pipenet": "PipeNet ingest + QC + alarms"}
    for row in results:
        if "seconds" not in row:
            print(f"{labels[row['step']]:<34}{'':>12}{'-':>10}{'-':>10}  {row['note']}")
            continue
        print(f"{labels[row['step']]:<34}{row['rows']:>12,}{row['seconds']:>10.2f}{row['peak_mb']:>10.0f}  "
              f"{row['note']}")
    pipenet = results[-1]
    met = pipenet["seconds"] < TARGET_SECONDS and pipenet["peak_mb"] < TARGET_MB
    print(f"target < {TARGET_SECONDS:.0f} s and < {TARGET_MB / 1024:.1f} GB: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
