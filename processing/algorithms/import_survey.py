"""pipenet:importsurvey: 管线点成果表 + 管线段成果表 (CSV/XLSX, UTF-8/GBK) as nodes and pipes layers."""

from __future__ import annotations

from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ...network.io.inp import ModelFileError
from ...network.io.survey import survey_network
from ..base import PipeNetAlgorithm
from ..inputs.layers import add_feature, output_fields

XY_ORDERS = ["auto", "xy", "surveying"]
REPORT_COLUMNS = [("table", "string"), ("row", "int"), ("field", "string"), ("value", "string"),
                  ("problem", "string")]


class ImportSurveyAlgorithm(PipeNetAlgorithm):
    """Join the survey point and segment tables into layers buildnetwork reads directly."""

    GROUP_ID = "data"

    def name(self) -> str:
        return "importsurvey"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Import pipeline survey tables (管线点/管线段成果表)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Reads the point table (物探点号, X/Y or 纵坐标/横坐标, 地面高程, 特征, 附属物, 井底高程 ...) and the "
            "segment table (起点点号, 终点点号 or 连接点号, 起点埋深, 终点埋深, 管径 incl. 1200×800, 材质, "
            "敷设年代 ...) as CSV or XLSX, UTF-8 or GBK, and writes a nodes layer and a pipes layer with "
            "every column kept. <b>Coordinate order</b>: auto (纵坐标 = northing; plain X/Y decided from "
            "the values), X is easting, or X is northing (surveying convention). Rows that cannot be used "
            "(missing or duplicate point ids, coordinates that are not numbers, segments naming unknown "
            "points) are listed row by row in the report table; nothing is dropped silently.<br><br>"
            "导入管线点成果表和管线段成果表（CSV/XLSX，UTF-8/GBK）：生成节点和管段图层，保留全部字段；"
            "可选坐标次序（测量坐标系 X 为北坐标）；无法使用的行逐行列入报告表。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile("POINTS", self.tr("Point table (管线点成果表, CSV/XLSX)")))
        self.addParameter(QgsProcessingParameterFile("SEGMENTS", self.tr("Segment table (管线段成果表, CSV/XLSX)")))
        self.addParameter(QgsProcessingParameterEnum(
            "XY_ORDER", self.tr("Coordinate order"),
            [self.tr("Automatic"), self.tr("X is easting"), self.tr("X is northing (surveying)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            "ENCODING", self.tr("Text encoding of CSV files (empty = detect UTF-8/GBK)"), optional=True))
        self.addParameter(QgsProcessingParameterCrs("CRS", self.tr("Coordinate reference system"), optional=True))
        self.add_sink("OUTPUT_PIPES", self.tr("Survey pipes"), QgsProcessing.TypeVectorLine)
        self.add_sink("OUTPUT_NODES", self.tr("Survey points"), QgsProcessing.TypeVectorPoint)
        self.add_sink("OUTPUT_REPORT", self.tr("Rows not used"), QgsProcessing.TypeVector)
        self.addOutput(QgsProcessingOutputNumber("ISSUE_COUNT", self.tr("Rows not used")))

    def process(self, parameters, context, feedback):
        try:
            survey = survey_network(self.parameterAsFile(parameters, "POINTS", context),
                                    self.parameterAsFile(parameters, "SEGMENTS", context),
                                    XY_ORDERS[self.parameterAsEnum(parameters, "XY_ORDER", context)],
                                    (self.parameterAsString(parameters, "ENCODING", context) or "").strip())
        except (ModelFileError, OSError) as error:
            raise QgsProcessingException(str(error)) from None
        if survey.swapped:
            feedback.pushInfo(self.tr("X holds northings (surveying convention): coordinates swapped."))
        crs = self.parameterAsCrs(parameters, "CRS", context)
        outputs = {
            "OUTPUT_NODES": self._write(parameters, context, "OUTPUT_NODES", survey.point_columns, survey.nodes,
                                        QgsWkbTypes.Point, crs,
                                        lambda row: QgsGeometry.fromPointXY(QgsPointXY(*row["xy"]))),
            "OUTPUT_PIPES": self._write(parameters, context, "OUTPUT_PIPES", survey.segment_columns, survey.links,
                                        QgsWkbTypes.LineString, crs, lambda row: QgsGeometry.fromPolylineXY(
                                            [QgsPointXY(*xy) for xy in row["coords"]])),
            "OUTPUT_REPORT": self.write_table(parameters, "OUTPUT_REPORT", context, REPORT_COLUMNS, (
                [i.table, i.row, i.field, i.value, i.problem] for i in survey.issues)),
            "ISSUE_COUNT": len(survey.issues),
        }
        for issue in survey.issues[:50]:
            feedback.pushWarning(f"{issue.table} row {issue.row}, {issue.field} = '{issue.value}': {issue.problem}")
        feedback.pushInfo(self.tr("{} points, {} segments, {} rows not used").format(
            len(survey.nodes), len(survey.links), len(survey.issues)))
        return outputs

    def _write(self, parameters, context, key, columns, rows, wkb, crs, geometry):
        fields = output_fields(None, [(c, "string") for c in columns])
        sink, dest = self.parameterAsSink(parameters, key, context, fields, wkb, crs)
        if sink is None:
            return None
        for row in rows:
            feature = QgsFeature(fields)
            feature.setGeometry(geometry(row))
            feature.setAttributes([None if row.get(c) in (None, "") else str(row.get(c)).strip() for c in columns])
            add_feature(sink, feature, key)
        return dest
