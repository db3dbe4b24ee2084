"""QGIS plugin class: registers the Processing provider and the desktop entries. No analysis."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

PLUGIN_DIR = Path(__file__).resolve().parent
MENU = "&PipeNet"


class PipeNetPlugin:
    """Entry object QGIS creates through classFactory."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.actions = []
        self.toolbar = None

    def tr(self, text: str) -> str:
        """Translate a literal string in the PipeNet context."""
        return QCoreApplication.translate("PipeNet", text)

    def initProcessing(self):  # noqa: N802 (QGIS API): called by qgis_process too, without iface
        from .processing.provider import PipeNetProvider

        if self.provider is None:
            self.provider = PipeNetProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtWidgets import QAction

        self.toolbar = self.iface.addToolBar(self.tr("PipeNet"))
        self.toolbar.setObjectName("PipeNetToolbar")
        action = QAction(QIcon(str(PLUGIN_DIR / "icons" / "group_network.svg")),
                         self.tr("Build network…"), self.iface.mainWindow())
        action.setObjectName("PipeNetBuildNetwork")
        action.triggered.connect(self.open_build_dialog)
        self.iface.addPluginToMenu(MENU, action)
        self.toolbar.addAction(action)
        self.actions.append(action)

    def open_build_dialog(self):
        """Open the Processing dialog of pipenet:buildnetwork."""
        from qgis import processing

        processing.execAlgorithmDialog("pipenet:buildnetwork", {})

    def unload(self):
        for action in self.actions:
            if self.iface is not None:
                self.iface.removePluginMenu(MENU, action)
            action.deleteLater()
        self.actions = []
        if self.toolbar is not None:
            if self.iface is not None:
                self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.setParent(None)
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.provider is not None:
            if not sip.isdeleted(self.provider):
                QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
