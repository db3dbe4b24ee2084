"""Monitoring and alarms (docs/monitoring.md): sensor readings in, quality control and hydraulic alarms out.

readings.py (long or wide readings -> one long frame -> a time x sensor matrix), sensors.py (sensors placed on
the network), qc.py (gap, flatline, spike, out of range), rules.py (high level, surcharge, dry-weather envelope,
anomaly, blockage, dry-weather flow), monitor.py (the order of the steps, Alarm and QCInterval), sample.py (a
seeded generator with known events and their truth).
"""

from .monitor import Alarm, MonitorResult, QCInterval, Thresholds, monitor
from .readings import read_readings
from .sensors import Sensor, place_sensors, sensors_from_rows

__all__ = ["Alarm", "MonitorResult", "QCInterval", "Thresholds", "monitor", "read_readings", "Sensor",
           "place_sensors", "sensors_from_rows"]
