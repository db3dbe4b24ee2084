"""pipenet:sensormonitor: sensor readings -> QC intervals and alarms on the network (network/monitoring)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ...network._errors import PipeNetInputError
from ...network.monitoring import Thresholds, monitor, place_sensors, read_readings, sensors_from_rows
from ..base import PipeNetAlgorithm
from ..inputs.layers import points_in_working_crs
from ..outputs.atomic import staged_folder
from ..report.monitor_report import plot_alarms, write_summary

ALARM_COLUMNS = [("sensor_id", "string"), ("rule", "string"), ("severity", "string"), ("start", "string"),
                 ("end", "string"), ("value", "double"), ("node_id", "string"), ("kind", "string"),
                 ("candidates", "string"), ("message_en", "string"), ("message_zh", "string")]
QC_COLUMNS = [("sensor_id", "string"), ("rule", "string"), ("start", "string"), ("end", "string"),
              ("readings", "int"), ("value", "double")]
NUMBERS = [("SNAP_DISTANCE", "Largest distance from a sensor point to its node (metres)", 10.0, None),
           ("FREEBOARD", "High level: freeboard below the ground (metres)", 0.3, "freeboard"),
           ("ENVELOPE_K", "Dry-weather envelope: k x robust spread", 4.0, "envelope_k"),
           ("GAP_MINUTES", "Gap: missing readings for (minutes)", 30.0, "gap_minutes"),
           ("FLATLINE_MINUTES", "Flat line: the same reading for (minutes)", 120.0, "flatline_minutes"),
           ("ANOMALY_MINUTES", "Anomaly: outside the envelope for (minutes)", 60.0, "anomaly_minutes"),
           ("DRY_RAIN_MM", "Dry day: at most this rain (mm)", 0.2, "dry_rain_mm"),
           ("DWF_LEVEL", "Dry-weather flow in a storm pipe: depth above (metres)", 0.02, "dwf_level")]


class SensorMonitorAlgorithm(PipeNetAlgorithm):
    """Quality control and alarms from level, flow, velocity and rain readings."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "sensormonitor"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Monitor sensors: quality control and alarms")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Reads sensor readings (CSV/Excel path or a table layer, e.g. from PostgreSQL; long: sensor_id, time, "
            "value[, quality], or wide: a time column and one column per sensor) and sensors (points or a table "
            "with sensor_id, kind = level/flow/velocity/rain, node_id or pipe_id, datum, offset), places the "
            "sensors on the network and raises alarms: sensor faults (gap, flat line, spike, out of range), high "
            "level (within the freeboard of the ground), surcharge (above the pipe crown), dry-weather anomaly "
            "(outside median ± k·MAD of its time-of-day slot on dry days), blockage (a gauge rises while the next "
            "one downstream does not; candidate pipes between them) and dry-weather flow in storm pipes. See "
            "docs/monitoring.md.<br><br>传感器监测：读取液位、流量、流速和雨量数据，进行数据质量控制"
            "（缺失、恒值、尖峰、越限），并报警：高水位、管道超载、旱天异常、疑似堵塞（给出可疑管段）、"
            "雨水管旱天有水。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SENSORS", self.tr("Sensors (points or table)"), [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterFile(
            "READINGS", self.tr("Readings file (CSV or Excel)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "READINGS_TABLE", self.tr("Or readings table"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterString("START", self.tr("Start (e.g. 2024-06-01)"), optional=True))
        self.addParameter(QgsProcessingParameterString("END", self.tr("End (e.g. 2024-06-30 23:55)"), optional=True))
        for key, label, default, _ in NUMBERS:
            self.addParameter(QgsProcessingParameterNumber(key, self.tr(label), QgsProcessingParameterNumber.Double,
                                                           default, minValue=0.0))
        self.add_sink("OUTPUT_ALARMS", self.tr("Alarms"), QgsProcessing.TypeVectorPoint)
        self.add_sink("OUTPUT_QC", self.tr("QC intervals"), QgsProcessing.TypeVector)
        self.addParameter(QgsProcessingParameterFolderDestination(
            "OUTPUT_FOLDER", self.tr("Plots and summary folder"), optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("ALARM_COUNT", self.tr("Alarms")))
        self.addOutput(QgsProcessingOutputNumber("QC_COUNT", self.tr("QC intervals")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        limits = Thresholds(**{field: self.parameterAsDouble(parameters, key, context)
                               for key, _, _, field in NUMBERS if field})
        try:
            sensors = sensors_from_rows(self._sensor_rows(run, parameters, context))
            readings = self._readings(parameters, context)
            for warning in place_sensors(sensors, run.network.graph,
                                         self.parameterAsDouble(parameters, "SNAP_DISTANCE", context)):
                feedback.pushWarning(warning)
            result = monitor(readings, sensors, run.network.graph, limits,
                             self.parameterAsString(parameters, "START", context) or None,
                             self.parameterAsString(parameters, "END", context) or None)
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        for warning in result.warnings:
            feedback.pushWarning(warning)
        alarms = [([a.sensor_id, a.rule, a.severity, f"{a.start:%Y-%m-%d %H:%M}", f"{a.end:%Y-%m-%d %H:%M}",
                    round(a.value, 3), a.node_id, a.kind, ";".join(a.candidate_pipes), a.message_en, a.message_zh],
                   (a.x, a.y) if a.x is not None else None) for a in result.alarms]
        qc_rows = [[q.sensor_id, q.rule, f"{q.start:%Y-%m-%d %H:%M}", f"{q.end:%Y-%m-%d %H:%M}", q.readings,
                    None if q.value != q.value else q.value] for q in result.qc]
        outputs = {"OUTPUT_ALARMS": self.write_points(run, parameters, "OUTPUT_ALARMS", context, ALARM_COLUMNS,
                                                      alarms),
                   "OUTPUT_QC": self.write_table(parameters, "OUTPUT_QC", context, QC_COLUMNS, qc_rows),
                   "ALARM_COUNT": len(result.alarms), "QC_COUNT": len(result.qc)}
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        if folder:
            with staged_folder(Path(folder)) as staged:  # moved in when every plot is made (atomic.py)
                write_summary(result, str(staged))
                plots = plot_alarms(result, str(staged))
            feedback.pushInfo(self.tr("{} alarm plots and the summary written to {}").format(plots, folder))
            outputs["OUTPUT_FOLDER"] = folder
        feedback.pushInfo(self.tr("{} alarms, {} QC intervals").format(len(result.alarms), len(result.qc)))
        return outputs

    def _sensor_rows(self, run, parameters, context) -> list[dict]:
        source = self.parameterAsSource(parameters, "SENSORS", context)
        names = source.fields().names()
        lowered = {name.lower(): name for name in names}
        spatial = source.wkbType() not in (QgsWkbTypes.NoGeometry, QgsWkbTypes.Unknown)
        points = dict(points_in_working_crs(source, run.frame, context)) if spatial else {}
        rows = []
        for feature in source.getFeatures():
            row = {key: feature[lowered[key]] for key in ("sensor_id", "kind", "node_id", "pipe_id", "datum",
                                                          "offset", "x", "y") if key in lowered}
            if feature.id() in points:
                row["x"], row["y"] = points[feature.id()]
            rows.append({k: (None if v is None or str(v) == "NULL" else v) for k, v in row.items()})
        return rows

    def _readings(self, parameters, context) -> pd.DataFrame:
        path = self.parameterAsFile(parameters, "READINGS", context)
        if path:
            return read_readings(path)
        table = self.parameterAsSource(parameters, "READINGS_TABLE", context)
        if table is None:
            raise QgsProcessingException(self.tr("Give READINGS (a CSV or Excel file) or READINGS_TABLE."))
        names = table.fields().names()
        frame = pd.DataFrame([f.attributes() for f in table.getFeatures()], columns=names)
        return read_readings(frame.applymap(lambda v: None if str(v) == "NULL" else v))
