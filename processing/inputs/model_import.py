"""Shared body of the model importers: parse the file first, then write pipes and nodes layers."""

from __future__ import annotations

from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ...network.build.fields import normalise_system
from ...network.io.inp import ModelFileError
from ..base import PipeNetAlgorithm
from .layers import add_feature, output_fields


class ModelImportAlgorithm(PipeNetAlgorithm):
    """INPUT (.inp), CRS, SYSTEM → OUTPUT_PIPES, OUTPUT_NODES; subclasses give the reader and fields."""

    GROUP_ID = "data"
    LINK_FIELDS: list[tuple[str, str]] = []
    NODE_FIELDS: list[tuple[str, str]] = []

    def read(self, path: str):
        """Parse the model file into a ModelNetwork."""
        raise NotImplementedError

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile("INPUT", self.tr("Model file (.inp)"), extension="inp"))
        self.addParameter(QgsProcessingParameterCrs("CRS", self.tr("Coordinate reference system of the model"),
                                                    optional=True))
        self.addParameter(QgsProcessingParameterString(
            "SYSTEM", self.tr("System of the pipes (e.g. HS, WS, YS, JS; empty = from the model)"),
            optional=True))
        self.add_sink("OUTPUT_PIPES", self.tr("Links"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_NODES", self.tr("Nodes"), QgsProcessing.TypeVectorPoint)
        self.addOutput(QgsProcessingOutputNumber("LINK_COUNT", self.tr("Links")))
        self.addOutput(QgsProcessingOutputNumber("NODE_COUNT", self.tr("Nodes")))

    def process(self, parameters, context, feedback):
        path = self.parameterAsFile(parameters, "INPUT", context)
        crs = self.parameterAsCrs(parameters, "CRS", context)
        system_text = self.parameterAsString(parameters, "SYSTEM", context) or ""
        system = normalise_system(system_text) or (system_text or None)
        try:
            model = self.read(path)
        except (ModelFileError, OSError) as error:
            raise QgsProcessingException(str(error)) from None
        for warning in model.warnings:
            feedback.pushWarning(warning)
        link_fields = output_fields(None, self.LINK_FIELDS)
        node_fields = output_fields(None, self.NODE_FIELDS)
        pipes, pipes_dest = self.parameterAsSink(parameters, "OUTPUT_PIPES", context, link_fields,
                                                 QgsWkbTypes.LineString, crs)
        nodes, nodes_dest = self.parameterAsSink(parameters, "OUTPUT_NODES", context, node_fields,
                                                 QgsWkbTypes.Point, crs)
        if pipes is not None:
            for link in model.links:
                feature = QgsFeature(link_fields)
                feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, y) for x, y in link["coords"]]))
                values = dict(link, system=link.get("system") or system)
                feature.setAttributes([values.get(name) for name, _ in self.LINK_FIELDS])
                add_feature(pipes, feature, "OUTPUT_PIPES")
        if nodes is not None:
            for node in model.nodes:
                feature = QgsFeature(node_fields)
                feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*node["xy"])))
                feature.setAttributes([node.get(name) for name, _ in self.NODE_FIELDS])
                add_feature(nodes, feature, "OUTPUT_NODES")
        feedback.pushInfo(self.tr("{} links, {} nodes read from {}").format(
            len(model.links), len(model.nodes), path))
        return {"OUTPUT_PIPES": pipes_dest, "OUTPUT_NODES": nodes_dest, "LINK_COUNT": len(model.links),
                "NODE_COUNT": len(model.nodes)}
