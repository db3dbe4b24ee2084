"""pipenet:hydraulicchecks: slopes, bottlenecks, invert steps, depths, loops and splits."""

from __future__ import annotations

from qgis.core import QgsProcessing, QgsProcessingOutputString, QgsProcessingParameterNumber

from ...network.checks.hydraulics import HydraulicTolerances
from ..base import PipeNetAlgorithm
from ..runtime.compat import tr_noop


class HydraulicChecksAlgorithm(PipeNetAlgorithm):
    """Consistency checks of gravity pipes and manholes."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "hydraulicchecks"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Hydraulic consistency checks")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Checks gravity pipes (storm, sanitary, combined): <b>reverse_slope</b> (recorded "
            "downstream end higher than the upstream end), <b>flat_slope</b> (below the minimum slope, "
            "‰), <b>diameter_decrease</b> (a larger pipe discharging into a smaller one), "
            "<b>outlet_above_inlet</b> (outgoing invert above the lowest incoming invert, beyond the "
            "step tolerance), <b>implausible_depth</b> (ground − invert over the maximum), "
            "<b>cycle</b> (flow loops), <b>multiple_outlets</b> (manholes with more than one outgoing "
            "pipe) and <b>missing_invert</b> (once per pipe, or once for a layer with no inverts at all). "
            "Output: findings.<br><br>"
            "水力一致性检查（重力流管道）：逆坡、小于最小坡度、管径沿下游变小、出水管底高于进水管底、"
            "埋深不合理、环流、一井多出口、缺少管底高程。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        defaults = HydraulicTolerances()
        for key, label, value in (
                ("MIN_SLOPE", tr_noop("Minimum slope (‰)"), defaults.min_slope_permille),
                ("INVERT_STEP", tr_noop("Invert step tolerance at manholes (metres)"), defaults.invert_step_m),
                ("DIAMETER_TOLERANCE", tr_noop("Diameter decrease tolerance (mm)"), defaults.diameter_drop_mm),
                ("MAX_DEPTH", tr_noop("Maximum depth (metres)"), defaults.max_depth_m)):
            self.addParameter(QgsProcessingParameterNumber(
                key, self.tr(label), QgsProcessingParameterNumber.Double, value, minValue=0.0))
        self.add_sink("OUTPUT_FINDINGS", self.tr("Hydraulic findings"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputString("FINDINGS_BY_CHECK", self.tr("Findings per check")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        tolerances = HydraulicTolerances(
            min_slope_permille=self.parameterAsDouble(parameters, "MIN_SLOPE", context),
            invert_step_m=self.parameterAsDouble(parameters, "INVERT_STEP", context),
            diameter_drop_mm=self.parameterAsDouble(parameters, "DIAMETER_TOLERANCE", context),
            max_depth_m=self.parameterAsDouble(parameters, "MAX_DEPTH", context))
        findings = run.network.hydraulic_checks(tolerances)
        counts = self.findings_summary(findings)
        for check, count in counts.items():
            feedback.pushInfo(f"  {check}: {count}")
        return {"OUTPUT_FINDINGS": self.write_findings(run, findings, parameters, context),
                "FINDINGS_BY_CHECK": ", ".join(f"{k}={v}" for k, v in counts.items())}
