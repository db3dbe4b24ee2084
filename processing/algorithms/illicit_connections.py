"""pipenet:illicitconnections: 雨污混接 — cross-system connections, direct discharge, node evidence."""

from __future__ import annotations

from qgis.core import QgsProcessing, QgsProcessingOutputNumber, QgsProcessingParameterNumber

from ..base import PipeNetAlgorithm
from ..runtime.compat import tr_noop

RESULT_KEYS = {"sanitary→storm": "SANITARY_TO_STORM", "storm→sanitary": "STORM_TO_SANITARY",
               "with combined": "WITH_COMBINED", "with water supply": "WITH_WATER"}


class IllicitConnectionsAlgorithm(PipeNetAlgorithm):
    """Storm/sewer cross-connections and the flow paths they open."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "illicitconnections"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Illicit connections (雨污混接)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Finds storm/sewer cross-connections:<br>1. <b>cross_connection</b>: a pipe of one system "
            "discharging into a node or pipe of another, classed sanitary→storm, storm→sanitary, with "
            "combined, with water supply.<br>2. <b>sewage_to_storm_outfall</b>: the connection through "
            "which sanitary pipes reach a storm outfall (direct discharge), with the outfall and the "
            "sanitary length behind it; <b>storm_to_plant</b>: storm pipes reaching a treatment plant.<br>"
            "3. <b>inlet_on_sanitary</b>: catch basins / inlets on (or within the evidence distance "
            "of) a sanitary pipe; <b>sanitary_near_storm</b>: sanitary manholes within the evidence "
            "distance of a storm pipe they do not join.<br>Output: findings in the PipeNet schema; "
            "counts per class in the results.<br><br>"
            "雨污混接检查：1. 跨系统连接（污水接入雨水、雨水接入污水、与合流管/给水管连接）；"
            "2. 污水经雨水排放口直排、雨水进入污水厂，指出需整改的接口及到达的出口；"
            "3. 雨水口接入污水管、污水检查井邻近雨水管等现场证据。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterNumber(
            "EVIDENCE_DISTANCE", self.tr("Evidence distance for inlets and manholes (metres)"),
            QgsProcessingParameterNumber.Double, 5.0, minValue=0.0))
        self.add_sink("OUTPUT_FINDINGS", self.tr("Illicit connection findings"), QgsProcessing.TypeVectorPoint)
        for key, label in (("SANITARY_TO_STORM", tr_noop("Sanitary→storm connections")),
                           ("STORM_TO_SANITARY", tr_noop("Storm→sanitary connections")),
                           ("WITH_COMBINED", tr_noop("Connections with combined sewers")),
                           ("WITH_WATER", tr_noop("Connections with water supply")),
                           ("DIRECT_DISCHARGES", tr_noop("Connections sending sewage to a storm outfall")),
                           ("INLETS_ON_SANITARY", tr_noop("Inlets on sanitary pipes"))):
            self.addOutput(QgsProcessingOutputNumber(key, self.tr(label)))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        result = run.network.illicit_connections(self.parameterAsDouble(parameters, "EVIDENCE_DISTANCE", context))
        counts = self.findings_summary(result.findings)
        for kind, count in result.cross_by_class.items():
            feedback.pushInfo(f"  {kind}: {count}")
        for check, count in counts.items():
            feedback.pushInfo(f"  {check}: {count}")
        outputs = {"OUTPUT_FINDINGS": self.write_findings(run, result.findings, parameters, context),
                   "DIRECT_DISCHARGES": counts.get("sewage_to_storm_outfall", 0),
                   "INLETS_ON_SANITARY": counts.get("inlet_on_sanitary", 0)}
        for kind, key in RESULT_KEYS.items():
            outputs[key] = result.cross_by_class.get(kind, 0)
        return outputs
