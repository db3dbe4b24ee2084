"""Chinese pipeline survey tables (管线点成果表 + 管线段成果表) to node and pipe records."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Optional

from ..build.fields import is_null, normalise_name, parse_number
from .inp import ModelFileError
from .swmm import ModelNetwork

POINT_ID = ["物探点号", "点号", "管线点号", "测点号", "point_id", "pointid", "id", "node_id", "name"]
EAST = ["横坐标", "东坐标", "easting", "east", "y坐标"]
NORTH = ["纵坐标", "北坐标", "northing", "north", "x坐标"]
PLAIN_X, PLAIN_Y = ["x", "x_coord", "xcoord"], ["y", "y_coord", "ycoord"]
FROM = ["起点点号", "起点", "from_node", "from", "start_node", "us_node"]
TO = ["终点点号", "连接点号", "终点", "to_node", "to", "end_node", "ds_node"]


class SurveyError(ModelFileError):
    """A survey table that cannot be read."""


@dataclass
class SurveyIssue:
    """One row-level problem: which table, row (as numbered in the file), field, value, what."""

    table: str
    row: int
    field: str
    value: str
    problem: str


@dataclass
class SurveyNetwork(ModelNetwork):
    """Survey nodes and links with the original columns kept, and the row-level issues."""

    issues: list[SurveyIssue] = field(default_factory=list)
    point_columns: list[str] = field(default_factory=list)
    segment_columns: list[str] = field(default_factory=list)
    swapped: bool = False


def read_table(path: str, encoding: str = "") -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Header and (row number, values) of a CSV (UTF-8 or GBK, detected) or XLSX file."""
    if path.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(path)
    with open(path, "rb") as handle:
        raw = handle.read()
    text = _decoded(path, raw, encoding)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [row for row in reader]
    if not rows:
        raise SurveyError(f"{path}: the file is empty.")
    header = [h.strip() for h in rows[0]]
    return header, [(number, dict(zip(header, row))) for number, row in enumerate(rows[1:], start=2)
                    if any(cell.strip() for cell in row)]


def _decoded(path: str, raw: bytes, encoding: str) -> str:
    """The text of a CSV file in the ``encoding`` given, else UTF-8 or GBK (GB 18030), whichever decodes."""
    if encoding:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise SurveyError(f"{path}: '{encoding}' is not a text encoding Python knows "
                              f"(e.g. UTF-8, GBK, GB18030).") from None
        except UnicodeDecodeError as error:
            fits = [name for name in ("utf-8-sig", "gb18030") if _decodes(raw, name)]
            hint = f"; it reads as {fits[0].replace('-sig', '').upper()}: give that, or leave the encoding empty" \
                if fits else ""
            raise SurveyError(f"{path}: the text is not {encoding} as given (byte {error.start}){hint}.") from None
    for candidate in ("utf-8-sig", "gb18030"):
        if _decodes(raw, candidate):
            return raw.decode(candidate)
    raise SurveyError(f"{path}: the text is neither UTF-8 nor GBK; give the encoding.")


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _read_xlsx(path: str):
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except (BadZipFile, KeyError, ValueError) as error:
        # an .xlsx is a zip of XML parts: a CSV or an old .xls renamed is not one
        raise SurveyError(f"{path}: not an Excel workbook (.xlsx) that can be read ({error}); save it again "
                          f"from Excel as .xlsx or as CSV.") from None
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise SurveyError(f"{path}: the first sheet is empty.")
    header = [str(h).strip() if h is not None else f"column{i + 1}" for i, h in enumerate(rows[0])]
    return header, [(number, dict(zip(header, row))) for number, row in enumerate(rows[1:], start=2)
                    if any(cell not in (None, "") for cell in row)]


def _find(header: list[str], names: list[str]) -> Optional[str]:
    by_norm = {normalise_name(h): h for h in header}
    for name in names:
        if normalise_name(name) in by_norm:
            return by_norm[normalise_name(name)]
    return None


