"""PipeNet's pure-Python network core: never imports qgis."""

from ._errors import PipeNetInputError
from .api import build_network
from .model.findings import FINDING_COLUMNS, Check, Finding
from .model.network import Network
from .model.records import BuildOptions, Cancelled, DirectionSource, LayerData, NodeRecord, PipeRecord, Progress

__all__ = ["build_network", "BuildOptions", "Cancelled", "Check", "DirectionSource", "FINDING_COLUMNS", "Finding",
           "LayerData", "Network", "NodeRecord", "PipeNetInputError", "PipeRecord", "Progress"]
