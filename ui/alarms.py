"""The panel's monitoring alarms: the alarms layers of the project (pipenet:sensormonitor's, the audit's), their
alarms listed, and the plot of the one chosen (the PNG sensormonitor wrote for it in its OUTPUT_FOLDER)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ..network.model.findings import check_title
from ..processing.report.styles import LABELS_ZH, chinese
from .map_tools import tr

ALARM_FIELDS = ("sensor_id", "rule", "severity", "start", "plot")  # what makes a layer an alarms layer
PLOT_WIDTH = 360  # pixels the plot is shown at in the panel (the PNG is 640 wide)


def is_alarms_layer(layer) -> bool:
    """Whether ``layer`` holds monitoring alarms (PipeNet's alarms fields)."""
    return isinstance(layer, QgsVectorLayer) and layer.isValid() and \
        all(layer.fields().indexOf(name) >= 0 for name in ALARM_FIELDS)


def list_table(parent, name: str, headers: list[str]) -> QTableWidget:
    """A read-only table of whole rows, one chosen at a time (the findings browser, the alarms)."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    return table


class AlarmsPanel(QGroupBox):
    """The alarms of the chosen alarms layer; choosing one shows its sensor's plot. Hidden while the project has
    no alarms layer."""

    def __init__(self, project, parent=None):
        super().__init__(tr("Monitoring alarms"), parent)
        self.setObjectName("PipeNetAlarms")
        self.project = project
        self.rows: list[dict] = []
        self.shown_plot = ""
        layout = QVBoxLayout(self)
        self.layer_box = QComboBox(self)
        self.layer_box.setObjectName("AlarmsLayer")
        layout.addWidget(self.layer_box)
        self.table = list_table(self, "AlarmsTable", [tr("Sensor"), tr("Alarm"), tr("Severity"), tr("Start")])
        layout.addWidget(self.table, 1)
        self.plot = QLabel(tr("Choose an alarm to see its plot."), self)
        self.plot.setObjectName("AlarmPlot")
        self.plot.setAlignment(Qt.AlignCenter)
        self.plot.setWordWrap(True)
        layout.addWidget(self.plot)
        self.layer_box.currentIndexChanged.connect(self._fill_table)
        self.table.currentCellChanged.connect(lambda row, *_args: self.show_plot(row))
        for signal in (project.layersAdded, project.layersRemoved, project.readProject):
            signal.connect(self.refresh_layers)
        self.refresh_layers()

    def refresh_layers(self, *_args) -> None:
        """The project's alarms layers in the chooser (the one chosen kept); hidden when there is none."""
        wanted = self.layer_box.currentData()
        layers = [layer for layer in self.project.mapLayers().values() if is_alarms_layer(layer)]
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        for layer in layers:
            self.layer_box.addItem(layer.name(), layer.id())
        self.layer_box.setCurrentIndex(max(self.layer_box.findData(wanted), 0))
        self.layer_box.blockSignals(False)
        self.setVisible(bool(layers))
        self._fill_table()

    def _fill_table(self, *_args) -> None:
        layer = self.project.mapLayer(self.layer_box.currentData() or "")
        self.rows = []
        if is_alarms_layer(layer):
            request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
            self.rows = [{name: feature[name] for name in ALARM_FIELDS} for feature in layer.getFeatures(request)]
        in_chinese = chinese()
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            severity = str(row["severity"])
            texts = (row["sensor_id"], check_title(str(row["rule"]), in_chinese),
                     LABELS_ZH.get(severity, severity) if in_chinese else severity, row["start"])
            for column, text in enumerate(texts):
                self.table.setItem(index, column, QTableWidgetItem(str(text)))
        self.show_plot(-1)

    def show_plot(self, row: int) -> None:
        """Show the plot of the alarm at table ``row`` (a note where it has none or its file is gone)."""
        self.shown_plot = ""
        self.plot.setPixmap(QPixmap())
        if row < 0 or row >= len(self.rows):
            self.plot.setText(tr("Choose an alarm to see its plot."))
            return
        path = str(self.rows[row]["plot"] or "")
        pixmap = QPixmap(path) if path and Path(path).is_file() else QPixmap()
        if pixmap.isNull():
            self.plot.setText(tr("No plot for this alarm: run Monitor sensors with a plots folder."))
            return
        self.plot.setPixmap(pixmap.scaledToWidth(PLOT_WIDTH, Qt.SmoothTransformation))
        self.shown_plot = path
