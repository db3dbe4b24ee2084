"""QGIS plugin class: registers the Processing provider and the desktop entries. No analysis."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QIcon

PLUGIN_DIR = Path(__file__).resolve().parent
MENU = "&PipeNet"


def load_translator():
    """Install PipeNet's translation for the QGIS locale (zh_CN ...); None when there is none."""
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QLocale, QTranslator

    locale = str(QgsSettings().value("locale/userLocale", "") or QLocale.system().name())
    for name in (locale, locale.split("_")[0]):
        path = PLUGIN_DIR / "i18n" / f"pipenet_{name}.qm"
        translator = QTranslator()
        if path.exists() and translator.load(str(path)):
            QCoreApplication.installTranslator(translator)
            return translator
    return None


class PipeNetPlugin:
    """Entry object QGIS creates through classFactory."""

    def __init__(self, iface):
        self.iface = iface
        self.translator = load_translator()
        self.provider = None
        self.actions = []
        self.toolbar = None
        self.session = None
        self.tools = {}
        self.dock = None
        self.audit = None
        self.missing = []  # required Python packages this QGIS lacks (dependencies.py)

    def tr(self, text: str) -> str:
        """Translate a literal string in the PipeNet context."""
        return QCoreApplication.translate("PipeNet", text)

    def initProcessing(self):  # noqa: N802 (QGIS API): called by qgis_process too, without iface
        from .dependencies import message, missing

        self.missing = missing()
        if self.missing:  # the plugin still loads; its algorithms wait for the packages
            from qgis.core import Qgis, QgsMessageLog

            QgsMessageLog.logMessage(message(self.missing), "PipeNet", Qgis.Critical)
            return
        from .processing.provider import PipeNetProvider

        if self.provider is None:
            self.provider = PipeNetProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def offer_install(self) -> None:
        """A message bar naming the missing packages, with a button that installs them."""
        from qgis.core import Qgis
        from qgis.PyQt.QtWidgets import QPushButton

        from .dependencies import message

        bar = self.iface.messageBar()
        item = bar.createMessage("PipeNet", message(self.missing))
        button = QPushButton(self.tr("Install"))
        button.clicked.connect(self.install_missing)
        item.layout().addWidget(button)
        bar.pushWidget(item, Qgis.Critical)

    def install_missing(self) -> None:
        """Run the install command of the missing packages and say how it went."""
        import subprocess

        from qgis.core import Qgis

        from .dependencies import install_command

        result = subprocess.run(install_command(self.missing), capture_output=True, text=True)
        if result.returncode == 0:
            self.iface.messageBar().pushMessage("PipeNet", self.tr("Installed: restart QGIS to use PipeNet."),
                                                Qgis.Success)
        else:
            self.iface.messageBar().pushMessage("PipeNet", (result.stderr or result.stdout)[-500:], Qgis.Critical)

    def initGui(self):  # noqa: N802
        self.initProcessing()
        if self.iface is None:
            return
        if self.missing:
            self.offer_install()
            return
        from qgis.PyQt.QtWidgets import QAction

        from .ui.audit import AuditRunner
        from .ui.dock import PipeNetDock
        from .ui.map_tools import BreakMapTool, TraceMapTool
        from .ui.session import NetworkSession

        self.toolbar = self.iface.addToolBar(self.tr("PipeNet"))
        self.toolbar.setObjectName("PipeNetToolbar")
        canvas = self.iface.mapCanvas()
        self.session = NetworkSession()
        self.tools = {"upstream": TraceMapTool(canvas, self.session, "upstream"),
                      "downstream": TraceMapTool(canvas, self.session, "downstream"),
                      "break": BreakMapTool(canvas, self.session)}
        self.audit = AuditRunner(self.iface, self.session)
        self.dock = PipeNetDock(self.iface, self.session, self.tools, self.iface.mainWindow(), self.audit)
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()  # opened from the toolbar, never by itself at start (setUserVisible is a no-op before
        # the main window shows)
        entries = [
            ("PipeNetPanel", "panel.svg", self.tr("PipeNet panel"), self.dock.toggleUserVisible, None),
            ("PipeNetUpstream", "trace_upstream.svg", self.tr("Upstream trace tool"), None, "upstream"),
            ("PipeNetDownstream", "trace_downstream.svg", self.tr("Downstream trace tool"), None, "downstream"),
            ("PipeNetBreak", "water_break.svg", self.tr("Water main break tool"), None, "break"),
            ("PipeNetBuildNetwork", "build_network.svg", self.tr("Build network…"), self.open_build_dialog, None),
            ("PipeNetAudit", "audit.svg", self.tr("Network audit…"), self.open_audit_dialog, None),
        ]
        for name, icon, text, slot, tool in entries:
            action = QAction(QIcon(str(PLUGIN_DIR / "icons" / icon)), text, self.iface.mainWindow())
            action.setObjectName(name)
            action.setProperty("pipenet_icon", icon)  # which file: told apart in tests and by users
            if tool is not None:
                action.setCheckable(True)
                self.tools[tool].setAction(action)
                action.triggered.connect(lambda _checked, t=self.tools[tool]: canvas.setMapTool(t))
            else:
                action.triggered.connect(slot)
            self.iface.addPluginToMenu(MENU, action)
            self.toolbar.addAction(action)
            self.actions.append(action)

    def open_audit_dialog(self):
        """Ask for the output folder and run the audit in the background; its layers come to the project."""
        self.audit.run()

    def open_build_dialog(self):
        """Open the Processing dialog of pipenet:buildnetwork with the panel's layers and field mapping."""
        from qgis import processing

        processing.execAlgorithmDialog("pipenet:buildnetwork", self.session.layer_parameters())

    def unload(self):
        if self.iface is not None:
            canvas = self.iface.mapCanvas()
            for tool in self.tools.values():
                tool.clear()
                if canvas.mapTool() is tool:
                    canvas.unsetMapTool(tool)
            if self.dock is not None:
                self.dock.remove_marker()
                self.iface.removeDockWidget(self.dock)
                self.dock.deleteLater()
        if self.audit is not None:
            self.audit.stop()
        self.tools, self.dock, self.session, self.audit = {}, None, None, None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
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
