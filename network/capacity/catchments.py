"""Sub-catchments of storm nodes: Thiessen polygons or given polygons, areas and area-weighted runoff ψ.

Geometries are shapely (1.8 or 2) in the working CRS (metres). A catchment drains to one node.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
from scipy.spatial import Voronoi
from shapely.geometry import Point, Polygon
from shapely.strtree import STRtree

from .manning import matches

RUNOFF_PATH = Path(__file__).resolve().parents[1] / "data" / "runoff.json"
HECTARE = 10_000.0


@dataclass
class Catchments:
    """Per catchment: the node it drains to, its polygon, area (ha) and runoff coefficient ψ."""

    nodes: list[str] = field(default_factory=list)
    polygons: list[Any] = field(default_factory=list)
    area_ha: np.ndarray = field(default_factory=lambda: np.zeros(0))
    psi: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def node_totals(self, names: Sequence[str], index: dict) -> tuple[np.ndarray, np.ndarray]:
        """Area (ha) and ψ·area (ha) summed per node position of a graph table; unknown nodes are skipped."""
        positions = np.array([index.get(name, -1) for name in self.nodes], dtype=np.int64)
        known = positions >= 0
        area = np.bincount(positions[known], weights=self.area_ha[known], minlength=len(names))
        psi_area = np.bincount(positions[known], weights=(self.area_ha * self.psi)[known], minlength=len(names))
        return area, psi_area


def thiessen(names: Sequence[str], xy: np.ndarray, area: Optional[Any] = None, radius: float = 50.0) -> Catchments:
    """Thiessen (Voronoi) polygons of the points, clipped to ``area`` or, without one, to ``radius`` m around each
    point (the same as clipping to the union of those discs: a point of a cell is nearest its own node).

    Points at the same place share one cell (the first gets it, the others none).

    >>> c = thiessen(["A", "B"], np.array([[0.0, 0.0], [100.0, 0.0]]), radius=50.0)
    >>> [round(a, 4) for a in c.area_ha.tolist()]
    [0.7841, 0.7841]
    """
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    result = Catchments(nodes=list(names), polygons=[None] * len(xy))
    if len(xy) == 0:
        result.area_ha, result.psi = np.zeros(0), np.zeros(0)
        return result
    unique, first = np.unique(xy, axis=0, return_index=True)
    centre, span = unique.mean(axis=0), max(float(np.ptp(unique, axis=0).max()), radius, 1.0)
    frame = centre + 10.0 * span * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    diagram = Voronoi(np.vstack([unique, frame]))  # far corners: every real point's cell is finite
    prepared = _prepared(area)
    for position, point in enumerate(first.tolist()):
        corners = diagram.vertices[diagram.regions[diagram.point_region[position]]]
        cell = Polygon(corners)
        if prepared is None:
            # a cell within the disc stays whole (most cells of a street network): only the rest are cut
            if np.hypot(*(corners - xy[point]).T).max() > radius:
                cell = cell.intersection(Point(xy[point]).buffer(radius))
        elif not prepared.contains(cell):
            cell = cell.intersection(area) if prepared.intersects(cell) else None
        result.polygons[point] = cell if cell is not None and not cell.is_empty else None
    result.area_ha = np.array([0.0 if p is None else p.area / HECTARE for p in result.polygons])
    result.psi = np.zeros(len(xy))
    return result


def given(nodes: Sequence[str], polygons: Sequence[Any]) -> Catchments:
    """Catchments from given polygons and the node each drains to."""
    return Catchments(nodes=list(nodes), polygons=list(polygons),
                      area_ha=np.array([0.0 if p is None else p.area / HECTARE for p in polygons]),
                      psi=np.zeros(len(polygons)))


def _prepared(area):
    if area is None:
        return None
    from shapely.prepared import prep

    return prep(area)


@lru_cache(maxsize=1)
def default_runoff() -> tuple[float, tuple]:
    """The default ψ and the (words, ψ) entries of the GB 50014 table, in matching order."""
    data = json.loads(RUNOFF_PATH.read_text(encoding="utf-8"))
    return float(data["_default"]), tuple((tuple(v["words"]), float(v["psi"]))
                                          for k, v in data.items() if not k.startswith("_"))


def runoff_of(value: Any, overrides: Optional[dict] = None, default: Optional[float] = None) -> float:
    """ψ of a land-use class: a number as it is, an override (exact class, case-blind), the GB 50014 table.

    >>> runoff_of("沥青路面"), runoff_of("Park"), runoff_of("0.7"), runoff_of("级配碎石路面")
    (0.9, 0.15, 0.7, 0.45)
    """
    table_default, entries = default_runoff()
    default = table_default if default is None else default
    if value is None or value != value:
        return default
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None and 0.0 <= number <= 1.0:
        return number
    for key, psi in (overrides or {}).items():
        if str(key).strip().lower() == text:
            return float(psi)
    return next((psi for words, psi in entries if any(matches(w, text) for w in words)), default)


def weight_runoff(catchments: Catchments, landuse: Sequence[tuple[Any, float]], default_psi: float) -> None:
    """Set each catchment's ψ: area-weighted over the land-use polygons it overlaps, ``default_psi`` elsewhere."""
    polygons = [geometry for geometry, _ in landuse if geometry is not None and not geometry.is_empty]
    values = [psi for geometry, psi in landuse if geometry is not None and not geometry.is_empty]
    with warnings.catch_warnings():  # shapely 1.8 warns that STRtree changes in 2.0: both are handled below
        warnings.simplefilter("ignore")
        tree = STRtree(polygons) if polygons else None
    position_of = {id(geometry): position for position, geometry in enumerate(polygons)}
    psi = np.full(len(catchments.polygons), float(default_psi))
    for row, cell in enumerate(catchments.polygons):
        if cell is None or tree is None or cell.area <= 0:
            continue
        covered = weighted = 0.0
        for hit in tree.query(cell):
            position = int(hit) if isinstance(hit, (int, np.integer)) else position_of[id(hit)]  # shapely 2 / 1.8
            part = cell.intersection(polygons[position]).area
            covered += part
            weighted += part * values[position]
        if covered >= cell.area:  # overlapping land-use polygons: their own weights
            psi[row] = weighted / covered
        else:
            psi[row] = (weighted + (cell.area - covered) * default_psi) / cell.area
    catchments.psi = psi
