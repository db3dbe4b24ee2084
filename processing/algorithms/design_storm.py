"""pipenet:designstorm: a Chicago design storm (芝加哥雨型) from the city's storm formula, as a table per time step."""

from __future__ import annotations

from qgis.core import QgsProcessing, QgsProcessingOutputNumber

from ..base import PipeNetAlgorithm
from ..storm_common import StormParameters

STORM_COLUMNS = [("step", "int"), ("start_min", "double"), ("end_min", "double"), ("depth_mm", "double"),
                 ("cum_mm", "double"), ("i_mm_min", "double"), ("i_mm_h", "double"), ("q_l_s_ha", "double")]


class DesignStormAlgorithm(StormParameters, PipeNetAlgorithm):
    """Keifer-Chu hyetograph: every step's depth from the formula, the total the formula's depth."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "designstorm"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Design storm (Chicago hyetograph)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "A Chicago design storm (Keifer & Chu) from the city's storm formula q = 167·A1·(1 + C·lg P) / (t + b)^n: "
            "rain depth and intensity per time step for the return period, duration and peak position r (0.3-0.5 "
            "is usual in China). The steps add up to the formula's depth for the duration. Write the table as CSV "
            "by giving a .csv file; exportswmm uses the same storm as the model's rain gauge.<br><br>"
            "设计暴雨（芝加哥雨型）：由暴雨强度公式生成指定重现期、历时和雨峰系数的逐时段雨量与雨强表，"
            "总雨量等于公式在该历时内的雨量。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_formula_parameters()
        self.add_storm_shape_parameters()
        self.add_sink("OUTPUT", self.tr("Design storm table (per time step)"), QgsProcessing.TypeVector)
        self.addOutput(QgsProcessingOutputNumber("TOTAL_DEPTH", self.tr("Total rain depth (mm)")))
        self.addOutput(QgsProcessingOutputNumber("PEAK_MM_H", self.tr("Peak intensity (mm/h)")))

    def process(self, parameters, context, feedback):
        formula = self.formula(parameters, context)
        storm = self.design_storm(formula, parameters, context)
        cumulative = storm.depth.cumsum()
        rows = ([step + 1, round(float(a), 3), round(float(b), 3), round(float(d), 4), round(float(c), 4),
                 round(float(i), 5), round(float(h), 3), round(float(q), 3)]
                for step, (a, b, d, c, i, h, q) in enumerate(zip(storm.start, storm.end, storm.depth, cumulative,
                                                                 storm.mm_per_min, storm.mm_per_hour, storm.l_s_ha)))
        dest = self.write_table(parameters, "OUTPUT", context, STORM_COLUMNS, rows)
        feedback.pushInfo(self.tr("{} steps, {:.2f} mm in total, peak {:.1f} mm/h.").format(
            len(storm.depth), storm.total, float(storm.mm_per_hour.max())))
        return {"OUTPUT": dest, "TOTAL_DEPTH": storm.total, "PEAK_MM_H": float(storm.mm_per_hour.max())}
