"""pipenet:buildnetwork: build the topology graph and report every topology defect."""

from __future__ import annotations

from qgis.core import QgsProcessing, QgsProcessingOutputNumber, QgsProcessingOutputString

from ..base import PipeNetAlgorithm
from ..outputs.writers import written_columns


class BuildNetworkAlgorithm(PipeNetAlgorithm):
    """Snap pipes to manholes, infer flow direction and report topology findings."""

    GROUP_ID = "network"

    def name(self) -> str:
        return "buildnetwork"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Build network (topology check)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Builds the pipe network graph: pipe ends snap to manholes within the snapping "
            "tolerance (metres, whatever the layer CRS), unmatched ends meet at virtual junctions, "
            "from/to node ids are honoured when present, and flow direction comes from inverts, then "
            "a flow-direction field, then the digitising direction.<br><br>"
            "<b>Pipes</b>: line layer; English or Chinese field names (管径, 起点埋深 ...) are "
            "detected automatically, or set them in the advanced parameters.<br>"
            "<b>Manholes / nodes</b>: optional point layer.<br>"
            "<b>Pipes output</b>: every input attribute plus pn_id, pn_from, pn_to, pn_reversed "
            "(1 = flow runs against the digitising), pn_dir_src (invert, field, ids, digitised), "
            "pn_length (m), pn_comp (subnetwork), pn_system, pn_diam_mm.<br>"
            "<b>Nodes output</b>: input nodes plus virtual junctions (pn_virtual = 1), with degree, "
            "in/out counts and subnetwork.<br>"
            "<b>Findings</b>: one point per problem: dangling end, near miss, duplicate or "
            "overlapping pipe, zero length, self-loop, orphan manhole, ambiguous end, from/to ids "
            "contradicting the geometry, direction against inverts, implausible attributes.<br><br>"
            "构建管网拓扑：管段端点在吸附容差（米）内吸附到检查井，未匹配的端点合并为虚拟节点；"
            "有起点点号/终点点号时优先采用；流向依次由管底高程、流向字段、绘制方向确定。"
            "输出管段（保留全部原字段并增加 pn_ 字段）、节点（含虚拟节点）和拓扑问题点"
            "（悬挂端点、近距未连接、重复/重叠管段、零长度、自环、孤立检查井、起止点号与几何不符、"
            "流向与管底高程矛盾、属性不合理）。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.add_sink("OUTPUT_PIPES", self.tr("Network pipes"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_NODES", self.tr("Network nodes"), QgsProcessing.TypeVectorPoint)
        self.add_sink("OUTPUT_FINDINGS", self.tr("Topology findings"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputNumber("PIPE_COUNT", self.tr("Pipes")))
        self.addOutput(QgsProcessingOutputNumber("NODE_COUNT", self.tr("Nodes")))
        self.addOutput(QgsProcessingOutputNumber("COMPONENT_COUNT", self.tr("Subnetworks")))
        self.addOutput(QgsProcessingOutputNumber("FINDING_COUNT", self.tr("Findings")))
        self.addOutput(QgsProcessingOutputString("FINDINGS_BY_CHECK", self.tr("Findings per check")))

    def process(self, parameters, context, feedback):
        # GeoPackage outputs start as copies of the inputs, made while the network is built
        run = self.build_from_parameters(parameters, context, feedback,
                                         copy_outputs=(parameters, written_columns()))
        summary = run.network.summary()
        results = {
            "OUTPUT_PIPES": self.write_pipes(run, parameters, context, feedback),
            "OUTPUT_NODES": self.write_nodes(run, parameters, context, feedback),
            "OUTPUT_FINDINGS": self.write_findings(run, run.network.findings, parameters, context),
            "PIPE_COUNT": summary["pipes"],
            "NODE_COUNT": summary["nodes"],
            "COMPONENT_COUNT": summary["components"],
            "FINDING_COUNT": len(run.network.findings),
            "FINDINGS_BY_CHECK": ", ".join(f"{k}={v}" for k, v in summary["findings"].items()),
        }
        for check, count in summary["findings"].items():
            feedback.pushInfo(f"  {check}: {count}")
        feedback.setProgress(100)
        return results
