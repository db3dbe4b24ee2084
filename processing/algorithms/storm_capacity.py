"""pipenet:stormcapacity: design flow, full-pipe capacity, load and the return period each storm pipe carries."""

from __future__ import annotations

import numpy as np
from qgis.core import (
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsVectorLayer,
)

from ...network import PipeNetInputError
from ...network.capacity.manning import load_table
from ...network.capacity.storm import storm_capacity
from ..base import PipeNetAlgorithm
from ..report.storm_report import capacity_map
from ..runtime.compat import set_advanced
from ..storm_common import StormParameters

CAPACITY_FIELDS = [("pn_q_design", "double"), ("pn_q_full", "double"), ("pn_load", "double"),
                   ("pn_capacity_p", "double"), ("pn_capacity_cls", "string"), ("pn_area_ha", "double"),
                   ("pn_psi", "double"), ("pn_tc_min", "double"), ("pn_manning_n", "double"),
                   ("pn_slope", "double"), ("pn_velocity", "double")]
CATCHMENT_FIELDS = [("pn_node", "string"), ("pn_area_ha", "double"), ("pn_psi", "double")]


class StormCapacityAlgorithm(StormParameters, PipeNetAlgorithm):
    """The rational method of GB 50014-2021 over the storm network."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "stormcapacity"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Storm capacity (rational method, GB 50014)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "For every storm (and combined) pipe: the design flow Q = ψ·q·F by the rational method of GB 50014-2021 "
            "with the city's storm formula q = 167·A1·(1 + C·lg P) / (t + b)^n, the full-pipe capacity by Manning "
            "(n from the material, slope from the inverts), the load Q / Q_full and the return period the pipe "
            "can carry (pn_capacity_p, years, solved from the formula) with its class (<1, 1-2, 2-3, 3-5, >=5). "
            "F is the area of the sub-catchments upstream: a polygon layer, or Thiessen polygons of the storm "
            "manholes; ψ from a land-use layer (GB 50014 table) or one coefficient. t = t1 + Σ L/v along the "
            "longest path above the pipe. Pipes without inverts are reported, not guessed; areas above 2 km² are "
            "flagged. OUTPUT_MAP draws the pipes by class as a PNG map, OUTPUT_PROJECT saves them styled as a "
            "QGIS project. See docs/storm-capacity.md.<br><br>"
            "雨水管渠能力评估：按 GB 50014-2021 推理公式法计算每段雨水管的设计流量、满管流量（曼宁公式）、"
            "负荷比及可承受的暴雨重现期（由暴雨强度公式反算）并分级；汇水面积取上游子汇水区（给定多边形或"
            "检查井泰森多边形），径流系数按用地类型或统一取值；可输出按等级着色的 PNG 地图和 QGIS 工程。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.add_formula_parameters()
        self.addParameter(QgsProcessingParameterNumber(
            "INLET_TIME", self.tr("Inlet time t1 (minutes, ground surface to the first manhole)"),
            QgsProcessingParameterNumber.Double, 10.0, minValue=0.0))
        self.add_catchment_parameters()
        self.addParameter(set_advanced(QgsProcessingParameterFile(
            "MANNING_TABLE", self.tr("Material -> Manning n table (CSV/JSON; empty: GB 50014 table 5.2.3)"),
            optional=True, fileFilter="CSV / JSON (*.csv *.json *.CSV *.JSON)")))
        self.add_sink("OUTPUT_PIPES", self.tr("Pipes with storm capacity"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_CATCHMENTS", self.tr("Sub-catchments"), QgsProcessing.TypeVectorPolygon)
        self.add_sink("OUTPUT_FINDINGS", self.tr("Capacity findings"), QgsProcessing.TypeVectorPoint)
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_MAP", self.tr("Capacity map (PNG)"), fileFilter="PNG (*.png)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_PROJECT", self.tr("Styled QGIS project of the capacity map (.qgz; needs the pipes in a file)"),
            fileFilter="QGIS project (*.qgz)", optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("UNDER_CAPACITY", self.tr("Storm pipes below the design standard")))
        self.addOutput(QgsProcessingOutputNumber("STORM_PIPES", self.tr("Storm pipes assessed")))

    def process(self, parameters, context, feedback):
        formula = self.formula(parameters, context)
        period = self.parameterAsDouble(parameters, "RETURN_PERIOD", context)
        run = self.build_from_parameters(parameters, context, feedback)
        table = run.network.table()
        catchments = self.catchments(run, parameters, context, feedback)
        area, psi_area = catchments.node_totals(table.names, table.index)
        manning_path = self.parameterAsFile(parameters, "MANNING_TABLE", context)
        try:
            overrides = load_table(manning_path) if manning_path else None
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        result = storm_capacity(table, formula, area, psi_area, period,
                                self.parameterAsDouble(parameters, "INLET_TIME", context), overrides)
        under = int(np.count_nonzero(result.period < period))
        feedback.pushInfo(self.tr("Storm formula {}: q = 167·{:g}·(1 + {:g}·lg P) / (t + {:g})^{:g}; P = {:g} years; "
                                  "{} storm pipes, {} below the standard; {} sub-catchments, {:.1f} ha.").format(
            formula.name, formula.a1, formula.c, formula.b, formula.n, period, int(result.storm.sum()), under,
            len(catchments.nodes), float(np.nansum(catchments.area_ha))))
        pipes = self.write_pipes(run, parameters, context, feedback, CAPACITY_FIELDS,
                                 extra_columns=lambda rows: _columns(result, rows), style="capacity")
        cells = zip(catchments.nodes, catchments.polygons, catchments.area_ha.tolist(), catchments.psi.tolist())
        written = self.write_polygons(run, parameters, "OUTPUT_CATCHMENTS", context, CATCHMENT_FIELDS,
                                      (([node, round(a, 4), round(p, 3)], shape) for node, shape, a, p in cells))
        findings = self.write_findings(run, result.findings, parameters, context)
        outputs = {"OUTPUT_PIPES": pipes, "OUTPUT_CATCHMENTS": written, "OUTPUT_FINDINGS": findings,
                   "UNDER_CAPACITY": under, "STORM_PIPES": int(result.storm.sum())}
        png = self.parameterAsFileOutput(parameters, "OUTPUT_MAP", context)
        project = self.parameterAsFileOutput(parameters, "OUTPUT_PROJECT", context)
        if png or project:
            title = self.tr("Storm capacity (GB 50014): {:,} of {:,} storm pipes carry less than P = {:g} "
                            "years").format(under, int(result.storm.sum()), period)
            outputs.update(self._map(pipes, png, project, title, run, context, feedback))
        return outputs

    def _map(self, pipes, png: str, project: str, title: str, run, context, feedback) -> dict:
        """The pipes by capacity class as a PNG (and a styled project when the pipes are in a file)."""
        if pipes is None:
            raise QgsProcessingException(self.tr("The capacity map draws OUTPUT_PIPES: give it a destination."))
        for jobs in self.background:  # the pipes' last writes, before they are read back
            jobs.wait_all()
        written = QgsProcessingUtils.mapLayerFromString(pipes, context)
        if written is None or not written.isValid():
            raise QgsProcessingException(self.tr("Could not read back the pipes written to {}.").format(pipes))
        in_memory = written.providerType() == "memory"
        # a layer of its own: the map's project owns (and deletes) its layers, the context owns the output
        layer = written.materialize(QgsFeatureRequest()) if in_memory else \
            QgsVectorLayer(written.source(), written.name(), written.providerType())
        if in_memory and project:
            feedback.pushWarning(self.tr("No project written: its pipes layer would be a temporary one. Write "
                                         "OUTPUT_PIPES to a file (e.g. a GeoPackage) for OUTPUT_PROJECT."))
            project = ""
        capacity_map(layer, png or None, project or None, title, run.frame.output_crs)
        return {key: value for key, value in (("OUTPUT_MAP", png), ("OUTPUT_PROJECT", project)) if value}


def _columns(result, rows: np.ndarray) -> list:
    classes = np.asarray(result.classes, dtype=object)
    return [np.round(result.q_design[rows], 2), np.round(result.q_full[rows], 2), np.round(result.load[rows], 3),
            np.round(np.where(np.isinf(result.period[rows]), 1e6, result.period[rows]), 3), classes[rows],
            np.round(result.area_ha[rows], 4), np.round(result.psi[rows], 3), np.round(result.minutes[rows], 2),
            result.n[rows], np.round(result.slope[rows], 5), np.round(result.velocity[rows], 3)]
