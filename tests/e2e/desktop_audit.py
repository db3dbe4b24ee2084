"""Run inside the QGIS desktop (qgis --code): load a sample, run *Network audit…* from the PipeNet toolbar
(the output folder preset, so no dialog blocks), wait for the task, report the layers that came back and
quit. Environment: PIPENET_SAMPLE, PIPENET_OUT, PIPENET_REPORT, PIPENET_SCREENSHOT."""

import json
import os
import time

import qgis.utils
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer

errors, log = [], []
QgsApplication.messageLog().messageReceived.connect(
    lambda message, tag, level: errors.append(message) if "python" in tag.lower() and "error" in tag.lower() else None)
QgsApplication.messageLog().messageReceived.connect(lambda message, tag, level: log.append(f"{tag}: {message}"))
state = {"began": 0.0, "finished": None}


def start():
    sample = os.environ["PIPENET_SAMPLE"]
    pipes = QgsVectorLayer(f"{sample}|layername=pipes", "pipes", "ogr")
    nodes = QgsVectorLayer(f"{sample}|layername=nodes", "nodes", "ogr")
    # the technician's CCTV defects and overflow events, loaded beside the network: the audit takes them
    defects = QgsVectorLayer(f"{sample}|layername=defects", "CCTV defects", "ogr")
    events = QgsVectorLayer(f"{sample}|layername=events", "overflow events", "ogr")
    QgsProject.instance().addMapLayers([pipes, nodes, defects, events])
    plugin = qgis.utils.plugins["pipenet"]
    state["panel_open_at_start"] = plugin.dock.isVisible()
    plugin.dock.pipes_box.setLayer(pipes)
    plugin.dock.nodes_box.setLayer(nodes)
    plugin.audit.choose_folder = lambda: os.environ["PIPENET_OUT"]
    plugin.audit.finished.connect(lambda ok, results: state.update(finished=(ok, results)))
    qgis.utils.iface.mapCanvas().setExtent(pipes.extent().buffered(30))
    action = next(a for a in plugin.actions if a.objectName() == "PipeNetAudit")
    state["began"] = time.time()
    action.trigger()
    state["task_started"] = plugin.audit.task is not None
    QTimer.singleShot(500, lambda: guarded(wait, plugin))


def wait(plugin):
    if state["finished"] is None and time.time() - state["began"] < 240:
        QTimer.singleShot(500, lambda: guarded(wait, plugin))
        return
    plugin.dock.show()  # the screenshot shows the panel's findings browser beside the map
    QTimer.singleShot(3000, lambda: guarded(finish, plugin))  # the canvas draws the new layers


def finish(plugin):
    iface = qgis.utils.iface
    iface.mainWindow().grab().save(os.environ["PIPENET_SCREENSHOT"])
    ok, results = state["finished"] or (False, {})
    group = plugin.audit.group
    layers = [node.layer() for node in group.findLayers()] if group is not None else []
    report = {"task_started": state["task_started"], "panel_open_at_start": state["panel_open_at_start"],
              "ok": ok, "results": {k: str(v) for k, v in results.items()},
              "group": group.name() if group is not None else None,
              "layers": [{"name": layer.name(), "valid": layer.isValid(), "features": layer.featureCount(),
                          "renderer": layer.renderer().type() if layer.renderer() else None,
                          "in_project": QgsProject.instance().mapLayer(layer.id()) is not None} for layer in layers],
              "remembered": plugin.audit.remembered_folder(), "python_errors": errors, "log": log,
              "panel_rows": plugin.dock.table.rowCount(),
              "messages": [w.text() if hasattr(w, "text") else "" for w in iface.messageBar().items()]}
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
