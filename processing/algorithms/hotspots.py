"""pipenet:hotspots: breakage and overflow hotspots along the network (kernel density and Gi*)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
)

from ...network.hotspots.statistics import consequence_weights, hotspots
from ..base import PipeNetAlgorithm
from ..inputs.observations import read_defects, read_events

WEIGHTS = ["none", "diameter", "upstream"]


class HotspotsAlgorithm(PipeNetAlgorithm):
    """Where the network breaks (CCTV defects) or overflows (events), tested for significance."""

    GROUP_ID = "analysis"

    def name(self) -> str:
        return "hotspots"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Breakage and overflow hotspots")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Finds hotspots along the pipes, with distances measured along the network: pipes are cut into "
            "short pieces, events are put on their piece (defects by pipe id and distance, or points snapped "
            "to the nearest pipe), then a quartic kernel density (per km) and the Getis-Ord Gi* statistic with "
            "network-distance neighbours give each pipe a z-score, p-value and class (hot 99/95/90 %, not "
            "significant, cold).<br><b>Defects</b> give breakage hotspots (weighted by grade); <b>events</b> "
            "(overflow / waterlogging points, weighted by volume if asked) give overflow hotspots. "
            "<b>Weight by consequence</b>: multiply by diameter or by upstream length served.<br><br>"
            "破损与溢流热点：沿管网距离计算核密度和 Getis-Ord Gi* 统计量，给出每条管段的 z 值、p 值和热点等级；"
            "可按管径或上游服务管长加权。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_network_parameters()
        self.addParameter(QgsProcessingParameterFeatureSource(
            "DEFECTS", self.tr("CCTV defects (optional)"), [QgsProcessing.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            "EVENTS", self.tr("Overflow / waterlogging events (optional)"), [QgsProcessing.TypeVectorPoint],
            optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "BANDWIDTH", self.tr("Kernel bandwidth and Gi* neighbour distance along the network (metres)"),
            QgsProcessingParameterNumber.Double, 150.0, minValue=10.0))
        self.addParameter(QgsProcessingParameterNumber(
            "LIXEL_LENGTH", self.tr("Piece length (metres)"), QgsProcessingParameterNumber.Double, 50.0,
            minValue=1.0))
        self.addParameter(QgsProcessingParameterEnum(
            "WEIGHT", self.tr("Weight by consequence"),
            [self.tr("No"), self.tr("Diameter"), self.tr("Upstream length served")], defaultValue=0))
        self.add_sink("OUTPUT_PIPES", self.tr("Pipes with hotspot scores"), QgsProcessing.TypeVectorLine)
        self.addOutput(QgsProcessingOutputNumber("BREAKAGE_HOT", self.tr("Breakage hotspot pipes")))
        self.addOutput(QgsProcessingOutputNumber("OVERFLOW_HOT", self.tr("Overflow hotspot pipes")))

    def process(self, parameters, context, feedback):
        run = self.build_from_parameters(parameters, context, feedback)
        table = run.network.table()
        defects_source = self.parameterAsSource(parameters, "DEFECTS", context)
        events_source = self.parameterAsSource(parameters, "EVENTS", context)
        weights = consequence_weights(None, WEIGHTS[self.parameterAsEnum(parameters, "WEIGHT", context)], table)
        options = {"lixel_length": self.parameterAsDouble(parameters, "LIXEL_LENGTH", context),
                   "bandwidth": self.parameterAsDouble(parameters, "BANDWIDTH", context),
                   "neighbour_distance": self.parameterAsDouble(parameters, "BANDWIDTH", context),
                   "pipe_weights": weights, "check": lambda: feedback.isCanceled() and self._stop(), "table": table}
        breakage, overflow = {}, {}
        if defects_source is not None:
            defects = read_defects(defects_source, "DEFECTS", run, context, feedback,
                                   bulk=self.observations_in_bulk(parameters, "DEFECTS", context, defects_source, run))
            breakage = hotspots(None, run.network.pipe_coords, [(d.pipe_id, d.distance, float(d.grade))
                                                                 for d in defects], **options)
        if events_source is not None:
            bulk = self.observations_in_bulk(parameters, "EVENTS", context, events_source, run)
            overflow = hotspots(None, run.network.pipe_coords,
                                event_points=read_events(events_source, run, context, weighted=True, bulk=bulk),
                                **options)
        fields = [("pn_brk_n", "double"), ("pn_brk_dens", "double"), ("pn_brk_z", "double"), ("pn_brk_p", "double"),
                  ("pn_brk_cls", "string"), ("pn_ovf_n", "double"), ("pn_ovf_dens", "double"), ("pn_ovf_z", "double"),
                  ("pn_ovf_p", "double"), ("pn_ovf_cls", "string")]

        def row(result):
            values = []
            for table in (breakage, overflow):
                spot = table.get(result.pipe_id)
                values += [spot.events, spot.density, spot.z, round(spot.p, 5), spot.hot_class] if spot \
                    else [None] * 5
            return [values]

        style = "breakage" if defects_source is not None else "overflow"
        pipes = self.write_pipes(run, parameters, context, feedback, fields, row, style=style)
        return {"OUTPUT_PIPES": pipes,
                "BREAKAGE_HOT": breakage.hot_count() if breakage else 0,
                "OVERFLOW_HOT": overflow.hot_count() if overflow else 0}

    def _stop(self):
        from ...network.model.records import Cancelled

        raise Cancelled("cancelled")
