"""Read CCTV defect records and overflow events from QGIS sources for the core."""

from __future__ import annotations

from qgis.core import QgsProcessingException

from ...network.build.fields import find_field, is_null, parse_number
from ...network.scoring.condition import Defect, split_code
from .layers import points_in_working_crs, python_value

DEFECT_PIPE = ["pipe_id", "pipeid", "管段编号", "管线编号", "管段号", "pn_id", "pipe"]
DEFECT_CODE = ["code", "defect_code", "defect", "缺陷代码", "代码", "缺陷名称", "缺陷"]
DEFECT_GRADE = ["grade", "defect_grade", "缺陷等级", "等级", "级别"]
DEFECT_DISTANCE = ["distance", "距离", "位置", "起点距离", "distance_m", "at"]
EVENT_VOLUME = ["volume", "volume_m3", "溢流量", "积水量", "水量"]


def read_defects(source, name: str, run, context, feedback, max_distance: float = 5.0,
                 bulk=None) -> list[Defect]:
    """Defects with a pipe id (and distance along it), or points snapped to the nearest pipe.

    ``bulk``: the layer's columns read in bulk (bulk.bulk_columns), else it is read feature by feature.
    """
    names = source.fields().names()
    code_field, grade_field = find_field(names, DEFECT_CODE), find_field(names, DEFECT_GRADE)
    pipe_field, distance_field = find_field(names, DEFECT_PIPE), find_field(names, DEFECT_DISTANCE)
    if not code_field:
        raise QgsProcessingException(
            f"Layer '{name}': no defect code field (缺陷代码 / code) among {', '.join(names)}.")
    fields = [field for field in (code_field, grade_field, pipe_field, distance_field) if field]
    rows = []
    for fid, values in _records(source, fields, bulk):
        code, grade_in_code = split_code(values[code_field]) if not is_null(values[code_field]) else (None, None)
        if code is None:
            continue
        grade = parse_number(values.get(grade_field)) if grade_field else None
        grade = int(grade) if grade is not None else (grade_in_code or 1)
        pipe = None if not pipe_field or is_null(values[pipe_field]) else str(values[pipe_field]).strip()
        distance = parse_number(values.get(distance_field)) if distance_field else None
        rows.append([fid, pipe, code, grade, distance or 0.0])
    if any(row[1] is None for row in rows):
        snapped = _nearest_pipes(_located(source, run, context, bulk), run, max_distance)
        for row in rows:
            if row[1] is None:
                row[1], row[4] = snapped.get(row[0], (None, 0.0))
        missing = [str(row[0]) for row in rows if row[1] is None]
        if missing:
            feedback.pushWarning(f"Layer '{name}': {len(missing)} defects have no pipe id and no pipe within "
                                 f"{max_distance} m (features {', '.join(missing[:10])}); left out.")
    return [Defect(row[1], row[2], row[3], row[4]) for row in rows if row[1] is not None]


def _records(source, fields: list[str], bulk):
    """(feature id, {field: plain value}) of every feature, from the bulk columns when there are some."""
    if bulk is None:
        for feature in source.getFeatures():
            yield feature.id(), {key: python_value(feature[key]) for key in fields}
        return
    columns, fids = bulk
    listed = [[None if value != value else value for value in columns.attrs[key].tolist()] for key in fields]
    for fid, values in zip(fids, zip(*listed)):
        yield fid, dict(zip(fields, values))


def _located(source, run, context, bulk) -> list[tuple[int, tuple[float, float]]]:
    """(feature id, (x, y) in the working CRS) of every point, null geometries skipped."""
    if bulk is None:
        return points_in_working_crs(source, run.frame, context)
    columns, fids = bulk
    return [(fid, (x, y)) for fid, (x, y) in zip(fids, columns.xy.tolist()) if x == x and y == y]


def _nearest_pipes(located: list, run, max_distance) -> dict:
    from ...network.hotspots.lixels import assign_points, make_lixels

    lixels = make_lixels(None, run.network.pipe_coords, 1e9, run.network.table())
    pieces = assign_points(lixels, run.network.pipe_coords, [xy for _, xy in located], max_distance)
    return {fid: (lixels.pipe[piece], 0.0) for (fid, _), piece in zip(located, pieces) if piece is not None}


def read_events(source, run, context, weighted: bool = False, bulk=None) -> list[tuple[float, float, float]]:
    """Overflow / waterlogging events as (x, y, weight) in the working CRS; weight = volume if asked.

    ``bulk``: the layer's columns read in bulk (bulk.bulk_columns), else it is read feature by feature.
    """
    names = source.fields().names()
    volume_field = find_field(names, EVENT_VOLUME) if weighted else None
    volumes = {}
    if volume_field:
        for fid, values in _records(source, [volume_field], bulk):
            volumes[fid] = parse_number(values[volume_field]) or 1.0
    return [(xy[0], xy[1], volumes.get(fid, 1.0)) for fid, xy in _located(source, run, context, bulk)]
