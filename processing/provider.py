"""The PipeNet Processing provider (id ``pipenet``)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS

ICON = Path(__file__).resolve().parent.parent / "icons" / "provider.svg"


class PipeNetProvider(QgsProcessingProvider):
    """Registers every PipeNet algorithm; needs no iface, so qgis_process can load it."""

    def id(self) -> str:
        return "pipenet"

    def name(self) -> str:
        return "PipeNet"

    def longName(self) -> str:  # noqa: N802
        return QCoreApplication.translate("PipeNet", "PipeNet drainage and water network tools")

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def svgIconPath(self) -> str:  # noqa: N802
        return str(ICON)

    def loadAlgorithms(self) -> None:  # noqa: N802
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
