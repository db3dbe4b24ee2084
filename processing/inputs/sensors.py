"""Monitoring inputs from QGIS: sensors (points or a table), readings (a file or a table, e.g. PostgreSQL through
QGIS's provider) and sub-catchment areas, as the core's network.monitoring takes them."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd
from qgis.core import QgsFeatureRequest, QgsWkbTypes
from qgis.PyQt.QtCore import QDate, QDateTime, QVariant

from ...network._errors import PipeNetInputError
from ...network.monitoring import read_readings
from .layers import points_in_working_crs
from .polygons import read_polygons

SENSOR_FIELDS = ("sensor_id", "kind", "node_id", "pipe_id", "datum", "offset", "x", "y")


def plain(value: Any) -> Any:
    """A QGIS attribute as a plain Python value: NULL -> None, QDateTime -> datetime (a PostgreSQL timestamp)."""
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if value is None or (isinstance(value, QVariant) and value.isNull()) or str(value) == "NULL":
        return None
    return value


def sensor_rows(source, run, context, kind: Optional[str] = None) -> list[dict]:
    """One dict per sensor feature (SENSOR_FIELDS found by name, any case); a point's x/y in the working CRS.
    ``kind`` (RAIN_SENSORS: "rain") is every row's kind; a layer of one kind needs no kind field."""
    names = source.fields().names()
    lowered = {name.lower(): name for name in names}
    if "sensor_id" not in lowered or ("kind" not in lowered and kind is None):
        raise PipeNetInputError(f"The sensors need fields sensor_id and kind (found: {', '.join(names[:8])}).",
                                layer="sensors", field_name="sensor_id" if "sensor_id" not in lowered else "kind")
    spatial = source.wkbType() not in (QgsWkbTypes.NoGeometry, QgsWkbTypes.Unknown)
    points = dict(points_in_working_crs(source, run.frame, context)) if spatial else {}
    rows = []
    for feature in source.getFeatures():
        row = {key: plain(feature[lowered[key]]) for key in SENSOR_FIELDS if key in lowered}
        if kind is not None:
            row["kind"] = kind
        if feature.id() in points:
            row["x"], row["y"] = points[feature.id()]
        rows.append(row)
    return rows


def readings_frame(path: str, table) -> pd.DataFrame:
    """Long readings from a CSV/Excel ``path`` or, without one, a QGIS table source (long or wide)."""
    if path:
        return read_readings(path)
    if table is None:
        raise PipeNetInputError("No readings: give READINGS (a CSV or Excel file) or READINGS_TABLE.",
                                layer="readings")
    names = table.fields().names()
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    columns: list[list] = [[] for _ in names]
    for feature in table.getFeatures(request):
        for column, value in zip(columns, feature.attributes()):
            column.append(plain(value))
    return read_readings(pd.DataFrame(dict(zip(names, columns)), columns=names))


def catchment_areas(source, field: Optional[str], run, context) -> dict[str, float]:
    """Sub-catchment area (ha) per node it drains to: the node of ``field``, else the nearest network node (as
    pipenet:stormcapacity's CATCHMENTS and CATCHMENT_NODE_FIELD)."""
    from scipy.spatial import cKDTree

    polygons = read_polygons(source, run.frame, context, field)
    if field:
        nodes = [None if plain(value) is None else str(value) for _, value in polygons]
    else:
        table = run.network.table()
        xy = table.node_coordinates()
        located = np.flatnonzero(np.isfinite(xy).all(axis=1))
        points = np.array([shape.representative_point().coords[0] for shape, _ in polygons]).reshape(-1, 2)
        nearest = cKDTree(xy[located]).query(points)[1] if len(points) and len(located) else []
        nodes = [table.names[located[i]] for i in np.atleast_1d(nearest).tolist()]
    areas: dict[str, float] = {}
    for (shape, _), node in zip(polygons, nodes):
        if node is not None:
            areas[node] = areas.get(node, 0.0) + shape.area / 10_000.0
    return areas
