"""pipenet:sensormonitor: sensor readings -> QC intervals and alarms on the network (network/monitoring)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...network._errors import PipeNetInputError
from ...network.monitoring import Thresholds, monitor, place_sensors, sensors_from_rows
from ..base import PipeNetAlgorithm
from ..inputs.sensors import catchment_areas, readings_frame, sensor_rows
from ..outputs.atomic import staged_folder
from ..report.monitor_report import plot_alarms, plot_names, write_summary
from ..runtime.compat import tr_noop

QC_COLUMNS = [("sensor_id", "string"), ("rule", "string"), ("start", "string"), ("end", "string"),
              ("readings", "int"), ("value", "double")]
NUMBERS = [("SNAP_DISTANCE", tr_noop("Largest distance from a sensor point to its node (metres)"), 10.0, None),
           ("FREEBOARD", tr_noop("High level: freeboard below the ground (metres)"), 0.3, "freeboard"),
           ("ENVELOPE_K", tr_noop("Dry-weather envelope: k x robust spread"), 4.0, "envelope_k"),
           ("GAP_MINUTES", tr_noop("Gap: missing readings for (minutes)"), 30.0, "gap_minutes"),
           ("FLATLINE_MINUTES", tr_noop("Flat line: the same reading for (minutes)"), 120.0, "flatline_minutes"),
           ("ANOMALY_MINUTES", tr_noop("Anomaly: outside the envelope for (minutes)"), 60.0, "anomaly_minutes"),
           ("DRY_RAIN_MM", tr_noop("Dry day: at most this rain (mm)"), 0.2, "dry_rain_mm"),
           ("DWF_LEVEL", tr_noop("Dry-weather flow in a storm pipe: depth above (metres)"), 0.02, "dwf_level"),
           ("II_RATIO", tr_noop("Inflow/infiltration: alarm at R (share of the rain reaching the sewer) of"), 0.05,
            "ii_ratio"),
           ("II_PROXY_WIDTH", tr_noop("Inflow/infiltration without sub-catchments: catchment width per metre of "
                                      "upstream pipe (metres)"), 30.0, "ii_proxy_width")]


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
            "one downstream does not; candidate pipes between them), dry-weather flow in storm pipes and inflow/"
            "infiltration per flow meter (R: the share of the rain on its upstream sub-catchments, or upstream "
            "pipe length x a width, reaching the sewer). Flow readings in L/s. See docs/monitoring.md.<br><br>"
            "传感器监测：读取液位、流量、流速和雨量数据，进行数据质量控制"
            "（缺失、恒值、尖峰、越限），并报警：高水位、管道超载、旱天异常、疑似堵塞（给出可疑管段）、"
            "雨水管旱天有水、流量计上游外水入流入渗（R 值）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "SENSORS", self.tr("Sensors (points or table)"), [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "RAIN_SENSORS", self.tr("Rain gauges (points or table with sensor_id; optional, beside SENSORS)"),
            [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "READINGS", self.tr("Readings file (CSV or Excel)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "READINGS_TABLE", self.tr("Or readings table"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "CATCHMENTS", self.tr("Sub-catchments for inflow/infiltration (polygons; empty: upstream pipe length)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            "CATCHMENT_NODE_FIELD", self.tr("Node each sub-catchment drains to (empty: the nearest node)"),
            parentLayerParameterName="CATCHMENTS", optional=True))
        self.addParameter(QgsProcessingParameterString("START", self.tr("Start (e.g. 2024-06-01)"), optional=True))
        self.addParameter(QgsProcessingParameterString("END", self.tr("End (e.g. 2024-06-30 23:55)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "ACTIVE_HOURS", self.tr("Only alarms still on in the last hours of the readings (0: every alarm)"),
            QgsProcessingParameterNumber.Double, 0.0, minValue=0.0))
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
        catchments = self.parameterAsSource(parameters, "CATCHMENTS", context)
        fields = self.parameterAsFields(parameters, "CATCHMENT_NODE_FIELD", context)
        try:
            rain_gauges = self.parameterAsSource(parameters, "RAIN_SENSORS", context)
            sensors = sensors_from_rows(sensor_rows(self.parameterAsSource(parameters, "SENSORS", context), run,
                                                    context)
                                        + (sensor_rows(rain_gauges, run, context, kind="rain") if rain_gauges else []))
            readings = readings_frame(self.parameterAsFile(parameters, "READINGS", context),
                                      self.parameterAsSource(parameters, "READINGS_TABLE", context))
            for warning in place_sensors(sensors, run.network.graph,
                                         self.parameterAsDouble(parameters, "SNAP_DISTANCE", context)):
                feedback.pushWarning(warning)
            areas = catchment_areas(catchments, fields[0] if fields else None, run, context) if catchments else None
            result = monitor(readings, sensors, run.network.graph, limits,
                             self.parameterAsString(parameters, "START", context) or None,
                             self.parameterAsString(parameters, "END", context) or None, catchments=areas,
                             pipe_coords=run.network.pipe_coords)
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        for warning in result.warnings:
            feedback.pushWarning(warning)
        hours = self.parameterAsDouble(parameters, "ACTIVE_HOURS", context)
        if hours > 0:  # a scheduled run over weeks of readings (the envelope learns from them) reports today's
            result.alarms[:] = result.active(hours)
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        names = plot_names(result.alarms) if folder else []
        plots = [str(Path(folder) / name) if name else "" for name in names]
        qc_rows = [[q.sensor_id, q.rule, f"{q.start:%Y-%m-%d %H:%M}", f"{q.end:%Y-%m-%d %H:%M}", q.readings,
                    None if q.value != q.value else q.value] for q in result.qc]
        outputs = {"OUTPUT_ALARMS": self.write_alarms(run, result.alarms, parameters, context, plots=plots),
                   "OUTPUT_QC": self.write_table(parameters, "OUTPUT_QC", context, QC_COLUMNS, qc_rows),
                   "ALARM_COUNT": len(result.alarms), "QC_COUNT": len(result.qc)}
        if folder:
            with staged_folder(Path(folder)) as staged:  # moved in when every plot is made (atomic.py)
                write_summary(result, str(staged))
                made = plot_alarms(result, str(staged), names)
            feedback.pushInfo(self.tr("{} alarm plots and the summary written to {}").format(made, folder))
            outputs["OUTPUT_FOLDER"] = folder
        for meter in result.inflow:
            feedback.pushInfo(self.tr("{}: inflow/infiltration R = {:.1%} ({:.0f} m3 from {:.1f} mm on {:.2f} ha)")
                              .format(meter.sensor_id, meter.ratio, meter.rdii_m3, meter.rain_mm, meter.area_ha))
        feedback.pushInfo(self.tr("{} alarms, {} QC intervals").format(len(result.alarms), len(result.qc)))
        return outputs