def survey_network(points_path: str, segments_path: str, xy_order: str = "auto", encoding: str = "") -> SurveyNetwork:
    """Join the point table and the segment table; every unusable row becomes a SurveyIssue.

    ``xy_order``: 'auto', 'xy' (X is the easting) or 'surveying' (X is the northing, 测量坐标系).
    """
    point_header, point_rows = read_table(points_path, encoding)
    segment_header, segment_rows = read_table(segments_path, encoding)
    result = SurveyNetwork(point_columns=point_header, segment_columns=segment_header)
    id_column = _find(point_header, POINT_ID)
    x_column, y_column, swapped = _coordinate_columns(point_header, point_rows, xy_order)
    if not id_column or not x_column or not y_column:
        raise SurveyError(f"{points_path}: need a point id column (物探点号/点号) and coordinate columns "
                          f"(X/Y, 纵坐标/横坐标); the header is {', '.join(point_header)}.")
    result.swapped = swapped
    from_column, to_column = _find(segment_header, FROM), _find(segment_header, TO)
    if not from_column or not to_column:
        raise SurveyError(f"{segments_path}: need 起点点号 and 终点点号 (or 连接点号) columns; the header is "
                          f"{', '.join(segment_header)}.")
    points: dict[str, dict] = {}
    for number, row in point_rows:
        point_id = None if is_null(row.get(id_column)) else str(row[id_column]).strip()
        x, y = parse_number(row.get(x_column)), parse_number(row.get(y_column))
        if point_id is None:
            result.issues.append(SurveyIssue("points", number, id_column, "", "missing point id"))
            continue
        if point_id in points:
            result.issues.append(SurveyIssue("points", number, id_column, point_id,
                                             f"duplicate point id (first on row {points[point_id]['row']})"))
            continue
        bad = [(c, row.get(c)) for c, v in ((x_column, x), (y_column, y)) if v is None]
        if bad:
            for column, value in bad:
                result.issues.append(SurveyIssue("points", number, column, str(value), "not a number"))
            continue
        east, north = (y, x) if swapped else (x, y)
        points[point_id] = {"row": number, "xy": (east, north), "values": row}
    result.nodes = [dict(p["values"], xy=p["xy"], row=p["row"]) for p in points.values()]
    for number, row in segment_rows:
        ends = [None if is_null(row.get(c)) else str(row[c]).strip() for c in (from_column, to_column)]
        problems = [(c, e) for c, e in zip((from_column, to_column), ends) if e is None or e not in points]
        if problems:
            for column, value in problems:
                result.issues.append(SurveyIssue("segments", number, column, value or "",
                                                 "point id not in the point table" if value else "missing"))
            continue
        result.links.append(dict(row, coords=[points[ends[0]]["xy"], points[ends[1]]["xy"]], row=number))
    return result


def _coordinate_columns(header, rows, xy_order: str) -> tuple[Optional[str], Optional[str], bool]:
    """(X column, Y column, swapped) where swapped means X holds northings."""
    north, east = _find(header, NORTH), _find(header, EAST)
    if north and east and xy_order == "auto":
        return north, east, True
    x, y = _find(header, PLAIN_X), _find(header, PLAIN_Y)
    if not x or not y:
        return (north, east, True) if north and east else (None, None, False)
    if xy_order == "surveying":
        return x, y, True
    if xy_order == "xy":
        return x, y, False
    xs = [v for v in (parse_number(r.get(x)) for _, r in rows[:200]) if v is not None]
    ys = [v for v in (parse_number(r.get(y)) for _, r in rows[:200]) if v is not None]
    if xs and ys:
        # Gauss-Krüger without zone prefix: eastings ~1e5-1e6, northings 2e6-6e6 in China
        x_median, y_median = sorted(xs)[len(xs) // 2], sorted(ys)[len(ys) // 2]
        return x, y, x_median >= 1_000_000 > y_median
    return x, y, False
