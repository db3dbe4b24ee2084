"""Sensor monitoring at scale: 1,000 sensors x 30 days of 5-minute readings (8.6 million rows).

Usage: python -P bench/monitoring.py [--sensors 1000] [--days 30]
Prints the seconds of ingest + QC + every alarm rule (network.monitoring.monitor) and the process's
peak memory, beside reading the same readings back from a CSV with pandas alone. Target (issue
"Monitoring and alarms"): < 10 s and < 1.5 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import load_pipenet  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    arguments = parser.parse_args()
    load_pipenet()
    import pandas as pd

    from pipenet.network.monitoring import monitor, sensors_from_rows
    from pipenet.network.monitoring.sample import clean_readings

    readings, rows = clean_readings(arguments.sensors, arguments.days)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "readings.csv"
        readings.to_csv(path, index=False)
        started = time.perf_counter()
        pd.read_csv(path, parse_dates=["time"])
        pandas_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = monitor(readings, sensors_from_rows(rows))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"{len(readings):,} readings: monitor {seconds:.2f} s ({len(result.alarms)} alarms), "
          f"pandas read_csv alone {pandas_seconds:.2f} s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
