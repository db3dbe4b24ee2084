"""PipeNet's pure-Python network core: never imports qgis."""

from .api import build_network
from .findings import FINDING_COLUMNS, Finding
from .model import (
                    BuildOptions,
                    Cancelled,
                    LayerData,
                    Network,
                    NodeRecord,
                    PipeNetInputError,
                    PipeRecord,
                    Progress,
)

__all__ = ["build_network", "BuildOptions", "Cancelled", "FINDING_COLUMNS", "Finding", "LayerData",
           "Network", "NodeRecord", "PipeNetInputError", "PipeRecord", "Progress"]
