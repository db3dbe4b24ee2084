"""pipenet:importepanet: an EPANET water-supply model as pipes and nodes layers."""

from __future__ import annotations

from ...network.io.epanet import read_epanet
from ..inputs.model_import import ModelImportAlgorithm


class ImportEpanetAlgorithm(ModelImportAlgorithm):
    """Pipes and pumps; junctions, tanks, reservoirs; valves as nodes usable for isolation."""

    LINK_FIELDS = [("name", "string"), ("link_type", "string"), ("from_node", "string"), ("to_node", "string"),
                   ("length", "double"), ("diameter", "double"), ("roughness", "double"), ("status", "string"),
                   ("system", "string")]
    NODE_FIELDS = [("name", "string"), ("node_type", "string"), ("ground_elev", "double"), ("demand", "double"),
                   ("valve_type", "string")]

    def read(self, path: str):
        return read_epanet(path)

    def name(self) -> str:
        return "importepanet"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Import EPANET model (.inp)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Reads an EPANET .inp file into a water-supply pipes layer (pipes and pumps with length, "
            "diameter in mm, roughness, status) and a nodes layer (junctions with elevation and demand, "
            "tanks, reservoirs). Each valve becomes a node of type valve between two short connector "
            "links, so pipenet:valveisolation can close it. US units are converted.<br><br>"
            "导入 EPANET 给水模型：生成管段图层（管道、泵）和节点图层（节点、水池、水库）；"
            "阀门转为阀门节点，可直接用于爆管关阀分析。")
