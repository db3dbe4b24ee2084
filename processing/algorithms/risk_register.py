"""pipenet:riskregister: 风险清单 — likelihood × consequence per pipe, as a layer and a CSV."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...network.audit import risk_register, score_network
from ...network.scoring.risk import RiskWeights
from ..base import PipeNetAlgorithm
from ..inputs.observations import read_defects
from ..report.audit_report import write_risk_csv
from ..runtime.compat import set_advanced, tr_noop

WEIGHT_PARAMETERS = [("W_CONDITION", "condition", tr_noop("Weight of condition grade (likelihood)")),
                     ("W_AGE", "age", tr_noop("Weight of age (likelihood)")),
                     ("W_MATERIAL", "material", tr_noop("Weight of material (likelihood)")),
                     ("W_DEFECTS", "defects", tr_noop("Weight of defect count (likelihood)")),
                     ("W_DIAMETER", "diameter", tr_noop("Weight of diameter (consequence)")),
                     ("W_UPSTREAM", "upstream", tr_noop("Weight of upstream length served (consequence)")),
                     ("W_SYSTEM", "system", tr_noop("Weight of system (consequence)")),
                     ("SERVICE_LIFE", "service_life_years", tr_noop("Service life (years)")),
                     ("CURRENT_YEAR", "current_year", tr_noop("Current year"))]


class RiskRegisterAlgorithm(PipeNetAlgorithm):
    """Rank every pipe by risk for a manager's worklist."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "riskregister"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Risk register (风险清单)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Ranks every pipe by risk = likelihood of failure × consequence of failure (each 1-5). "
            "Likelihood weighs the CJJ 181 structural grade (from the optional CCTV defects), age against the "
            "service life, material and the number of defects; consequence weighs diameter, the pipe length "
            "upstream that the pipe serves, and the system (sewage and combined above storm). Missing data "
            "count as average, never as good. Classes: low < 5 ≤ medium < 10 ≤ high < 16 ≤ very high. The "
            "weights are advanced parameters; defaults: likelihood 0.5 condition, 0.25 age, 0.1 material, "
            "0.15 defects; consequence 0.4 diameter, 0.4 upstream, 0.2 system.<br><b>Outputs</b>: pipes with "
            "pn_lof, pn_cof, pn_risk, pn_risk_cls, pn_reasons, and a ranked CSV a manager can open.<br><br>"
            "风险清单：风险 = 失效可能性 × 失效后果（各 1-5 分）。可能性综合结构等级、管龄、材质和缺陷数量；后果综合"
            "管径、上游服务管长和管网类别；缺失数据按平均值计。输出含风险等级的管段图层和排序后的 CSV。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEFECTS", self.tr("CCTV defects (optional)"), [QgsProcessing.TypeVector], optional=True))
        defaults = RiskWeights()
        for key, attribute, label in WEIGHT_PARAMETERS:
            self.addParameter(set_advanced(QgsProcessingParameterNumber(
                key, self.tr(label), QgsProcessingParameterNumber.Double, float(getattr(defaults, attribute)),
                minValue=0.0)))
        self.add_sink("OUTPUT_PIPES", self.tr("Pipes with risk"), QgsProcessing.TypeVectorLine)
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_CSV", self.tr("Risk register (CSV)"), "CSV (*.csv)", optional=True, createByDefault=True))
        self.addOutput(QgsProcessingOutputNumber("HIGH_RISK", self.tr("High and very high risk pipes")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        values = {attribute: self.parameterAsDouble(parameters, key, context)
                  for key, attribute, _ in WEIGHT_PARAMETERS}
        values["current_year"] = int(values["current_year"])
        weights = RiskWeights(**values)
        condition = {}
        defects_source = self.parameterAsSource(parameters, "DEFECTS", context)
        if defects_source is not None:
            bulk = self.observations_in_bulk(parameters, "DEFECTS", context, defects_source, run)
            condition, _ = score_network(run.network, read_defects(defects_source, "DEFECTS", run, context, feedback,
                                                                   bulk=bulk))
        risk = risk_register(run.network, condition, weights)
        if risk.note:
            feedback.pushWarning(risk.note)
        fields = [("pn_lof", "double"), ("pn_cof", "double"), ("pn_risk", "double"), ("pn_risk_cls", "string"),
                  ("pn_reasons", "string")]
        pipes = self.write_pipes(run, parameters, context, feedback, fields,
                                 lambda r: self._row(risk.get(r.pipe_id)), style="risk")
        csv_path = self.parameterAsFileOutput(parameters, "OUTPUT_CSV", context)
        if csv_path:
            write_risk_csv(risk, run.network.table(), csv_path)
        return {"OUTPUT_PIPES": pipes, "OUTPUT_CSV": csv_path,
                "HIGH_RISK": sum(count for name, count in risk.class_counts().items() if name in ("high", "very high"))}

    @staticmethod
    def _row(risk) -> list:
        if risk is None:
            return [[None] * 5]
        return [[risk.likelihood, risk.consequence, risk.risk, risk.risk_class, ", ".join(risk.reasons)]]
