"""Run inside the QGIS desktop (qgis --code): report on the PipeNet plugin, then quit."""

import json
import os

import qgis.utils
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QTimer
from qgis.PyQt.QtWidgets import QToolBar

errors = []


def collect(message, tag, level):
    if "python" in tag.lower() and ("error" in tag.lower() or "Traceback" in message):
        errors.append(message)


QgsApplication.messageLog().messageReceived.connect(collect)


def toolbar_present():
    window = qgis.utils.iface.mainWindow()
    return any(bar.objectName() == "PipeNetToolbar" for bar in window.findChildren(QToolBar))


def finish():
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("pipenet")
    report = {
        "plugin_active": "pipenet" in qgis.utils.active_plugins,
        "provider": provider.name() if provider else None,
        "algorithms": [a.id() for a in provider.algorithms()] if provider else [],
        "toolbar_before_unload": toolbar_present(),
    }
    qgis.utils.iface.mainWindow().grab().save(os.environ["PIPENET_SCREENSHOT"])
    if os.environ.get("PIPENET_KEEP_SCREENSHOT"):
        qgis.utils.iface.mainWindow().grab().save(os.environ["PIPENET_KEEP_SCREENSHOT"])
    qgis.utils.unloadPlugin("pipenet")
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    report["toolbar_after_unload"] = toolbar_present()
    report["provider_after_unload"] = registry.providerById("pipenet") and "still registered"
    report["python_errors"] = errors
    with open(os.environ["PIPENET_REPORT"], "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    QgsApplication.exit(0)


QTimer.singleShot(3000, finish)
