"""The PipeNet dock panel: layers, field mapping, graph state, map tools, the findings browser and the
monitoring alarms with their plots (alarms.py)."""

from __future__ import annotations

from collections import Counter

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapLayerProxyModel,
    QgsPointXY,
    QgsSymbolLayerUtils,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget, QgsFieldComboBox, QgsMapLayerComboBox, QgsRubberBand
from qgis.PyQt.QtCore import QCoreApplication, QSize
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..network.audit import network_findings
from ..network.build.fields import detect_mapping
from ..network.model.findings import SEVERITIES, check_family, check_title
from ..processing.base import NODE_FIELD_PARAMETERS, PIPE_FIELD_PARAMETERS
from ..processing.report.styles import LABELS_ZH, chinese, finding_marker
from .alarms import AlarmsPanel, list_table
from .map_tools import tr

FINDING_SCALE = 1000  # the map scale a finding is shown at (1:1,000: a manhole and its pipes)
CHECK_COLUMN_WIDTH = 140  # pixels: a check's name readable beside a message in a narrow dock
FEATURE_COLUMN_WIDTH = 90
WRAPPED_ROWS = 2000  # up to this many rows the messages wrap (rows measured)
SAMPLE_ROWS = 50  # rows whose values help detect the fields


class FieldMappingDialog(QDialog):
    """Which field of the pipe and node layers holds what: every canonical field PipeNet reads, detected
    from the field names and values (no network is built for it), the user's choices saved in the project."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("PipeNet field mapping"))
        self.session = session
        layout = QVBoxLayout(self)
        note = QLabel(tr("Detected from the field names and values; choose another field where it is wrong."),
                      self)
        note.setWordWrap(True)
        layout.addWidget(note)
        overrides = session.field_overrides()
        self.boxes, self.detected = {}, {}
        sections = ((tr("Pipes"), session.pipes_layer(), "pipe", PIPE_FIELD_PARAMETERS),
                    (tr("Manholes / nodes"), session.nodes_layer(), "node", NODE_FIELD_PARAMETERS))
        for title, layer, kind, parameters in sections:
            group = QGroupBox(f"{title}: {layer.name()}" if layer is not None else title, self)
            group.setObjectName(f"{kind}_fields")
            form = QFormLayout(group)
            detected = detect_fields(layer, kind)
            for key, canonical, label in parameters:
                box = QgsFieldComboBox(group)
                box.setAllowEmptyFieldName(True)
                box.setObjectName(key)
                if layer is not None:
                    box.setLayer(layer)
                self.detected[key] = detected.get(canonical, "")
                box.setField(overrides.get(key) or self.detected[key])
                box.setEnabled(layer is not None)
                self.boxes[key] = box
                form.addRow(QCoreApplication.translate("PipeNet", label), box)
            layout.addWidget(group)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self):
        """Save the fields chosen other than detected (a detected one stays detected if the data change)."""
        for key, box in self.boxes.items():
            chosen = box.currentField()
            self.session.set_field_override(key, chosen if chosen != self.detected.get(key, "") else "")
        super().accept()


def detect_fields(layer, kind: str) -> dict[str, str]:
    """canonical name -> field of ``layer``, from the field names and the first rows' values."""
    if layer is None:
        return {}
    names = layer.fields().names()
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setLimit(SAMPLE_ROWS)
    rows = [dict(zip(names, feature.attributes())) for feature in layer.getFeatures(request)]
    return detect_mapping(names, kind, sample_rows=rows)


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
        self.pipes_box.setAllowEmptyLayer(True)  # never the first line layer by chance (a hotspot layer)
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
        self._add_browser(body, layout)
        self.alarms = AlarmsPanel(session.project, body)  # shown while the project has an alarms layer
        layout.addWidget(self.alarms, 1)
        self.setWidget(body)

        self._restore_layers()
        self._connect()

    def _connect(self) -> None:
        """The panel's widgets, the session, the audit and the map tools wired together."""
        self.session.project.readProject.connect(self._project_read)
        self.session.project.layersAdded.connect(self._layers_added)
        self.pipes_box.layerChanged.connect(self._layers_chosen)
        self.nodes_box.layerChanged.connect(self._layers_chosen)
        self.build_button.clicked.connect(self.build_in_background)
        self.mapping_button.clicked.connect(self.edit_mapping)
        self.save_button.clicked.connect(self.save_trace)
        if self.audit is not None:
            self.audit_button.clicked.connect(self.audit.run)
            self.audit.started.connect(self._audit_started)
            self.audit.finished.connect(self._audit_finished)
        self.run_button.clicked.connect(self.open_analysis)
        self.filter_box.currentIndexChanged.connect(self._fill_table)
        self.severity_box.currentIndexChanged.connect(self._fill_checks)
        self.table.cellDoubleClicked.connect(self.zoom_to_finding)
        self.table.currentCellChanged.connect(lambda row, *_args: self.mark_finding(row))
        self.session.changed.connect(self.refresh_state)
        for tool in self.tools.values():
            tool.summary.connect(self.summary.setText)

    def _add_browser(self, body, layout) -> None:
        """The findings browser: severity and check filters, the table, the marker on the map."""
        row = QHBoxLayout()
        self.severity_box = QComboBox(body)
        self.severity_box.setObjectName("SeverityFilter")
        for label, wanted in ((tr("Errors and warnings"), ("error", "warning")), (tr("Errors"), ("error",)),
                              (tr("All findings (with notes)"), SEVERITIES)):
            self.severity_box.addItem(label, wanted)
        self.filter_box = QComboBox(body)
        self.filter_box.setObjectName("FindingsFilter")
        row.addWidget(self.severity_box)
        row.addWidget(self.filter_box, 1)
        layout.addLayout(row)
        self.table = list_table(body, "FindingsTable", [tr("Check"), tr("Severity"), tr("Feature"), tr("Message")])
        self.table.setWordWrap(True)
        # in a narrow dock the message keeps the room: the severity as wide as its word, the check's name and
        # the feature id wide enough to read and no wider (in full in the tooltip), the message the rest
        header = self.table.horizontalHeader()
        for column, width in ((0, CHECK_COLUMN_WIDTH), (2, FEATURE_COLUMN_WIDTH)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.icons = {}  # (severity, family) -> the finding's map marker as an icon
        layout.addWidget(self.table, 1)
        self.marker = QgsRubberBand(self.iface.mapCanvas(), QgsWkbTypes.PointGeometry)
        self.marker.setIcon(QgsRubberBand.ICON_CIRCLE)
        self.marker.setIconSize(22)
        self.marker.setWidth(3)
        self.marker.setColor(QColor("#C51B7D"))

    def _restore_layers(self, *_args):
        """The layers saved in the project, else the likeliest of it (NetworkSession.guess_layers)."""
        pipes, nodes = self.session.pipes_layer(), self.session.nodes_layer()
        guessed = pipes is None
        if guessed:
            pipes, nodes = self.session.guess_layers()
        for box, layer in ((self.pipes_box, pipes), (self.nodes_box, nodes)):
            box.blockSignals(True)
            box.setLayer(layer)
            box.blockSignals(False)
        if guessed and pipes is not None:
            self._layers_chosen()

    def _layers_added(self, *_args):
        if self.session.pipes_layer() is None:
            self._restore_layers()

    def _project_read(self, *_args):
        self.session.run = None
        self._restore_layers()
        self.session.changed.emit()

    def _layers_chosen(self, *_args):
        self.session.set_layers(self.pipes_box.currentLayer(), self.nodes_box.currentLayer())

    def build_in_background(self):
        """Build in a QgsTask so QGIS stays responsive; the panel updates when it is done."""
        self.state.setText(tr("Building the network…"))
        self.session.build_in_background(self.refresh_state)

    def _audit_started(self):
        """While the audit runs the panel says so and does not start a second one."""
        self.audit_button.setEnabled(False)
        self.state.setText(tr("Network audit running…"))

    def _audit_finished(self, successful: bool, _results: dict):
        """After the audit the panel shows the network it audited and its findings (the build is Processing's
        cached one, so this costs nothing); a failed or cancelled audit leaves the panel as it was."""
        self.audit_button.setEnabled(True)
        if successful:
            self.build_in_background()
        else:
            self.refresh_state()

    def refresh_state(self):
        run = self.session.run
        if run is None:
            self.state.setText(self.session.error or tr("Network not built (or a layer changed): "
                                                         "it is rebuilt on the next use."))
            return
        summary = run.network.summary()
        self.findings = network_findings(run.network)  # the audit's whole-network checks: the same counts
        self.state.setText(tr("{} pipes, {} nodes, {} subnetworks, {:.1f} km; {} findings").format(
            summary["pipes"], summary["nodes"], summary["components"], summary["length_m"] / 1000,
            len(self.findings)))
        self._fill_checks()

    def _fill_checks(self, *_args):
        """The check filter: the checks of the chosen severities, by name, with their counts."""
        severities = self.severity_box.currentData() or SEVERITIES
        counts = Counter(f.check for f in self.findings if f.severity in severities)
        in_chinese = chinese()
        wanted = self.filter_box.currentData() or ""
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        self.filter_box.addItem(tr("All checks ({})").format(sum(counts.values())), "")
        for check, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            self.filter_box.addItem(f"{check_title(check, in_chinese)} ({count:,})", check)
        self.filter_box.setCurrentIndex(max(self.filter_box.findData(wanted), 0))
        self.filter_box.blockSignals(False)
        self._fill_table()

    def _fill_table(self, *_args):
        wanted = self.filter_box.currentData() or ""
        severities = self.severity_box.currentData() or SEVERITIES
        in_chinese = chinese()
        rows = [f for f in self.findings if f.severity in severities and (not wanted or f.check == wanted)]
        rows.sort(key=lambda f: SEVERITIES.index(f.severity) if f.severity in SEVERITIES else len(SEVERITIES))
        self.table.setRowCount(len(rows))
        self.shown = rows
        features = self._feature_labels(rows)
        for index, finding in enumerate(rows):
            message = finding.message_zh if in_chinese else finding.message_en
            fix = finding.fix_zh if in_chinese else finding.fix
            severity = LABELS_ZH.get(finding.severity, finding.severity) if in_chinese else finding.severity
            texts = (check_title(finding.check, in_chinese), severity, features[index], message)
            for column, text in enumerate(texts):
                item = QTableWidgetItem(str(text))
                item.setToolTip(f"{message}\n{fix}" if fix else message)
                if column == 0:  # a narrow column: its full name and the message in the tooltip
                    item.setIcon(self.finding_icon(finding))
                    item.setToolTip(f"{text}\n{item.toolTip()}")
                self.table.setItem(index, column, item)
        if len(rows) <= WRAPPED_ROWS:  # a row's height measured per row: seconds for thousands
            self.table.resizeRowsToContents()
        self.marker.reset(QgsWkbTypes.PointGeometry)

    def finding_icon(self, finding):
        """The finding's marker as on the map (shape by family, fill and size by severity): the panel, the
        project and the overview speak one visual language."""
        key = (finding.severity, check_family(finding.check))
        if key not in self.icons:
            self.icons[key] = QgsSymbolLayerUtils.symbolPreviewIcon(finding_marker(*key), QSize(16, 16))
        return self.icons[key]

    def _feature_labels(self, rows) -> list[str]:
        """The feature of each row; a pipe with findings at both ends says which end (start / end of
        its line), so the two rows are told apart."""
        repeated = Counter((f.check, f.feature_id) for f in rows if f.kind == "pipe")
        coords = self.session.run.network.pipe_coords if self.session.run is not None else {}
        labels = []
        for finding in rows:
            label = finding.feature_id
            if repeated.get((finding.check, finding.feature_id), 0) > 1 and finding.x is not None:
                line = coords.get(finding.feature_id) if hasattr(coords, "get") else None
                if line is not None and len(line):
                    first = (finding.x - line[0][0]) ** 2 + (finding.y - line[0][1]) ** 2
                    last = (finding.x - line[-1][0]) ** 2 + (finding.y - line[-1][1]) ** 2
                    label = tr("{} (start)").format(label) if first <= last else tr("{} (end)").format(label)
            labels.append(label)
        return labels

    def _finding_point(self, row):
        """The finding of table row ``row`` as a point in the canvas CRS, or None."""
        if row < 0 or row >= len(getattr(self, "shown", [])) or self.session.run is None:
            return None
        finding = self.shown[row]
        if finding.x is None:
            return None
        crs = self.iface.mapCanvas().mapSettings().destinationCrs()
        return self.session.to_canvas(QgsGeometry.fromPointXY(QgsPointXY(finding.x, finding.y)), crs)

    def mark_finding(self, row) -> None:
        """Mark the finding of ``row`` on the map until another is chosen."""
        self.marker.reset(QgsWkbTypes.PointGeometry)
        point = self._finding_point(row)
        if point is not None:
            self.marker.addPoint(point.asPoint())

    def remove_marker(self) -> None:
        """Take the marker off the map (the plugin unloads)."""
        self.marker.reset(QgsWkbTypes.PointGeometry)
        scene = self.iface.mapCanvas().scene()
        if scene is not None and self.marker.scene() is scene:
            scene.removeItem(self.marker)

    def zoom_to_finding(self, row, _column=0):
        """Centre the map on a finding at a fixed scale (the same however often it is asked), mark it."""
        point = self._finding_point(row)
        if point is None:
            return
        canvas = self.iface.mapCanvas()
        canvas.setCenter(point.asPoint())
        canvas.zoomScale(FINDING_SCALE)
        self.mark_finding(row)
        canvas.refresh()
        canvas.flashGeometries([point], canvas.mapSettings().destinationCrs())

    def analysis_parameters(self) -> dict:
        """PIPES, NODES and the saved field choices, to pre-fill a Processing dialog."""
        parameters = self.session.layer_parameters()
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
