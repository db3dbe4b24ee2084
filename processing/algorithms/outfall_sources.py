"""pipenet:outfallsources: IDDE — where the dry-weather flow at a storm outfall comes from."""

from __future__ import annotations

from qgis.core import (
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...network.build.fields import find_field, is_null
from ...network.checks.idde import outfall_sources
from ..base import PipeNetAlgorithm
from ..inputs.observations import DEFECT_CODE, DEFECT_PIPE
from ..trace_common import resolve_nodes

CANDIDATE_COLUMNS = [("outfall", "string"), ("rank", "int"), ("node", "string"), ("score", "int"),
                     ("evidence", "string"), ("up_len_m", "double")]
PLAN_COLUMNS = [("outfall", "string"), ("step", "int"), ("node", "string"), ("parent_step", "int"),
                ("if_parent", "string"), ("remaining_m", "double"), ("upstream_m", "double")]


class OutfallSourcesAlgorithm(PipeNetAlgorithm):
    """Candidate sources and a bisection inspection plan for outfalls flowing in dry weather."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "outfallsources"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Dry-weather outfall: find the source (IDDE)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "For storm outfalls seen flowing in dry weather, traces up the storm network and lists the "
            "places where sewage may enter, best first: cross-system connections (score 3), AJ 支管暗接 "
            "defects on storm pipes when a defect layer is given (score 2), sanitary manholes within the "
            "evidence distance of a storm pipe (score 1); ties go to the larger upstream length.<br>"
            "<b>Inspection plan</b>: the manhole to open first splits the upstream candidate length in two; "
            "the next one depends on whether flow is seen there (if_parent = flowing / dry), and so on. "
            "EXPECTED_INSPECTIONS is the average number of manholes to open, the source being equally "
            "likely anywhere along the pipes.<br><b>Outfalls</b>: node ids, or points (nearest node).<br>"
            "<b>Defects</b>: CCTV records with a pipe id field and a defect code field (AJ).<br><br>"
            "旱天排口溯源：从旱天有水的雨水排放口沿雨水管网向上游追踪，按证据列出可能的污水来源"
            "（跨系统连接、支管暗接 AJ 缺陷、邻近雨水管的污水井），并给出二分法开井排查计划："
            "每次开井将剩余可疑管长减半，根据是否见水决定下一口井；给出期望开井次数。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterString(
            "OUTFALLS", self.tr("Outfalls flowing in dry weather (node ids)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "OUTFALL_POINTS", self.tr("Or outfall points"), [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "OUTFALL_DISTANCE", self.tr("Largest distance from an outfall point to its node (metres)"),
            QgsProcessingParameterNumber.Double, 10.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEFECTS", self.tr("CCTV defects (optional)"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterField(
            "DEFECT_PIPE_FIELD", self.tr("Defect pipe id field"), parentLayerParameterName="DEFECTS", optional=True))
        self.addParameter(QgsProcessingParameterField(
            "DEFECT_CODE_FIELD", self.tr("Defect code field"), parentLayerParameterName="DEFECTS", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "EVIDENCE_DISTANCE", self.tr("Sanitary manhole evidence distance (metres)"),
            QgsProcessingParameterNumber.Double, 5.0, minValue=0.0))
        self.add_sink("OUTPUT_CANDIDATES", self.tr("Candidate sources"), QgsProcessing.TypeVectorPoint)
        self.add_sink("OUTPUT_PLAN", self.tr("Inspection plan"), QgsProcessing.TypeVectorPoint)
        self.add_sink("OUTPUT_PIPES", self.tr("Storm pipes upstream"), QgsProcessing.TypeVectorLine)
        self.addOutput(QgsProcessingOutputNumber("CANDIDATE_COUNT", self.tr("Candidate sources")))
        self.addOutput(QgsProcessingOutputNumber("EXPECTED_INSPECTIONS", self.tr("Expected inspections")))
        self.addOutput(QgsProcessingOutputString("FIRST_INSPECTIONS", self.tr("Manhole to open first")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        outfalls = resolve_nodes(self, run, parameters, context, "OUTFALLS", "OUTFALL_POINTS", "OUTFALL_DISTANCE")
        aj_pipes = self._aj_pipes(parameters, context)
        distance = self.parameterAsDouble(parameters, "EVIDENCE_DISTANCE", context)
        searches = [outfall_sources(run.network.graph, outfall, run.network.pipe_coords, aj_pipes, distance)
                    for outfall in outfalls]
        graph = run.network.graph
        candidates, plan, pipe_rows = [], [], {}
        for search in searches:
            for rank, candidate in enumerate(search.candidates, start=1):
                candidates.append(([search.outfall, rank, candidate.node, candidate.score,
                                    "; ".join(candidate.evidence), round(candidate.upstream_length, 1)],
                                   candidate.xy))
            for step in search.plan:
                data = graph.nodes[step.node]
                plan.append(([search.outfall, step.step, step.node, step.parent, step.outcome,
                              step.remaining_length, step.upstream_length], (data["x"], data["y"])))
            for key in search.storm_pipes:
                pipe_rows.setdefault(key, []).append([search.outfall])
            feedback.pushInfo(self.tr("Outfall {}: {:.0f} m of storm pipe upstream, {} candidates, "
                                      "{} inspections expected").format(
                search.outfall, search.total_length, len(search.candidates), search.expected_inspections))
        first = ", ".join(f"{s.outfall}: {s.plan[0].node}" for s in searches if s.plan)
        return {
            "OUTPUT_CANDIDATES": self.write_points(run, parameters, "OUTPUT_CANDIDATES", context,
                                                   CANDIDATE_COLUMNS, candidates),
            "OUTPUT_PLAN": self.write_points(run, parameters, "OUTPUT_PLAN", context, PLAN_COLUMNS, plan),
            "OUTPUT_PIPES": self.write_pipes(run, parameters, context, feedback, [("pn_outfall", "string")],
                                             lambda r: pipe_rows.get(r.pipe_id, [])),
            "CANDIDATE_COUNT": len(candidates),
            "EXPECTED_INSPECTIONS": max((s.expected_inspections for s in searches), default=0.0),
            "FIRST_INSPECTIONS": first,
        }

    def _aj_pipes(self, parameters, context) -> set[str]:
        """Pipe ids with an AJ (支管暗接, hidden branch connection) defect."""
        defects = self.parameterAsSource(parameters, "DEFECTS", context)
        if defects is None:
            return set()
        names = defects.fields().names()
        pipe_field = (self.parameterAsFields(parameters, "DEFECT_PIPE_FIELD", context) or [None])[0] or \
            find_field(names, DEFECT_PIPE)
        code_field = (self.parameterAsFields(parameters, "DEFECT_CODE_FIELD", context) or [None])[0] or \
            find_field(names, DEFECT_CODE)
        if not pipe_field or not code_field:
            raise QgsProcessingException(self.tr(
                "Layer DEFECTS: set DEFECT_PIPE_FIELD and DEFECT_CODE_FIELD (fields: {}).").format(", ".join(names)))
        found = set()
        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
        for feature in defects.getFeatures(request):
            code, pipe = feature[code_field], feature[pipe_field]
            if is_null(code) or is_null(pipe):
                continue
            if str(code).strip().upper().startswith("AJ") or "支管暗接" in str(code):
                found.add(str(pipe).strip())
        return found
