"""Run inside the QGIS desktop (qgis --code): load a sample, click a manhole with the upstream tool,
save a screenshot and a report, quit. Environment: PIPENET_SAMPLE, PIPENET_START, PIPENET_REPORT,
PIPENET_SCREENSHOT."""

import json
import os

import qgis.utils
from qgis.core import QgsApplication, QgsPointXY, QgsProject, QgsVectorLayer
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt, QTimer

errors = []
QgsApplication.messageLog().messageReceived.connect(
    lambda message, tag, level: errors.append(message) if "python" in tag.lower() and "error" in tag.lower() else None)


def start():
    sample = os.environ["PIPENET_SAMPLE"]
    pipes = QgsVectorLayer(f"{sample}|layername=pipes", "pipes", "ogr")
    nodes = QgsVectorLayer(f"{sample}|layername=nodes", "nodes", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes])
    iface = qgis.utils.iface
    plugin = qgis.utils.plugins["pipenet"]
    plugin.dock.pipes_box.setLayer(pipes)
    plugin.dock.nodes_box.setLayer(nodes)
    plugin.dock.show()
    canvas = iface.mapCanvas()
    canvas.setExtent(pipes.extent().buffered(30))
    canvas.refresh()
    QTimer.singleShot(2500, lambda: guarded(click, plugin, canvas, nodes))


def click(plugin, canvas, nodes):
    start_id = os.environ["PIPENET_START"]
    feature = next(f for f in nodes.getFeatures() if str(f["物探点号"]) == start_id)
    point = feature.geometry().asPoint()
    tool = plugin.tools["upstream"]
    canvas.setMapTool(tool)
    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(point))
    event = QgsMapMouseEvent(canvas, QEvent.MouseButtonRelease, QPoint(int(pixel.x()), int(pixel.y())),
                             Qt.LeftButton, Qt.LeftButton, Qt.NoModifier)
    tool.canvasReleaseEvent(event)
    plugin.dock.refresh_state()
    QTimer.singleShot(2500, lambda: guarded(finish, plugin, tool))


def finish(plugin, tool):
    qgis.utils.iface.mainWindow().grab().save(os.environ["PIPENET_SCREENSHOT"])
    report = {"starts": tool.starts, "pipes": sorted(tool.pipes), "summary": plugin.dock.summary.text(),
              "state": plugin.dock.state.text(), "python_errors": errors,
              "panel_title": plugin.dock.windowTitle(), "build_button": plugin.dock.build_button.text()}
    with open(os.environ["PIPENET_REPORT"], "w", encoding="utf-8") as handle:
        json.dump(report, handle, ensure_ascii=False)
    QgsApplication.exit(0)


def guarded(step, *args):
    """Run a step; on any error write it to the report and quit, so the test never hangs."""
    try:
        step(*args)
    except Exception as error:  # reported to the test, which fails with it
        import traceback

        with open(os.environ["PIPENET_REPORT"], "w", encoding="utf-8") as handle:
            json.dump({"error": repr(error), "traceback": traceback.format_exc()}, handle)
        QgsApplication.exit(1)


QTimer.singleShot(3000, lambda: guarded(start))
