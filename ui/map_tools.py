"""Click-to-trace map tools: upstream, downstream and water-main break, highlighted at once."""

from __future__ import annotations

from typing import Optional

import numpy as np
from qgis.core import QgsWkbTypes
from qgis.gui import QgsMapToolEmitPoint, QgsRubberBand
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

from ..network.checks.isolation import isolate, nearest_pipes
from ..network.checks.trace import trace

PICK_PIXELS = 12


def tr(text: str) -> str:
    """Translate a literal string in the PipeNet context."""
    return QCoreApplication.translate("PipeNet", text)


class NetworkMapTool(QgsMapToolEmitPoint):
    """Base of PipeNet's tools: picks the nearest node or pipe, draws results in rubber bands."""

    summary = pyqtSignal(str)
    highlighted = pyqtSignal(list)

    def __init__(self, canvas, session, colour: str = "#E69F00"):
        super().__init__(canvas)
        self.session = session
        self.lines = QgsRubberBand(canvas, QgsWkbTypes.LineGeometry)
        self.lines.setColor(QColor(colour))
        self.lines.setWidth(4)
        self.points = QgsRubberBand(canvas, QgsWkbTypes.PointGeometry)
        self.points.setColor(QColor("#D55E00"))
        self.points.setIconSize(10)
        self.starts: list[str] = []
        self.pipes: set[str] = set()

    def clear(self) -> None:
        """Forget the starts and remove the highlight (Esc)."""
        self.starts, self.pipes = [], set()
        self.lines.reset(QgsWkbTypes.LineGeometry)
        self.points.reset(QgsWkbTypes.PointGeometry)
        self.highlighted.emit([])
        self.summary.emit("")

    def keyPressEvent(self, event):  # noqa: N802 (Qt API)
        if event.key() == Qt.Key_Escape:
            self.clear()
            event.accept()

    def deactivate(self):
        self.clear()
        super().deactivate()

    def canvasReleaseEvent(self, event):  # noqa: N802 (Qt API)
        point = self.toMapCoordinates(event.pos())
        shift = bool(event.modifiers() & Qt.ShiftModifier)
        if self.session.run is None and self.session.is_large():
            # a county takes seconds to build: do it as a task and answer this click when it is ready
            self.summary.emit(tr("Building the network…"))
            self.session.build_in_background(lambda: self.answer(point, shift))
            return
        self.answer(point, shift)

    def answer(self, point, shift: bool) -> None:
        """Trace (or isolate) from a clicked map point once the network exists."""
        run = self.session.network_run()
        if run is None:
            self.summary.emit(self.session.error)
            return
        crs = self.canvas().mapSettings().destinationCrs()
        xy = self.session.to_working(point, crs)
        radius = self.canvas().mapUnitsPerPixel() * PICK_PIXELS * self._scale_to_metres(point, crs, xy)
        self.handle(xy, max(radius, 0.5), shift)

    def _scale_to_metres(self, point, crs, xy) -> float:
        """Metres per canvas unit near the click (1 for projected canvases in metres)."""
        shifted = self.session.to_working(type(point)(point.x() + 1e-3, point.y()), crs)
        step = float(np.hypot(shifted[0] - xy[0], shifted[1] - xy[1]))
        return step / 1e-3 if step > 0 else 1.0

    def nearest_node(self, xy, radius) -> Optional[str]:
        graph = self.session.run.network.graph
        names = list(graph.nodes)
        if not names:
            return None
        coords = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in names])
        distances = np.hypot(coords[:, 0] - xy[0], coords[:, 1] - xy[1])
        best = int(np.argmin(distances))
        return names[best] if distances[best] <= radius else None

    def draw(self, pipes: set[str], nodes: list[str]) -> None:
        crs = self.canvas().mapSettings().destinationCrs()
        self.lines.reset(QgsWkbTypes.LineGeometry)
        self.points.reset(QgsWkbTypes.PointGeometry)
        for key in pipes:
            self.lines.addGeometry(self.session.pipe_geometry(key, crs), None, False)
        for node in nodes:
            self.points.addGeometry(self.session.node_geometry(node, crs), None, False)
        self.lines.updatePosition()
        self.points.updatePosition()
        self.canvas().refresh()
        self.highlighted.emit(sorted(pipes))

    def handle(self, xy, radius, add: bool) -> None:
        raise NotImplementedError


class TraceMapTool(NetworkMapTool):
    """Click a manhole: everything upstream (or downstream) of it lights up; shift-click adds starts."""

    def __init__(self, canvas, session, direction: str = "upstream"):
        super().__init__(canvas, session, "#E69F00" if direction == "upstream" else "#0072B2")
        self.direction = direction

    def handle(self, xy, radius, add: bool) -> None:
        node = self.nearest_node(xy, radius)
        if node is None:
            self.summary.emit(tr("No node within reach of the click."))
            return
        self.starts = (self.starts if add else []) + [node]
        graph = self.session.run.network.graph
        results = [trace(graph, start, self.direction) for start in self.starts]
        self.pipes = set().union(*(set(r.pipes) for r in results))
        nodes = set().union(*(set(r.nodes) for r in results))
        outlets = sorted({o for r in results for o in r.outlets})
        length = sum(graph.edges[graph.graph["edge_index"][k]]["length"] for k in self.pipes)
        self.draw(self.pipes, self.starts)
        # manholes are the surveyed nodes: junctions PipeNet made where pipe ends meet are not counted
        manholes = sum(1 for node in nodes - set(self.starts) if not graph.nodes[node].get("virtual"))
        if self.direction == "upstream":
            text = tr("Upstream of {}: {} pipes, {:.0f} m, {} manholes").format(
                ", ".join(self.starts), len(self.pipes), length, manholes)
        else:
            text = tr("Downstream of {}: {} pipes, {:.0f} m, outlets reached: {}").format(
                ", ".join(self.starts), len(self.pipes), length, ", ".join(outlets) or "-")
        self.summary.emit(text)


class BreakMapTool(NetworkMapTool):
    """Click a water main: the isolation segment lights up and the valves to close are marked."""

    def __init__(self, canvas, session):
        super().__init__(canvas, session, "#009E73")

    def handle(self, xy, radius, add: bool) -> None:
        pipe = nearest_pipes(self.session.run.network.pipe_coords, [xy], radius)[0]
        if pipe is None:
            self.summary.emit(tr("No pipe within reach of the click."))
            return
        segment = isolate(self.session.run.network.graph, pipe)
        self.pipes = segment.pipes
        self.draw(segment.pipes, segment.valves_to_close)
        self.summary.emit(tr("Break on {}: {} pipes shut, close valves {}; {} customers without water").format(
            pipe, len(segment.pipes), ", ".join(segment.valves_to_close) or "-", len(segment.customers)))
