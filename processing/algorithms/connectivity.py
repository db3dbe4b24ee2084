"""pipenet:connectivity: subnetworks, their outlets, what reaches no outlet, isolated fragments."""

from __future__ import annotations

from qgis.core import QgsProcessing, QgsProcessingOutputNumber, QgsProcessingParameterEnum, QgsProcessingParameterNumber

from ..base import PipeNetAlgorithm

SUMMARY_COLUMNS = [("component", "int"), ("pipes", "int"), ("nodes", "int"), ("length_m", "double"),
                   ("outlet_count", "int"), ("outlets", "string"), ("systems", "string")]


class ConnectivityAlgorithm(PipeNetAlgorithm):
    """Weakly connected subnetworks with their outlets and reachability."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "connectivity"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Connectivity (subnetworks and outlets)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Splits the network into subnetworks (weakly connected components) and finds each one's "
            "outlets: outfalls, treatment plants and pump stations by node type, and sinks (nodes water "
            "cannot leave). Sinks count as outlets when asked, or automatically when no node of the network "
            "is typed as an outfall, plant or pump station (then logged); where outlets are typed, a dead "
            "end is a no_outlet finding.<br><b>Fragment size</b>: subnetworks "
            "with at most this many pipes and no outfall/plant/pump are reported as isolated fragments.<br>"
            "<b>Pipes / nodes output</b>: input attributes, pn_comp (subnetwork, 1 = largest) and "
            "pn_reach (1 = has a path to an outlet); nodes also pn_outlet (outlet kind).<br>"
            "<b>Summary</b>: one row per subnetwork: pipes, nodes, length, outlets, system mix.<br>"
            "<b>Findings</b>: no_outlet (one per cut-off part, with its pipe and node counts and its likely "
            "cause), isolated_fragment.<br><br>"
            "连通性分析：按弱连通划分子管网并识别各子管网的出口（排放口、污水厂、泵站及汇点）；"
            "报告无法到达任何出口的管段与节点，以及孤立管段组。输出管段/节点（pn_comp 子管网编号，"
            "pn_reach 是否可达出口）、子管网汇总表和问题点。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterNumber(
            "FRAGMENT_SIZE", self.tr("Isolated fragment: at most this many pipes"),
            QgsProcessingParameterNumber.Integer, 2, minValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            "SINKS_AS_OUTLETS", self.tr("Count sinks (dead ends downstream) as outlets"),
            [self.tr("Automatic (when no node is typed outfall, plant or pump)"), self.tr("Yes"),
             self.tr("No")],
            defaultValue=0))
        self.add_sink("OUTPUT_PIPES", self.tr("Pipes with subnetwork"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_NODES", self.tr("Nodes with subnetwork"), QgsProcessing.TypeVectorPoint)
        self.add_sink("OUTPUT_SUMMARY", self.tr("Subnetwork summary"), QgsProcessing.TypeVector)
        self.add_sink("OUTPUT_FINDINGS", self.tr("Connectivity findings"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputNumber("COMPONENT_COUNT", self.tr("Subnetworks")))
        self.addOutput(QgsProcessingOutputNumber("NO_OUTLET_PIPES", self.tr("Pipes reaching no outlet")))
        self.addOutput(QgsProcessingOutputNumber("FRAGMENT_COUNT", self.tr("Isolated fragments")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        choice = self.parameterAsEnum(parameters, "SINKS_AS_OUTLETS", context)
        result = run.network.components(fragment_size=self.parameterAsInt(parameters, "FRAGMENT_SIZE", context),
                                        sinks_as_outlets={0: None, 1: True, 2: False}[choice])
        if result.sinks_used_as_outlets:
            feedback.pushInfo(self.tr("No node is typed as an outfall, plant or pump station: every dead end (sink) "
                                     "is counted as an outlet."))
        reaching = result.reaches_outlet
        pipes = self.write_pipes(run, parameters, context, feedback, [("pn_reach", "int")],
                                 lambda r: [[int(r.to_node in reaching)]] if r.to_node else [[None]])
        nodes = self.write_nodes(run, parameters, context, feedback,
                                 [("pn_outlet", "string"), ("pn_reach", "int")],
                                 lambda n, d: [[result.outlets.get(n), int(n in reaching)]])
        summary = self.write_table(parameters, "OUTPUT_SUMMARY", context, SUMMARY_COLUMNS, (
            [row.component, row.pipes, row.nodes, round(row.length_m, 1), len(row.outlets),
             ", ".join(f"{o} ({row.outlet_kinds[o]})" for o in row.outlets[:50]), row.system_mix()]
            for row in result.subnetworks))
        findings = self.write_findings(run, result.findings, parameters, context)
        counts = self.findings_summary(result.findings)
        for check, count in counts.items():
            feedback.pushInfo(f"  {check}: {count}")
        return {"OUTPUT_PIPES": pipes, "OUTPUT_NODES": nodes, "OUTPUT_SUMMARY": summary,
                "OUTPUT_FINDINGS": findings, "COMPONENT_COUNT": len(result.subnetworks),
                "NO_OUTLET_PIPES": result.no_outlet_pipes,
                "FRAGMENT_COUNT": counts.get("isolated_fragment", 0)}
