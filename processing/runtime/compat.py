"""Small shims so the same code runs on QGIS 3.22 (Qt5) and on newer QGIS / Qt6."""

from __future__ import annotations

from qgis.core import Qgis, QgsProcessingParameterDefinition

_NEW_FIELD_TYPES = Qgis.QGIS_VERSION_INT >= 33800


def field_type(kind: str):
    """Field type for QgsField: QMetaType on QGIS >= 3.38 (Qt6-ready), QVariant before."""
    if _NEW_FIELD_TYPES:
        from qgis.PyQt.QtCore import QMetaType

        return {"string": QMetaType.Type.QString, "int": QMetaType.Type.Int,
                "double": QMetaType.Type.Double}[kind]
    from qgis.PyQt.QtCore import QVariant

    return {"string": QVariant.String, "int": QVariant.Int, "double": QVariant.Double}[kind]


def is_metre_crs(crs) -> bool | None:
    """True when the CRS's map units are metres, False for other units, None when unknown."""
    units = crs.mapUnits()
    metres = getattr(getattr(Qgis, "DistanceUnit", None), "Meters", None)
    if metres is None:
        from qgis.core import QgsUnitTypes

        metres = QgsUnitTypes.DistanceMeters
        unknown = QgsUnitTypes.DistanceUnknownUnit
    else:
        unknown = Qgis.DistanceUnit.Unknown
    if units == unknown:
        return None
    return units == metres


def set_advanced(parameter: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
    """Mark a parameter as advanced on every QGIS version."""
    flag = getattr(getattr(Qgis, "ProcessingParameterFlag", None), "Advanced", None)
    if flag is None:
        flag = QgsProcessingParameterDefinition.FlagAdvanced
    parameter.setFlags(parameter.flags() | flag)
    return parameter


def tr_noop(text: str) -> str:
    """Mark a literal for translation where it is defined; self.tr() translates it where it is shown."""
    return text
