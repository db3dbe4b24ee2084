"""pipenet:upstreamtrace: everything that drains to the start nodes."""

from __future__ import annotations

from ..trace_common import TraceAlgorithm


class UpstreamTraceAlgorithm(TraceAlgorithm):
    """Trace against the flow from one or more start nodes."""

    DIRECTION = "upstream"

    def name(self) -> str:
        return "upstreamtrace"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Upstream trace")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Finds every pipe and node that drains to the start nodes.<br>"
            "<b>Start node ids</b>: comma-separated ids as in pn_id of the built network, or "
            "<b>start points</b> (each snaps to the nearest node within the distance; tick "
            "'selected features only' to use a selection).<br><b>Systems</b>: follow only pipes of "
            "these systems (YS/WS/HS/JS or storm/sanitary/combined/water).<br><b>Stop at node types</b>: "
            "e.g. pump,plant: reached but not passed.<br>"
            "<b>Outputs</b>: traced pipes and nodes with pn_start (start id), pn_dist (network distance "
            "from the start, m) and pn_order (pipes from the start); a pipe reached from two starts "
            "appears once per start.<br><br>"
            "上游追踪：查找汇入起始节点的全部管段和节点。可输入节点编号（逗号分隔）或起始点图层；"
            "可限定管网类别、在指定节点类型处停止。输出含起点编号、网络距离（米）和级序。")


