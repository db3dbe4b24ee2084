"""pipenet:importswmm: an EPA SWMM 5 model as pipes and nodes layers."""

from __future__ import annotations

from ...network.io.swmm import read_swmm
from ..inputs.model_import import ModelImportAlgorithm


class ImportSwmmAlgorithm(ModelImportAlgorithm):
    """Conduits, pumps, orifices, weirs and outlets; junctions, outfalls, storage and dividers."""

    LINK_FIELDS = [("name", "string"), ("link_type", "string"), ("from_node", "string"), ("to_node", "string"),
                   ("length", "double"), ("roughness", "double"), ("shape", "string"), ("diameter", "double"),
                   ("up_invert", "double"), ("down_invert", "double"), ("system", "string")]
    NODE_FIELDS = [("name", "string"), ("node_type", "string"), ("invert_elev", "double"),
                   ("max_depth", "double"), ("ground_elev", "double")]

    def read(self, path: str):
        return read_swmm(path)

    def name(self) -> str:
        return "importswmm"

    def displayName(self) -> str:  # noqa: N802
        return self.tr("Import EPA SWMM model (.inp)")

    def shortHelpString(self) -> str:  # noqa: N802
        return self.tr(
            "Reads an EPA SWMM 5 .inp file into a pipes layer (conduits, pumps, orifices, weirs, outlets: "
            "geometry from [COORDINATES] and [VERTICES], diameter/height in mm from [XSECTIONS], inverts "
            "from node inverts plus offsets in DEPTH or ELEVATION mode, length, roughness) and a nodes "
            "layer (junctions, outfalls, storage, dividers; ground = invert + max depth). US units are "
            "converted to metres. <b>CRS</b>: the model's coordinate system (empty = unknown, kept "
            "planar). The outputs feed pipenet:buildnetwork directly.<br><br>"
            "导入 EPA SWMM 模型：生成管段图层（管道、泵、孔口、堰、出口，含管径、管底高程、长度、糙率）"
            "和节点图层（检查井、排放口、调蓄池、分流井；地面高程 = 井底 + 最大水深）。")
