"""pipenet:conditionscore: CJJ 181-2012 segment indices and grades, NASSCO PACP ratings, per pipe."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ...network.audit import score_network
from ..base import PipeNetAlgorithm
from ..inputs.observations import read_defects

CONDITION_FIELDS = [("pn_s", "double"), ("pn_f", "double"), ("pn_sm", "double"), ("pn_ri", "double"),
                    ("pn_y", "double"), ("pn_g", "double"), ("pn_mi", "double"), ("pn_sgrade", "string"),
                    ("pn_fgrade", "string"), ("pn_rgrade", "string"), ("pn_mgrade", "string"),
                    ("pn_pacp_s", "int"), ("pn_pacp_om", "int"), ("pn_pacp", "int"), ("pn_pacp_idx", "double"),
                    ("pn_quick", "string"), ("pn_defects", "int")]
NAMES = ["S", "F", "SM", "RI", "Y", "G", "MI", "structural_grade", "functional_grade", "repair_grade",
         "maintenance_grade", "pacp_structural", "pacp_om", "pacp_overall", "pacp_index", "quick_rating", "defects"]


class ConditionScoreAlgorithm(PipeNetAlgorithm):
    """Score every inspected pipe from its CCTV defects."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "conditionscore"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Condition scores (CJJ 181 / PACP)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Scores each pipe from CCTV defect records (points near the pipes, or a table with a pipe id and the "
            "distance along the pipe), coded in CJJ 181-2012 (PL BX FS CK QF TJ TL AJ CR SL / CJ JG ZW CQ SG FZ, "
            "grades 1-4) or NASSCO PACP (grades 1-5).<br><b>Output</b>: pipes with CJJ 181 structural S, F, "
            "SM, repair index RI and functional Y, G, maintenance index MI with grades Ⅰ-Ⅳ, and PACP "
            "structural / O&M / overall ratings, rating index and quick rating. Unknown codes are reported as "
            "findings, never dropped silently. <b>Area importance K</b> enters RI and MI (10/6/3/0). The score "
            "tables are the data file network/data/defect_codes.json.<br><br>"
            "管道状况评估：按 CJJ 181-2012 计算结构性 S、F、SM、修复指数 RI 和功能性 Y、G、养护指数 MI 及等级，"
            "并计算 NASSCO PACP 评分与快速评级；未知缺陷代码单独报告。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEFECTS", self.tr("CCTV defects (points or table)"), [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterNumber(
            "AREA_IMPORTANCE", self.tr("Area importance K (0, 3, 6 or 10)"), QgsProcessingParameterNumber.Double,
            0.0, minValue=0.0, maxValue=10.0))
        self.add_sink("OUTPUT_PIPES", self.tr("Pipes with condition scores"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_FINDINGS", self.tr("Defect findings"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputNumber("SCORED_PIPES", self.tr("Pipes scored")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        source = self.parameterAsSource(parameters, "DEFECTS", context)
        defects = read_defects(source, "DEFECTS", run, context, feedback,
                               bulk=self.observations_in_bulk(parameters, "DEFECTS", context, source, run))
        scored, findings = score_network(run.network, defects,
                                         self.parameterAsDouble(parameters, "AREA_IMPORTANCE", context))
        pipes = self.write_pipes(run, parameters, context, feedback, CONDITION_FIELDS,
                                 lambda r: [[getattr(scored[r.pipe_id], n) for n in NAMES]
                                            if r.pipe_id in scored else [None] * len(NAMES)])
        return {"OUTPUT_PIPES": pipes, "OUTPUT_FINDINGS": self.write_findings(run, findings, parameters, context),
                "SCORED_PIPES": len(scored)}
