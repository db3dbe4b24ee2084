"""The network audit from the toolbar or the panel: an output folder the user chooses (remembered in the
project), the audit as a background task (progress and cancel in QGIS's task bar), its styled layers
back in the current project in a group, and the summary offered. No analysis: pipenet:networkaudit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
)
from qgis.PyQt.QtCore import QObject, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QFileDialog, QPushButton

from ..processing.report.audit_report import PROJECT_LAYERS, project_layers
from .map_tools import tr
from .session import PROJECT_SCOPE

ALGORITHM = "pipenet:networkaudit"
FOLDER_ENTRY = "audit/folder"
GPKG_NAME = "pipenet_audit.gpkg"


def _visible(layer) -> bool:
    return next((v for _t, names, _s, _f, v in PROJECT_LAYERS if layer.name() in names), True)


class AuditRunner(QObject):
    """Runs pipenet:networkaudit on the panel's layers and field mapping, in the background."""

    started = pyqtSignal()
    finished = pyqtSignal(bool, dict)  # successful, the algorithm's results

    def __init__(self, iface, session, parent=None):
        super().__init__(parent)
        self.iface, self.session = iface, session
        self.task: Optional[QgsProcessingAlgRunnerTask] = None
        self.group = None
        self.running = None  # the message bar item saying the audit runs
        self._keep = ()  # the context and feedback live as long as the task

    # -- the folder, remembered in the project ----------------------------------------------------
    def remembered_folder(self) -> str:
        folder, _ = self.session.project.readEntry(PROJECT_SCOPE, FOLDER_ENTRY, "")
        return folder

    def remember_folder(self, folder: str) -> None:
        self.session.project.writeEntry(PROJECT_SCOPE, FOLDER_ENTRY, folder)

    def default_folder(self) -> str:
        """The folder offered: the last one of this project, else beside the project file, else home."""
        project_file = self.session.project.fileName()
        base = Path(project_file).parent if project_file else Path.home()
        return self.remembered_folder() or str(base / "pipenet_audit")

    def choose_folder(self) -> str:
        """Ask for the output folder ('' when the user cancels)."""
        parent = self.iface.mainWindow() if self.iface is not None else None
        return QFileDialog.getExistingDirectory(parent, tr("Output folder of the network audit"),
                                                self.default_folder())

    # -- the run ------------------------------------------------------------------------------------
    def parameters(self, folder: str) -> dict:
        """The audit's parameters: the panel's layers and field mapping, the project's CCTV defects and
        overflow events (NetworkSession.observation_parameters), the chosen folder."""
        return {**self.session.layer_parameters(), **self.session.observation_parameters(), "OUTPUT_FOLDER": folder}

    def run(self) -> Optional[QgsProcessingAlgRunnerTask]:
        """Ask for the folder and start the audit as a task; None when there is nothing to run."""
        if self.task is not None:
            self._message(tr("The network audit is already running."), Qgis.Info)
            return None
        if self.session.pipes_layer() is None:
            self._message(tr("Choose a pipe layer first."), Qgis.Warning)
            return None
        folder = self.choose_folder()
        if not folder:
            return None
        return self.start(folder)

    def start(self, folder: str) -> Optional[QgsProcessingAlgRunnerTask]:
        """Run the audit into ``folder`` as a background task."""
        self.remember_folder(folder)
        os.makedirs(folder, exist_ok=True)
        self._remove_layers_of(folder)  # the earlier result's layers hold the GeoPackage open
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(ALGORITHM)
        context = QgsProcessingContext()
        context.setProject(self.session.project)
        feedback = QgsProcessingFeedback()
        parameters = self.parameters(folder)
        self.task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
        self.task.setDescription(tr("PipeNet: network audit"))
        self._keep = (algorithm, context, feedback, folder)
        self.task.executed.connect(self._executed)
        QgsApplication.taskManager().addTask(self.task)
        self.running = self._message(tr("Network audit running: progress and cancel in the task bar.")
                                     + self._observations_named(parameters), Qgis.Info, 0)
        self.started.emit()
        return self.task

    def _observations_named(self, parameters: dict) -> str:
        """' With CCTV defects 'x' and overflow events 'y'.' for the layers the audit was given besides the
        network, so the technician sees what it used."""
        names = []
        for key, label in (("DEFECTS", tr("CCTV defects '{}'")), ("EVENTS", tr("overflow events '{}'"))):
            layer = self.session.project.mapLayer(parameters.get(key, ""))
            if layer is not None:
                names.append(label.format(layer.name()))
        return " " + tr("With {}.").format(", ".join(names)) if names else ""

    def stop(self) -> None:
        """Cancel a running audit and forget it (the plugin unloads)."""
        if self.task is not None:
            self.task.executed.disconnect(self._executed)
            self.task.cancel()
            self.task, self._keep = None, ()
            self._pop_running()

    def _pop_running(self) -> None:
        if self.running is not None and self.iface is not None:
            try:
                self.iface.messageBar().popWidget(self.running)
            except RuntimeError:  # closed by the user already
                pass
        self.running = None

    def _executed(self, successful: bool, results: dict) -> None:
        folder = self._keep[3]
        self.task, self._keep = None, ()
        self._pop_running()
        if successful and results.get("GPKG"):
            self.add_layers(results["GPKG"], folder)
            self._offer(results)
        elif not successful:
            self._message(tr("The network audit failed or was cancelled; see the log (Processing)."),
                          Qgis.Critical)
        self.finished.emit(successful, dict(results or {}))

    # -- the result in the project --------------------------------------------------------------------
    def add_layers(self, gpkg: str, folder: str):
        """The audit's styled layers in a group of the current project, top layer first."""
        project = self.session.project
        root = project.layerTreeRoot()
        name = tr("PipeNet audit – {}").format(Path(folder).name)
        old = root.findGroup(name)
        if old is not None:
            root.removeChildNode(old)
        group = root.insertGroup(0, name)
        layers = project_layers(gpkg, only_present=True)
        for layer in layers:
            project.addMapLayer(layer, False)
        for layer in reversed(layers):  # the tree lists the top layer first
            group.addLayer(layer).setItemVisibilityChecked(_visible(layer))
        self.group = group
        return group

    def _remove_layers_of(self, folder: str) -> None:
        gpkg = os.path.normpath(os.path.join(folder, GPKG_NAME))
        project = self.session.project
        stale = [layer.id() for layer in project.mapLayers().values()
                 if os.path.normpath(layer.source().split("|")[0]) == gpkg]
        if stale:
            project.removeMapLayers(stale)

    def _offer(self, results: dict) -> None:
        """A message with buttons that open the summary page and the folder."""
        if self.iface is None:
            return
        bar = self.iface.messageBar()
        message = bar.createMessage(tr("PipeNet"), tr("Network audit done: {} findings; the layers are in the "
                                                      "project.").format(int(results.get("FINDING_COUNT", 0))))
        for label, path in ((tr("Open summary"), results.get("HTML")),
                            (tr("Open folder"), self._keep_folder(results))):
            if path:
                button = QPushButton(label, message)
                button.clicked.connect(lambda _checked=False, p=path: QDesktopServices.openUrl(QUrl.fromLocalFile(p)))
                message.layout().addWidget(button)
        bar.pushWidget(message, Qgis.Success, 0)

    @staticmethod
    def _keep_folder(results: dict) -> Optional[str]:
        return str(Path(results["GPKG"]).parent) if results.get("GPKG") else None

    def _message(self, text: str, level, duration: int = 6):
        """Show ``text`` in QGIS's message bar; the item (to take it away), None without a desktop."""
        if self.iface is None:
            return None
        bar = self.iface.messageBar()
        return bar.pushWidget(bar.createMessage(tr("PipeNet"), text), level, duration)
