"""pipenet:samplenetwork: a seeded county sample network with injected faults, as one GeoPackage."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...network.sample import generate, write_gpkg
from ..base import PipeNetAlgorithm


class SampleNetworkAlgorithm(PipeNetAlgorithm):
    """Generate a demo/test network like a Chinese county survey deliverable."""

    GROUP_ID = "data"

    def name(self) -> str:
        return "samplenetwork"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Generate sample county network")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Writes a deterministic (seeded) sample network into one GeoPackage in CGCS2000 / 3-degree "
            "Gauss-Krüger CM 120E (EPSG:4549): storm (YS), sanitary (WS) and some combined (HS) sewers as "
            "dendritic catchments of 30-70 m pipes draining to outfalls, pump stations and a treatment "
            "plant, with diameters growing downstream, materials, install years, ground levels and inverts. "
            "Layers: pipes, nodes, defects (CCTV, CJJ 181 codes and grades, clustered into breakage "
            "hotspots), events (overflows clustered at bottlenecks) and truth (every injected fault with "
            "the PipeNet check that must find it: near misses, small gaps, dangles, duplicates, reverse "
            "slopes, diameter decreases, sanitary→storm and storm→sanitary connections, dry-weather "
            "outfalls and their sources).<br><b>KM</b>: size in kilometres of pipe (1180 = a county).<br>"
            "<b>Chinese field names</b>: 管线编号, 起点点号, 管径 ... instead of pipe_id, from_node ...<br><br>"
            "生成示例县域管网（GeoPackage，EPSG:4549）：雨水、污水及部分合流管网，含检测缺陷、溢流事件和"
            "注入错误的真值表，可用于演示与测试。")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterNumber("KM", self.tr("Size (km of pipe)"),
                                                       QgsProcessingParameterNumber.Double, 20.0, minValue=1.0))
        self.addParameter(QgsProcessingParameterNumber("SEED", self.tr("Random seed"),
                                                       QgsProcessingParameterNumber.Integer, 1))
        self.addParameter(QgsProcessingParameterBoolean("CHINESE", self.tr("Chinese field names"), True))
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Sample GeoPackage"),
                                                                "GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputNumber("PIPE_COUNT", self.tr("Pipes")))
        self.addOutput(QgsProcessingOutputNumber("LENGTH_KM", self.tr("Length (km)")))
        self.addOutput(QgsProcessingOutputNumber("FAULT_COUNT", self.tr("Injected faults")))

    def process(self, parameters, context, feedback):
        path = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        if not path.lower().endswith(".gpkg"):
            path += ".gpkg"
        sample = generate(self.parameterAsDouble(parameters, "KM", context),
                          self.parameterAsInt(parameters, "SEED", context))
        feedback.setProgress(50)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        partial = path[: -len(".gpkg")] + ".partial.gpkg"
        try:
            for stale in (path, partial):
                if os.path.exists(stale):
                    os.remove(stale)
            write_gpkg(sample, partial, self.parameterAsBoolean(parameters, "CHINESE", context))
            os.replace(partial, path)  # appears only when complete
        except OSError as error:
            if os.path.exists(partial):
                os.remove(partial)
            raise QgsProcessingException(self.tr("Cannot write {}: {}").format(path, error)) from None
        feedback.pushInfo(self.tr("{} pipes, {:.1f} km, {} injected faults").format(
            len(sample.pipes), sample.length_km, len(sample.truth)))
        return {"OUTPUT": path, "PIPE_COUNT": len(sample.pipes), "LENGTH_KM": round(sample.length_km, 1),
                "FAULT_COUNT": len(sample.truth)}
