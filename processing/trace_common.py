"""Shared parameters and body of the upstream and downstream trace algorithms."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from scipy.spatial import cKDTree

from ..network.build.fields import normalise_node_type, normalise_system
from ..network.checks.trace import check_starts, trace
from ..network.model.records import PipeNetInputError
from .base import PipeNetAlgorithm
from .inputs.layers import points_in_working_crs


def split_list(text: str) -> list[str]:
    """'a, b;c' -> ['a', 'b', 'c'] (commas, semicolons, Chinese commas)."""
    for separator in (";", "，", "；", "、"):
        text = text.replace(separator, ",")
    return [item.strip() for item in text.split(",") if item.strip()]


def resolve_nodes(algorithm, run, parameters, context, ids_key: str, points_key: str, distance_key: str) -> list[str]:
    """Node ids from a comma list parameter and a point-layer parameter (nearest node within a distance)."""
    graph = run.network.graph
    ids = split_list(algorithm.parameterAsString(parameters, ids_key, context) or "")
    points = algorithm.parameterAsSource(parameters, points_key, context)
    if points is not None:
        distance = algorithm.parameterAsDouble(parameters, distance_key, context)
        names = list(graph.nodes)
        tree = cKDTree(np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in names]))
        for fid, xy in points_in_working_crs(points, run.frame, context):
            gap, index = tree.query(xy, distance_upper_bound=distance)
            if not np.isfinite(gap):
                raise QgsProcessingException(algorithm.tr(
                    "Layer {}: feature {} is more than {} m from any network node.").format(
                    points_key, fid, distance))
            ids.append(names[index])
    if not ids:
        raise QgsProcessingException(algorithm.tr("Give {} (node ids) or {}.").format(ids_key, points_key))
    try:
        return list(dict.fromkeys(check_starts(graph, ids, "network built from PIPES")))
    except PipeNetInputError as error:
        raise QgsProcessingException(str(error)) from None


class TraceAlgorithm(PipeNetAlgorithm):
    """Trace from start nodes; subclasses set DIRECTION."""

    GROUP_ID = "analysis"
    DIRECTION = "upstream"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterString(
            "START_NODES", self.tr("Start node ids (comma-separated, as in the built network's pn_id)"),
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "START_POINTS", self.tr("Or start at points (nearest node; selected features only if ticked)"),
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "START_DISTANCE", self.tr("Largest distance from a start point to its node (metres)"),
            QgsProcessingParameterNumber.Double, 5.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterString(
            "SYSTEMS", self.tr("Follow only these systems (e.g. YS,WS or storm; empty = all)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            "STOP_TYPES", self.tr("Stop at node types (e.g. pump,plant; empty = none)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            "INCLUDE_START", self.tr("Include the start node in the output"), defaultValue=True))
        self.add_sink("OUTPUT_PIPES", self.tr("Traced pipes"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_NODES", self.tr("Traced nodes"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputNumber("PIPE_COUNT", self.tr("Traced pipes")))
        self.addOutput(QgsProcessingOutputNumber("NODE_COUNT", self.tr("Traced nodes")))
        self.addOutput(QgsProcessingOutputNumber("LENGTH_M", self.tr("Traced length (m)")))
        self.addOutput(QgsProcessingOutputString("OUTLETS", self.tr("Outlets reached")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        graph = run.network.graph
        starts = resolve_nodes(self, run, parameters, context, "START_NODES", "START_POINTS", "START_DISTANCE")
        systems = {normalise_system(s) or s for s in
                   split_list(self.parameterAsString(parameters, "SYSTEMS", context) or "")} or None
        stops = {normalise_node_type(s) or s for s in
                 split_list(self.parameterAsString(parameters, "STOP_TYPES", context) or "")} or None
        include_start = self.parameterAsBoolean(parameters, "INCLUDE_START", context)
        traces = []
        for number, start in enumerate(starts):
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("Cancelled by the user."))
            traces.append(trace(graph, start, self.DIRECTION, systems, stops, include_start))
            feedback.setProgress(80 * (number + 1) / len(starts))
        by_pipe, by_node = {}, {}
        for result in traces:
            for key, (distance, order) in result.pipes.items():
                by_pipe.setdefault(key, []).append(
                    [result.start, round(distance, 3), order, int(key in result.path_pipes)])
            for node, (distance, order) in result.nodes.items():
                by_node.setdefault(node, []).append([result.start, round(distance, 3), order])
        extra_pipe = [("pn_start", "string"), ("pn_dist", "double"), ("pn_order", "int"), ("pn_on_path", "int")]
        extra_node = [("pn_start", "string"), ("pn_dist", "double"), ("pn_order", "int")]
        pipes = self.write_pipes(run, parameters, context, feedback, extra_pipe,
                                 lambda r: by_pipe.get(r.pipe_id, []), style="trace")
        nodes = self.write_nodes(run, parameters, context, feedback, extra_node,
                                 lambda n, d: by_node.get(n, []))
        length = sum(graph.edges[run.network.graph.graph["edge_index"][k]]["length"] for k in by_pipe)
        outlets = sorted({o for result in traces for o in result.outlets})
        feedback.pushInfo(self.tr("{} start(s): {} pipes, {:.1f} m, {} nodes").format(
            len(starts), len(by_pipe), length, len(by_node)))
        return {"OUTPUT_PIPES": pipes, "OUTPUT_NODES": nodes, "PIPE_COUNT": len(by_pipe),
                "NODE_COUNT": len(by_node), "LENGTH_M": round(length, 1), "OUTLETS": ", ".join(outlets)}

