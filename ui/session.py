"""The network the desktop works on: the chosen layers, their graph (shared with Processing's cache)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsCoordinateTransform,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, QObject, pyqtSignal

from ..network.build.fields import find_field
from ..processing.algorithms.build_network import BuildNetworkAlgorithm
from ..processing.base import NODE_FIELD_PARAMETERS, PIPE_FIELD_PARAMETERS
from ..processing.inputs.observations import DEFECT_CODE

PROJECT_SCOPE = "PipeNet"
LARGE = 20000  # pipes; below this a build takes well under a second
FIELD_KEYS = tuple(key for key, _canonical, _label in PIPE_FIELD_PARAMETERS + NODE_FIELD_PARAMETERS)


PIPE_WORDS = ("pipe", "sewer", "main", "line", "管", "线")
NODE_WORDS = ("node", "manhole", "junction", "valve", "井", "点")
EVENT_WORDS = ("event", "overflow", "flood", "waterlog", "溢流", "内涝", "积水", "事件")
AUDIT_GPKG = "pipenet_audit.gpkg"  # the audit's own output: its events and findings are never its input


def _geometry(layer):
    return layer.geometryType() if hasattr(layer, "geometryType") else None


def _outputs_of_pipenet(layer) -> bool:
    return any(name.startswith("pn_") for name in layer.fields().names())


def _rank_pipes(layer) -> int:
    """Lower is likelier the pipes: an input layer named like pipes, any input layer, the audit's pipes by
    system, any other PipeNet output (hotspots, risk, traces)."""
    if not _outputs_of_pipenet(layer):
        return 0 if any(word in layer.name().lower() for word in PIPE_WORDS) else 1
    renderer = layer.renderer()
    return 2 if renderer is not None and getattr(renderer, "classAttribute", lambda: "")() == "pn_system" else 3


def _rank_nodes(layer) -> int:
    """Lower is likelier the nodes; 9: not nodes at all (findings, events)."""
    names = set(layer.fields().names())
    if {"check", "severity"} <= names or any(word in layer.name().lower() for word in ("event", "事件", "defect")):
        return 9
    named = any(word in layer.name().lower() for word in NODE_WORDS)
    return (0 if named else 1) + (2 if _outputs_of_pipenet(layer) else 0)


class NetworkSession(QObject):
    """Layers chosen in the panel (remembered in the project) and the built network of them."""

    changed = pyqtSignal()

    def __init__(self, project: Optional[QgsProject] = None):
        super().__init__()
        self.project = project or QgsProject.instance()
        self.run = None
        self.error = ""
        self._watched: set[str] = set()

    # -- layers and field mapping, saved in the project ------------------------------------------
    def pipes_layer(self):
        layer_id, _ = self.project.readEntry(PROJECT_SCOPE, "pipes", "")
        return self.project.mapLayer(layer_id) if layer_id else None

    def nodes_layer(self):
        layer_id, _ = self.project.readEntry(PROJECT_SCOPE, "nodes", "")
        return self.project.mapLayer(layer_id) if layer_id else None

    def set_layers(self, pipes, nodes) -> None:
        """Choose the layers; the graph is rebuilt on next use."""
        self.project.writeEntry(PROJECT_SCOPE, "pipes", pipes.id() if pipes else "")
        self.project.writeEntry(PROJECT_SCOPE, "nodes", nodes.id() if nodes else "")
        self.run = None
        for layer in (pipes, nodes):
            if layer is not None and layer.id() not in self._watched:
                self._watched.add(layer.id())
                layer.dataChanged.connect(self._stale)
                layer.layerModified.connect(self._stale)
        self.changed.emit()

    def layer_parameters(self) -> dict:
        """PIPES, NODES and the field mapping of the panel: what every algorithm started from the desktop
        (build, audit, analyses) is given, so all of them work on the same network."""
        pipes, nodes = self.pipes_layer(), self.nodes_layer()
        parameters = dict(self.field_overrides())
        if pipes is not None:
            parameters["PIPES"] = pipes.id()
        if nodes is not None:
            parameters["NODES"] = nodes.id()
        return parameters

    def observation_parameters(self) -> dict:
        """DEFECTS and EVENTS for the audit from the project, as a technician loads them beside the network:
        a layer with a defect code field (CCTV defects, 缺陷代码) and a point layer named for overflow or
        waterlogging events (溢流, 内涝, 积水). An audit's own outputs are never taken for its inputs."""
        chosen = {layer.id() for layer in (self.pipes_layer(), self.nodes_layer()) if layer is not None}
        candidates = [layer for layer in self.project.mapLayers().values()
                      if hasattr(layer, "fields") and layer.id() not in chosen
                      and Path(layer.source().split("|")[0]).name != AUDIT_GPKG
                      and "check" not in layer.fields().names()]
        defects = next((layer for layer in candidates if find_field(layer.fields().names(), DEFECT_CODE)), None)
        events = next((layer for layer in candidates if layer is not defects
                       and _geometry(layer) == QgsWkbTypes.PointGeometry
                       and any(word in layer.name().lower() for word in EVENT_WORDS)), None)
        return {key: layer.id() for key, layer in (("DEFECTS", defects), ("EVENTS", events)) if layer is not None}

    def field_overrides(self) -> dict[str, str]:
        """Field choices the user made in the field-mapping dialog."""
        return {key: self.project.readEntry(PROJECT_SCOPE, f"fields/{key}", "")[0] for key in FIELD_KEYS
                if self.project.readEntry(PROJECT_SCOPE, f"fields/{key}", "")[0]}

    def set_field_override(self, key: str, field: str) -> None:
        self.project.writeEntry(PROJECT_SCOPE, f"fields/{key}", field or "")
        self.run = None
        self.changed.emit()

    def _stale(self, *_args) -> None:
        if self.run is not None:
            self.run = None
            self.changed.emit()

    # -- which layers, when the user has not said ------------------------------------------------------
    def guess_layers(self):
        """The likeliest (pipes, nodes) of the project: input layers before PipeNet's own outputs, and of
        an audit's outputs the pipes by system (never its hotspots or risk layers) and its nodes (never
        the findings or events)."""
        layers = list(self.project.mapLayers().values())
        lines = [layer for layer in layers if _geometry(layer) == QgsWkbTypes.LineGeometry]
        points = [layer for layer in layers if _geometry(layer) == QgsWkbTypes.PointGeometry and _rank_nodes(layer) < 9]
        pipes = min(lines, key=_rank_pipes, default=None)
        if pipes is None:
            return None, None
        home = pipes.source().split("|")[0]
        nodes = min(points, key=lambda layer: (_rank_nodes(layer) - (layer.source().split("|")[0] == home)),
                    default=None)
        return pipes, nodes

    # -- the graph ------------------------------------------------------------------------------
    def network_run(self, feedback: Optional[QgsProcessingFeedback] = None):
        """The built network of the chosen layers (Processing's cache makes repeats instant)."""
        if self.run is not None:
            return self.run
        pipes = self.pipes_layer()
        if pipes is None:
            self.error = QCoreApplication.translate("PipeNet", "Choose a pipe layer first.")
            return None
        nodes = self.nodes_layer()
        algorithm = BuildNetworkAlgorithm()
        algorithm.initAlgorithm()
        context = QgsProcessingContext()
        context.setProject(self.project)
        parameters = {"PIPES": pipes.id(), "NODES": nodes.id() if nodes else None, "SNAP_TOLERANCE": 0.5,
                      "NEAR_MISS_DISTANCE": 2.0, **self.field_overrides()}
        try:
            self.run = algorithm.build_from_parameters(parameters, context, feedback or QgsProcessingFeedback())
            self.error = ""
        except Exception as error:  # shown in the panel; the user gets the message, never a traceback
            self.run, self.error = None, str(error)
        self.changed.emit()
        return self.run

    def build_in_background(self, on_done=None) -> None:
        """Build in a QgsTask (progress and cancel in QGIS's task bar); call ``on_done`` when finished."""
        from qgis.core import QgsApplication, QgsTask

        def work(task):
            class TaskFeedback(QgsProcessingFeedback):
                def isCanceled(self):  # noqa: N802 (QGIS API): cancelling the task cancels the build
                    return task.isCanceled() or super().isCanceled()

            feedback = TaskFeedback()
            feedback.progressChanged.connect(task.setProgress)
            return self.network_run(feedback)

        self.task = QgsTask.fromFunction(QCoreApplication.translate("PipeNet", "PipeNet: build network"), work,
                                         on_finished=lambda *_args: on_done() if on_done else None)
        QgsApplication.taskManager().addTask(self.task)

    def is_large(self) -> bool:
        """Layers big enough that building may take over a second (then it runs as a task)."""
        pipes = self.pipes_layer()
        return pipes is not None and pipes.featureCount() > LARGE

    # -- coordinates between the canvas and the working CRS ----------------------------------------
    def to_working(self, point: QgsPointXY, canvas_crs) -> tuple[float, float]:
        frame = self.run.frame
        target = frame.to_work.destinationCrs() if frame.to_work else frame.output_crs
        if canvas_crs.isValid() and target.isValid() and canvas_crs != target:
            point = QgsCoordinateTransform(canvas_crs, target, self.project).transform(point)
        return point.x(), point.y()

    def pipe_geometry(self, key: str, canvas_crs) -> QgsGeometry:
        """A pipe's line in the canvas CRS (from the working-CRS coordinates of the graph)."""
        coords = self.run.network.pipe_coords[key]
        geometry = QgsGeometry.fromPolylineXY([QgsPointXY(float(x), float(y)) for x, y in coords])
        return self.to_canvas(geometry, canvas_crs)

    def node_geometry(self, node: str, canvas_crs) -> QgsGeometry:
        data = self.run.network.graph.nodes[node]
        return self.to_canvas(QgsGeometry.fromPointXY(QgsPointXY(data["x"], data["y"])), canvas_crs)

    def to_canvas(self, geometry: QgsGeometry, canvas_crs) -> QgsGeometry:
        frame = self.run.frame
        source = frame.to_work.destinationCrs() if frame.to_work else frame.output_crs
        if canvas_crs.isValid() and source.isValid() and source != canvas_crs:
            geometry.transform(QgsCoordinateTransform(source, canvas_crs, self.project))
        return geometry
