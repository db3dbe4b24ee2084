"""pipenet:samplesensors: gauges, readings and truth on the sample network (network/monitoring/sample.py)."""

from __future__ import annotations

import os
from pathlib import Path

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
)

from ...network.monitoring.sample import generate, write_files
from ..base import PipeNetAlgorithm
from ..outputs.atomic import staged_folder


class SampleSensorsAlgorithm(PipeNetAlgorithm):
    """A seeded monitoring sample with known events, for demonstrations and tests of the monitor."""

    GROUP_ID = "data"

    def name(self) -> str:
        return "samplesensors"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Generate sample sensor readings")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Writes into a folder: network.gpkg (the sample network's pipes and nodes and a sensors layer), "
            "readings.csv (5-minute readings, one column per sensor, as a SCADA export) and truth.csv (every "
            "event the monitor must find): diurnal dry-weather flow, rain events, a partial blockage in a named "
            "sewer, an illicit dry-weather inflow into the storm system and sensor faults (gap, flat line, "
            "spikes, error codes).<br><br>生成示例监测数据：示例管网、传感器、5 分钟读数（SCADA 宽表）和"
            "注入事件真值表（旱天流量、降雨、管道部分堵塞、雨水管偷排、传感器故障）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterNumber("KM", self.tr("Network size (km of pipe)"),
                                                       QgsProcessingParameterNumber.Double, 20.0, minValue=1.0))
        self.addParameter(QgsProcessingParameterNumber("SEED", self.tr("Random seed"),
                                                       QgsProcessingParameterNumber.Integer, 1))
        self.addParameter(QgsProcessingParameterNumber("DAYS", self.tr("Days of readings"),
                                                       QgsProcessingParameterNumber.Integer, 21, minValue=14))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT_FOLDER", self.tr("Output folder")))
        self.addOutput(QgsProcessingOutputString("NETWORK", self.tr("Network GeoPackage")))
        self.addOutput(QgsProcessingOutputFile("READINGS", self.tr("Readings (CSV)")))
        self.addOutput(QgsProcessingOutputFile("TRUTH", self.tr("Truth table (CSV)")))
        self.addOutput(QgsProcessingOutputNumber("EVENT_COUNT", self.tr("Events in the truth table")))

    def process(self, parameters, context, feedback):
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        sample = generate(self.parameterAsDouble(parameters, "KM", context),
                          self.parameterAsInt(parameters, "SEED", context),
                          self.parameterAsInt(parameters, "DAYS", context))
        with staged_folder(Path(folder)) as staged:  # moved in when every file is written (atomic.py)
            names = {name: os.path.basename(path) for name, path in write_files(sample, str(staged)).items()}
        paths = {name: os.path.join(folder, written) for name, written in names.items()}
        feedback.pushInfo(self.tr("{} sensors, {} readings, {} truth rows; blocked pipe {}").format(
            len(sample.sensors), len(sample.readings), len(sample.truth), sample.blocked_pipe))
        return {"OUTPUT_FOLDER": folder, "NETWORK": paths["network.gpkg"], "READINGS": paths["readings.csv"],
                "TRUTH": paths["truth.csv"], "EVENT_COUNT": len(sample.truth)}
