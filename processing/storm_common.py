"""What the storm algorithms share: the storm formula's parameters and the sub-catchments (pipenet:stormcapacity,
designstorm, exportswmm, stormsimulation)."""

from __future__ import annotations

from typing import Optional

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from scipy.spatial import cKDTree

from ..network import PipeNetInputError
from ..network.capacity.catchments import Catchments, given, runoff_of, weight_runoff
from ..network.capacity.design_storm import chicago
from ..network.capacity.manning import load_table
from ..network.capacity.rational import StormFormula, load_formulas
from ..network.capacity.storm import storm_catchments, storm_node_positions
from .inputs.polygons import read_polygons, union_of
from .runtime.compat import set_advanced, tr_noop

FORMULA_NUMBERS = (("A1", "a1", tr_noop("Storm formula A1 (mm/min)")), ("C", "c", tr_noop("Storm formula C")),
                   ("B", "b", tr_noop("Storm formula b (minutes)")), ("N", "n", tr_noop("Storm formula n")))


class StormParameters:
    """Mixed into the storm algorithms (before PipeNetAlgorithm)."""

    def add_formula_parameters(self, period: bool = True) -> None:
        """A1, C, B, N or a FORMULA_FILE (and FORMULA_NAME); RETURN_PERIOD when asked."""
        for key, _, label in FORMULA_NUMBERS:
            self.addParameter(QgsProcessingParameterNumber(
                key, self.tr(label), QgsProcessingParameterNumber.Double,
                optional=True))
        self.addParameter(QgsProcessingParameterFile(
            "FORMULA_FILE", self.tr("Or: a CSV/JSON of named city formulas (name, A1, C, B, N)"),
            optional=True, fileFilter="CSV / JSON (*.csv *.json *.CSV *.JSON)"))
        self.addParameter(QgsProcessingParameterString(
            "FORMULA_NAME", self.tr("City formula name in the file (empty: the only or first one)"),
            defaultValue="", optional=True))
        if period:
            self.addParameter(QgsProcessingParameterNumber(
                "RETURN_PERIOD", self.tr("Design return period P (years)"), QgsProcessingParameterNumber.Double,
                3.0, minValue=0.1))

    def formula(self, parameters, context) -> StormFormula:
        """The formula given by A1, C, B, N, or by FORMULA_FILE and FORMULA_NAME."""
        path = self.parameterAsFile(parameters, "FORMULA_FILE", context)
        given_numbers = {attr: self.parameterAsDouble(parameters, key, context) for key, attr, _ in FORMULA_NUMBERS
                         if parameters.get(key) not in (None, "")}
        try:
            if len(given_numbers) == len(FORMULA_NUMBERS):
                return StormFormula(name="A1, C, B, N", **given_numbers)
            if path:
                return self._named_formula(path, self.parameterAsString(parameters, "FORMULA_NAME", context))
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        raise QgsProcessingException(self.tr(
            "Give the city's storm intensity formula q = 167·A1·(1 + C·lg P) / (t + b)^n: all four of A1, C, B "
            "and N, or a FORMULA_FILE (the city's 暴雨强度公式 is published by its meteorological or water "
            "bureau). Missing: {}.").format(", ".join(key for key, attr, _ in FORMULA_NUMBERS
                                                      if attr not in given_numbers)))

    def _named_formula(self, path: str, name: str) -> StormFormula:
        formulas = load_formulas(path)
        if not name:
            return next(iter(formulas.values()))
        if name not in formulas:
            raise QgsProcessingException(self.tr("Formula file {} has no formula named '{}' (it has: {}).").format(
                path, name, ", ".join(formulas)))
        return formulas[name]

    def add_storm_shape_parameters(self) -> None:
        """DURATION, PEAK_POSITION and TIME_STEP."""
        self.addParameter(QgsProcessingParameterNumber(
            "DURATION", self.tr("Duration (minutes)"), QgsProcessingParameterNumber.Double, 120.0, minValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            "PEAK_POSITION", self.tr("Peak position r (0-1)"), QgsProcessingParameterNumber.Double, 0.4,
            minValue=0.0, maxValue=1.0))
        self.addParameter(QgsProcessingParameterNumber(
            "TIME_STEP", self.tr("Time step (minutes)"), QgsProcessingParameterNumber.Double, 5.0, minValue=0.1))

    def design_storm(self, formula: StormFormula, parameters, context):
        """The Chicago storm of RETURN_PERIOD, DURATION, PEAK_POSITION and TIME_STEP."""
        try:
            return chicago(formula, self.parameterAsDouble(parameters, "RETURN_PERIOD", context),
                           self.parameterAsDouble(parameters, "DURATION", context),
                           self.parameterAsDouble(parameters, "PEAK_POSITION", context),
                           self.parameterAsDouble(parameters, "TIME_STEP", context))
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None

    def add_catchment_parameters(self) -> None:
        """CATCHMENTS (and the node each drains to), STUDY_AREA, LANDUSE and the runoff coefficient."""
        polygon = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(QgsProcessingParameterFeatureSource(
            "CATCHMENTS", self.tr("Sub-catchments (polygons; empty: Thiessen polygons of the storm manholes)"),
            polygon, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "CATCHMENT_NODE_FIELD", self.tr("Node each sub-catchment drains to (empty: the nearest storm node)"),
            parentLayerParameterName="CATCHMENTS", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "STUDY_AREA", self.tr("Study area the Thiessen polygons are clipped to (empty: a buffer of the nodes)"),
            polygon, optional=True))
        self.addParameter(set_advanced(QgsProcessingParameterNumber(
            "CATCHMENT_RADIUS", self.tr("Thiessen polygons without a study area: at most this far from their node (m)"),
            QgsProcessingParameterNumber.Double, 50.0, minValue=1.0)))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "LANDUSE", self.tr("Land use / surface polygons (optional)"), polygon, optional=True))
        self.addParameter(QgsProcessingParameterField(
            "LANDUSE_FIELD", self.tr("Land-use class or runoff coefficient field"),
            parentLayerParameterName="LANDUSE", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "RUNOFF_COEFFICIENT", self.tr("Runoff coefficient ψ (where no land use covers)"),
            QgsProcessingParameterNumber.Double, 0.6, minValue=0.0, maxValue=1.0))
        self.addParameter(set_advanced(QgsProcessingParameterFile(
            "RUNOFF_TABLE", self.tr("Land-use class -> ψ table (CSV/JSON; empty: GB 50014 table 4.1.6)"),
            optional=True, fileFilter="CSV / JSON (*.csv *.json *.CSV *.JSON)")))

    def catchments(self, run, parameters, context, feedback) -> Catchments:
        """The sub-catchments in the working CRS, their nodes, areas and ψ."""
        table = run.network.table()
        source = self.parameterAsSource(parameters, "CATCHMENTS", context)
        if source is not None:
            field = self._field_name(parameters, "CATCHMENT_NODE_FIELD", context)
            polygons = read_polygons(source, run.frame, context, field)
            nodes = [str(value) if value is not None else None for _, value in polygons] if field else \
                self._nearest_nodes(table, [shape for shape, _ in polygons])
            unknown = sorted({n for n in nodes if n not in table.index})
            if unknown:
                feedback.pushWarning(self.tr("{} sub-catchments drain to nodes not in the network ({}...): "
                                             "left out.").format(len(unknown), ", ".join(map(str, unknown[:5]))))
            result = given(nodes, [shape for shape, _ in polygons])
        else:
            area_source = self.parameterAsSource(parameters, "STUDY_AREA", context)
            area = union_of(read_polygons(area_source, run.frame, context)) if area_source is not None else None
            result = storm_catchments(table, area, self.parameterAsDouble(parameters, "CATCHMENT_RADIUS", context))
        self._weight(result, run, parameters, context)
        return result

    def _weight(self, result: Catchments, run, parameters, context) -> None:
        psi = self.parameterAsDouble(parameters, "RUNOFF_COEFFICIENT", context)
        landuse = self.parameterAsSource(parameters, "LANDUSE", context)
        if landuse is None:
            result.psi = np.full(len(result.nodes), psi)
            return
        table_path = self.parameterAsFile(parameters, "RUNOFF_TABLE", context)
        try:
            overrides = load_table(table_path, ("psi", "ψ", "runoff", "径流系数")) if table_path else None
        except PipeNetInputError as error:
            raise QgsProcessingException(str(error)) from None
        field = self._field_name(parameters, "LANDUSE_FIELD", context)
        polygons = read_polygons(landuse, run.frame, context, field)
        weight_runoff(result, [(shape, runoff_of(value, overrides, psi)) for shape, value in polygons], psi)

    def _field_name(self, parameters, key, context) -> Optional[str]:
        names = self.parameterAsFields(parameters, key, context)
        return names[0] if names else None

    @staticmethod
    def _nearest_nodes(table, shapes) -> list:
        storm = storm_nodes(table)
        if not len(storm):
            return [None] * len(shapes)
        tree = cKDTree(table.node_coordinates()[storm])
        points = np.array([list(shape.representative_point().coords[0]) for shape in shapes]).reshape(-1, 2)
        _, nearest = tree.query(points)
        return [table.names[storm[i]] for i in np.atleast_1d(nearest).tolist()]


storm_nodes = storm_node_positions  # the nodes sub-catchments drain to (capacity/storm.py)
