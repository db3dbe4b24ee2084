"""pipenet:downstreamtrace: where water from the start nodes goes, and the path to the outlet."""

from __future__ import annotations

from ..trace_common import TraceAlgorithm


class DownstreamTraceAlgorithm(TraceAlgorithm):
    """Trace along the flow from one or more start nodes."""

    DIRECTION = "downstream"

    def name(self) -> str:
        return "downstreamtrace"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Downstream trace")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Follows the flow from the start nodes to the outlets.<br>"
            "<b>Start node ids</b>: comma-separated ids as in pn_id of the built network, or "
            "<b>start points</b> (nearest node within the distance).<br><b>Systems</b> and <b>stop at "
            "node types</b> as in the upstream trace.<br>"
            "<b>Outputs</b>: traced pipes and nodes with pn_start, pn_dist (m), pn_order, and "
            "pn_on_path = 1 on the shortest path from the start to each outlet reached; the OUTLETS "
            "result lists the outlets.<br><br>"
            "下游追踪：沿水流方向从起始节点追踪至出口。输出含起点编号、网络距离（米）、级序，"
            "pn_on_path = 1 表示位于通往出口的最短路径上；OUTLETS 列出到达的出口。")
