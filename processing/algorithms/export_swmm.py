"""pipenet:exportswmm: the storm network as an EPA SWMM 5 model with sub-catchments and a design storm."""

from __future__ import annotations

import numpy as np
from qgis.core import QgsProcessingOutputNumber, QgsProcessingParameterFileDestination

from ...network.capacity.manning import roughness
from ...network.io.swmm_export import write_swmm
from ..base import PipeNetAlgorithm
from ..storm_common import StormParameters


class ExportSwmmAlgorithm(StormParameters, PipeNetAlgorithm):
    """Junctions, outfalls, conduits, sub-catchments and a Chicago design storm as a .inp file."""

    GROUP_ID = "data"

    def name(self) -> str:
        return "exportswmm"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Export to SWMM (.inp)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Writes the storm (and combined) network as an EPA SWMM 5 model in metres and m³/s: junctions with "
            "invert and depth to the ground, outfalls (ends with no pipe out), circular "
            "conduits with length, Manning n from the material and offsets from the inverts, sub-catchments "
            "(polygons or Thiessen, % impervious from ψ) and a rain gauge with a Chicago design storm from the "
            "city's formula. Coordinates are the working CRS (metres). What had to be assumed is logged. "
            "pipenet:importswmm reads the file back.<br><br>"
            "导出 SWMM 模型：将雨水管网连同子汇水区与芝加哥设计暴雨写为 EPA SWMM 5 的 .inp 文件。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.add_formula_parameters()
        self.add_storm_shape_parameters()
        self.add_catchment_parameters()
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", self.tr("SWMM model (.inp)"), fileFilter="SWMM input (*.inp)"))
        for key, label in (("CONDUITS", self.tr("Conduits written")), ("SUBCATCHMENTS", self.tr("Sub-catchments"))):
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def process(self, parameters, context, feedback):
        formula = self.formula(parameters, context)
        storm = self.design_storm(formula, parameters, context)
        run = self.build_from_parameters(parameters, context, feedback)
        table = run.network.table()
        catchments = self.catchments(run, parameters, context, feedback)
        codes, distinct = table.edge_codes("material")
        n = np.append(roughness(distinct), roughness([None]))[codes]
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        written = write_swmm(path, table, n, catchments, storm, title=f"PipeNet export, {formula.name}")
        for assumption in written.assumptions:
            feedback.pushWarning(assumption)
        message = self.tr("{} junctions, {} outfalls, {} conduits, {} sub-catchments; coordinates in {}.")
        feedback.pushInfo(message.format(
            written.junctions, written.outfalls, written.conduits, written.subcatchments,
            run.frame.working_crs.authid() or self.tr("the input's units")))
        return {"OUTPUT": path, "CONDUITS": written.conduits, "SUBCATCHMENTS": written.subcatchments}
