"""pipenet:valveisolation: 爆管关阀 — the segment a main break takes out and the valves to close."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...network.checks.isolation import isolate, nearest_pipes
from ...network.model.records import PipeNetInputError
from ..base import PipeNetAlgorithm
from ..inputs.layers import points_in_working_crs
from ..trace_common import split_list


class ValveIsolationAlgorithm(PipeNetAlgorithm):
    """Isolation trace of one or more water-main breaks."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "valveisolation"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Valve isolation of a main break (爆管关阀)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "For each broken water main, finds the isolation segment: the pipes and nodes reachable "
            "from the break without passing a valve (node type valve/阀门), the valves to close on its "
            "boundary, and the customers (node type meter/水表) that lose supply.<br>"
            "<b>Broken pipes</b>: pipe ids (pn_id), or <b>break points</b> (nearest pipe within the "
            "distance).<br><b>Inoperable valves</b>: valve ids that cannot be closed; the segment grows "
            "to the next valves.<br><b>Outputs</b>: pipes and nodes of every segment with pn_segment "
            "(one per break) and pn_break; nodes carry pn_role (valve_to_close, customer, in_segment).<br><br>"
            "爆管关阀分析：对每处爆管，找出不经过阀门即可到达的管段和节点（隔离区）、需关闭的边界阀门"
            "以及停水用户（水表）。可指定失效阀门，隔离区将扩展至下一级阀门。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterString(
            "BREAK_PIPES", self.tr("Broken pipe ids (comma-separated pn_id)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "BREAK_POINTS", self.tr("Or break locations (points)"), [QgsProcessing.TypeVectorPoint],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "BREAK_DISTANCE", self.tr("Largest distance from a break point to its pipe (metres)"),
            QgsProcessingParameterNumber.Double, 10.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterString(
            "INOPERABLE_VALVES", self.tr("Inoperable valve ids (comma-separated)"), optional=True))
        self.add_sink("OUTPUT_PIPES", self.tr("Isolated pipes"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_NODES", self.tr("Segment nodes and valves to close"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputNumber("SEGMENT_COUNT", self.tr("Segments")))
        self.addOutput(QgsProcessingOutputString("VALVES_TO_CLOSE", self.tr("Valves to close")))
        self.addOutput(QgsProcessingOutputNumber("CUSTOMER_COUNT", self.tr("Customers without supply")))
        self.addOutput(QgsProcessingOutputString("CUSTOMERS", self.tr("Customers without supply (ids)")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        breaks = split_list(self.parameterAsString(parameters, "BREAK_PIPES", context) or "")
        breaks += self._break_points(run, parameters, context)
        if not breaks:
            raise QgsProcessingException(self.tr("Give BREAK_PIPES (pipe ids) or BREAK_POINTS."))
        inoperable = split_list(self.parameterAsString(parameters, "INOPERABLE_VALVES", context) or "")
        try:
            segments = [isolate(run.network.graph, pipe, inoperable) for pipe in dict.fromkeys(breaks)]
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        pipe_rows, node_rows = {}, {}
        for number, segment in enumerate(segments, start=1):
            for key in segment.pipes:
                pipe_rows.setdefault(key, []).append([number, segment.break_pipe])
            for node in segment.nodes:
                role = "customer" if node in segment.customers else "in_segment"
                node_rows.setdefault(node, []).append([number, segment.break_pipe, role])
            for valve in segment.valves_to_close:
                node_rows.setdefault(valve, []).append([number, segment.break_pipe, "valve_to_close"])
            feedback.pushInfo(self.tr("Break {}: {} pipes, close {}, {} customers").format(
                segment.break_pipe, len(segment.pipes), ", ".join(segment.valves_to_close) or "-",
                len(segment.customers)))
        pipes = self.write_pipes(run, parameters, context, feedback, [("pn_segment", "int"), ("pn_break", "string")],
                                 lambda r: pipe_rows.get(r.pipe_id, []))
        nodes = self.write_nodes(run, parameters, context, feedback,
                                 [("pn_segment", "int"), ("pn_break", "string"), ("pn_role", "string")],
                                 lambda n, d: node_rows.get(n, []))
        valves = sorted({v for s in segments for v in s.valves_to_close})
        customers = sorted({c for s in segments for c in s.customers})
        return {"OUTPUT_PIPES": pipes, "OUTPUT_NODES": nodes, "SEGMENT_COUNT": len(segments),
                "VALVES_TO_CLOSE": ", ".join(valves), "CUSTOMER_COUNT": len(customers),
                "CUSTOMERS": ", ".join(customers)}

    def _break_points(self, run, parameters, context) -> list[str]:
        points = self.parameterAsSource(parameters, "BREAK_POINTS", context)
        if points is None:
            return []
        distance = self.parameterAsDouble(parameters, "BREAK_DISTANCE", context)
        located = points_in_working_crs(points, run.frame, context)
        fids = [fid for fid, _ in located]
        locations = [xy for _, xy in located]
        found = nearest_pipes(run.network.pipe_coords, locations, distance)
        missing = [str(fid) for fid, pipe in zip(fids, found) if pipe is None]
        if missing:
            raise QgsProcessingException(self.tr("Break point feature(s) {} are more than {} m from any pipe.")
                                         .format(", ".join(missing), distance))
        return found
