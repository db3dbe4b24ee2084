"""The PipeNet dock panel: layers, field mapping, graph state, map tools and the findings browser."""

from __future__ import annotations

from qgis.core import QgsApplication, QgsGeometry, QgsMapLayerProxyModel, QgsPointXY, QgsRectangle
from qgis.gui import QgsDockWidget, QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..processing.report.styles import chinese
from .map_tools import tr
from .session import FIELD_KEYS


class FieldMappingDialog(QDialog):
    """Shows the detected field mapping and lets the user choose other fields (saved in the project)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("PipeNet field mapping"))
        self.session = session
        form = QFormLayout(self)
        run = session.network_run()
        detected = {}
        if run is not None:
            detected = {**{f"pipe:{k}": v for k, v in run.network.pipe_mapping.items()},
                        **{f"node:{k}": v for k, v in run.network.node_mapping.items()}}
        canonical = {"PIPE_ID_FIELD": "pipe:id", "FROM_NODE_FIELD": "pipe:from_node", "TO_NODE_FIELD": "pipe:to_node",
                     "SYSTEM_FIELD": "pipe:system", "DIAMETER_FIELD": "pipe:diameter",
                     "UP_INVERT_FIELD": "pipe:up_invert", "DOWN_INVERT_FIELD": "pipe:down_invert",
                     "UP_DEPTH_FIELD": "pipe:up_depth", "DOWN_DEPTH_FIELD": "pipe:down_depth",
                     "NODE_ID_FIELD": "node:id", "NODE_TYPE_FIELD": "node:type", "GROUND_FIELD": "node:ground_elev"}
        overrides = session.field_overrides()
        self.boxes = {}
        for key in FIELD_KEYS:
            box = QgsFieldComboBox(self)
            box.setAllowEmptyFieldName(True)
            layer = session.nodes_layer() if canonical[key].startswith("node:") else session.pipes_layer()
            if layer is not None:
                box.setLayer(layer)
            box.setField(overrides.get(key) or detected.get(canonical[key], ""))
            box.setObjectName(key)
            self.boxes[key] = box
            form.addRow(canonical[key].split(":")[1].replace("_", " "), box)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self):
        for key, box in self.boxes.items():
            self.session.set_field_override(key, box.currentField())
        super().accept()


class PipeNetDock(QgsDockWidget):
    """Everything a technician needs without opening the Processing toolbox."""

    def __init__(self, iface, session, tools, parent=None, audit=None):
        super().__init__(tr("PipeNet"), parent)
        self.setObjectName("PipeNetDock")
        self.iface, self.session, self.tools, self.audit = iface, session, tools, audit
        self.findings = []
        body = QWidget(self)
        layout = QVBoxLayout(body)
        form = QFormLayout()
        self.pipes_box = QgsMapLayerComboBox(body)
        self.pipes_box.setFilters(QgsMapLayerProxyModel.LineLayer)
        self.pipes_box.setObjectName("PipesLayer")
        self.nodes_box = QgsMapLayerComboBox(body)
        self.nodes_box.setFilters(QgsMapLayerProxyModel.PointLayer)
        self.nodes_box.setAllowEmptyLayer(True)
        self.nodes_box.setObjectName("NodesLayer")
        form.addRow(tr("Pipes"), self.pipes_box)
        form.addRow(tr("Manholes / nodes"), self.nodes_box)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.build_button = QPushButton(tr("Build / refresh"), body)
        self.mapping_button = QPushButton(tr("Field mapping…"), body)
        row.addWidget(self.build_button)
        row.addWidget(self.mapping_button)
        layout.addLayout(row)
        self.state = QLabel(tr("No network built yet."), body)
        self.state.setWordWrap(True)
        self.state.setObjectName("PipeNetState")
        layout.addWidget(self.state)
        self.summary = QLabel("", body)
        self.summary.setWordWrap(True)
        self.summary.setObjectName("PipeNetSummary")
        layout.addWidget(self.summary)
        self.save_button = QPushButton(tr("Save highlighted trace as a layer"), body)
        layout.addWidget(self.save_button)
        self.audit_button = QPushButton(tr("Network audit…"), body)
        self.audit_button.setObjectName("PipeNetAuditButton")
        self.audit_button.setEnabled(audit is not None)
        layout.addWidget(self.audit_button)
        row = QHBoxLayout()
        self.analysis_box = QComboBox(body)
        self.analysis_box.setObjectName("AnalysisChoice")
        provider = QgsApplication.processingRegistry().providerById("pipenet")
        for algorithm in provider.algorithms() if provider else []:
            if algorithm.groupId() in ("network", "analysis"):
                self.analysis_box.addItem(algorithm.displayName(), algorithm.id())
        self.run_button = QPushButton(tr("Run…"), body)
        row.addWidget(self.analysis_box, 1)
        row.addWidget(self.run_button)
        layout.addLayout(row)
        self.filter_box = QComboBox(body)
        self.filter_box.setObjectName("FindingsFilter")
        layout.addWidget(self.filter_box)
        self.table = QTableWidget(0, 4, body)
        self.table.setObjectName("FindingsTable")
        self.table.setHorizontalHeaderLabels([tr("Check"), tr("Severity"), tr("Feature"), tr("Message")])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        layout.addWidget(self.table)
        self.setWidget(body)

        self._restore_layers()
        self.pipes_box.layerChanged.connect(self._layers_chosen)
        self.nodes_box.layerChanged.connect(self._layers_chosen)
        self.build_button.clicked.connect(self.build_in_background)
        self.mapping_button.clicked.connect(self.edit_mapping)
        self.save_button.clicked.connect(self.save_trace)
        if audit is not None:
            self.audit_button.clicked.connect(audit.run)
        self.run_button.clicked.connect(self.open_analysis)
        self.filter_box.currentIndexChanged.connect(self._fill_table)
        self.table.cellDoubleClicked.connect(self.zoom_to_finding)
        session.changed.connect(self.refresh_state)
        for tool in tools.values():
            tool.summary.connect(self.summary.setText)

    def _restore_layers(self):
        pipes, nodes = self.session.pipes_layer(), self.session.nodes_layer()
        if pipes is not None:
            self.pipes_box.setLayer(pipes)
        self.nodes_box.setLayer(nodes)
        if pipes is None and self.pipes_box.currentLayer() is not None:
            self._layers_chosen()

    def _layers_chosen(self, *_args):
        self.session.set_layers(self.pipes_box.currentLayer(), self.nodes_box.currentLayer())

    def build_in_background(self):
        """Build in a QgsTask so QGIS stays responsive; the panel updates when it is done."""
        self.state.setText(tr("Building the network…"))
        self.session.build_in_background(self.refresh_state)

    def refresh_state(self):
        run = self.session.run
        if run is None:
            self.state.setText(self.session.error or tr("Network not built (or a layer changed): "
                                                         "it is rebuilt on the next use."))
            return
        summary = run.network.summary()
        self.findings = list(run.network.findings) + run.network.hydraulic_checks() + \
            run.network.illicit_connections().findings
        self.state.setText(tr("{} pipes, {} nodes, {} subnetworks, {:.1f} km; {} findings").format(
            summary["pipes"], summary["nodes"], summary["components"], summary["length_m"] / 1000,
            len(self.findings)))
        checks = sorted({f.check for f in self.findings})
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        self.filter_box.addItem(tr("All checks"), "")
        for check in checks:
            self.filter_box.addItem(check, check)
        self.filter_box.blockSignals(False)
        self._fill_table()

    def _fill_table(self, *_args):
        wanted = self.filter_box.currentData() or ""
        in_chinese = chinese()
        rows = [f for f in self.findings if not wanted or f.check == wanted]
        self.table.setRowCount(len(rows))
        self.shown = rows
        for index, finding in enumerate(rows):
            message = finding.message_zh if in_chinese else finding.message_en
            for column, text in enumerate((finding.check, finding.severity, finding.feature_id, message)):
                self.table.setItem(index, column, QTableWidgetItem(str(text)))

    def zoom_to_finding(self, row, _column=0):
        """Zoom to a finding and flash it."""
        finding = self.shown[row]
        if finding.x is None or self.session.run is None:
            return
        canvas = self.iface.mapCanvas()
        crs = canvas.mapSettings().destinationCrs()
        point = self.session.to_canvas(QgsGeometry.fromPointXY(QgsPointXY(finding.x, finding.y)), crs)
        centre = point.asPoint()
        size = max(canvas.mapUnitsPerPixel() * 50, 1e-4)
        canvas.setExtent(QgsRectangle(centre.x() - size, centre.y() - size, centre.x() + size, centre.y() + size))
        canvas.refresh()
        canvas.flashGeometries([point], crs)

    def analysis_parameters(self) -> dict:
        """PIPES, NODES and the saved field choices, to pre-fill a Processing dialog."""
        parameters = dict(self.session.field_overrides())
        if self.session.pipes_layer() is not None:
            parameters["PIPES"] = self.session.pipes_layer().id()
        if self.session.nodes_layer() is not None:
            parameters["NODES"] = self.session.nodes_layer().id()
        tool = self.iface.mapCanvas().mapTool()
        if tool in self.tools.values() and tool.starts:
            parameters["START_NODES"] = ",".join(tool.starts)
        return parameters

    def open_analysis(self):
        """Open the chosen analysis' Processing dialog, pre-filled with the panel's layers."""
        from qgis import processing

        processing.execAlgorithmDialog(self.analysis_box.currentData(), self.analysis_parameters())

    def edit_mapping(self):
        FieldMappingDialog(self.session, self).exec_()

    def save_trace(self):
        """Run the trace of the active tool through Processing and add the result to the project."""
        from qgis import processing

        tool = self.iface.mapCanvas().mapTool()
        if tool not in self.tools.values() or not tool.starts:
            self.summary.setText(tr("Click a manhole with a trace tool first."))
            return
        algorithm = "pipenet:upstreamtrace" if getattr(tool, "direction", "") == "upstream" else \
            "pipenet:downstreamtrace"
        pipes, nodes = self.session.pipes_layer(), self.session.nodes_layer()
        processing.runAndLoadResults(algorithm, {"PIPES": pipes.id(), "NODES": nodes.id() if nodes else None,
                                                 "START_NODES": ",".join(tool.starts),
                                                 "OUTPUT_PIPES": "TEMPORARY_OUTPUT"})
