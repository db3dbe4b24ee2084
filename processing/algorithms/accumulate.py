"""pipenet:accumulate: upstream length, manholes and any summed attribute for every pipe."""

from __future__ import annotations

from qgis.core import QgsFeatureRequest, QgsProcessing, QgsProcessingException, QgsProcessingParameterField

from ...network.build.fields import parse_number
from ..base import PipeNetAlgorithm


class AccumulateAlgorithm(PipeNetAlgorithm):
    """One pass over the directed network, loops reported and counted once."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "accumulate"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Accumulate upstream (length, manholes, values)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "For every pipe, sums what lies upstream of it (the pipe itself included) in one pass over "
            "the directed network: pn_up_len (upstream pipe length, m), pn_up_nodes (upstream manholes "
            "and junctions) and pn_up_sum (sum of the chosen numeric pipe field, e.g. households, "
            "area, design flow). Where flow splits and joins again nothing is counted twice; loops "
            "are reported as findings and counted once.<br><br>"
            "上游累计：一次遍历有向管网，为每条管段统计上游管长（米）、上游节点数及所选数值字段"
            "（如户数、汇水面积、设计流量）之和。环流单独报告且只计一次。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterField(
            "ACCUMULATE_FIELD", self.tr("Numeric pipe field to sum upstream (optional)"),
            parentLayerParameterName="PIPES", optional=True))
        self.add_sink("OUTPUT_PIPES", self.tr("Pipes with upstream totals"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_FINDINGS", self.tr("Loops"), QgsProcessing.TypeVectorPoint)

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        values = self._values(run, parameters, context)
        result = run.network.accumulate(values)
        if result.findings:
            feedback.pushWarning(self.tr("{} pipes are in flow loops.").format(len(result.findings)))
        pipes = self.write_pipes(
            run, parameters, context, feedback,
            [("pn_up_len", "double"), ("pn_up_nodes", "int"), ("pn_up_sum", "double")],
            lambda r: [[round(result.length[r.pipe_id], 3), result.nodes[r.pipe_id],
                        result.value[r.pipe_id]]] if r.pipe_id in result.length else [[None, None, None]])
        findings = self.write_findings(run, result.findings, parameters, context)
        return {"OUTPUT_PIPES": pipes, "OUTPUT_FINDINGS": findings}

    def _values(self, run, parameters, context) -> dict[str, float]:
        """The chosen field's numbers by pipe id; text that is not a number is an error."""
        names = self.parameterAsFields(parameters, "ACCUMULATE_FIELD", context)
        if not names:
            return {}
        source = run.pipes_source
        request = QgsFeatureRequest().setNoAttributes().setFlags(QgsFeatureRequest.NoGeometry)
        request.setSubsetOfAttributes([names[0]], source.fields())
        values = {}
        for position, feature in enumerate(source.getFeatures(request)):
            raw = feature[names[0]]
            number = parse_number(raw)
            if number is None and raw not in (None, "") and not (hasattr(raw, "isNull") and raw.isNull()):
                raise QgsProcessingException(self.tr(
                    "Layer PIPES, feature {}, field {}: '{}' is not a number.").format(feature.id(), names[0], raw))
            for result in run.network.pipe_results.get(position, []):
                values[result.pipe_id] = number or 0.0
        return values
