"""CCTV condition scores: CJJ 181-2012 segment indices and grades, NASSCO PACP ratings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

TABLES = Path(__file__).resolve().parents[1] / "data" / "defect_codes.json"
GRADES = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ")


@lru_cache(maxsize=4)
def tables(path: Optional[str] = None) -> dict:
    """The defect scoring tables (a user copy may be given)."""
    with open(path or TABLES, encoding="utf-8") as handle:
        return json.load(handle)


@dataclass
class Defect:
    """One CCTV observation on a pipe: code, grade and distance along the pipe (m)."""

    pipe_id: str
    code: str
    grade: int
    distance: float = 0.0
    length: float = 1.0


@dataclass
class PipeCondition:
    """Scores of one pipe; None where the pipe has no defect of the family."""

    pipe_id: str
    S: float = 0.0
    F: float = 0.0
    SM: float = 0.0
    RI: float = 0.0
    Y: float = 0.0
    G: float = 0.0
    MI: float = 0.0
    structural_grade: str = "Ⅰ"
    functional_grade: str = "Ⅰ"
    repair_grade: str = "Ⅰ"
    maintenance_grade: str = "Ⅰ"
    pacp_structural: int = 0
    pacp_om: int = 0
    pacp_overall: int = 0
    pacp_index: float = 0.0
    quick_rating: str = "0000"
    defects: int = 0
    unknown: list[str] = field(default_factory=list)


def split_code(text: str) -> tuple[str, Optional[int]]:
    """'PL3' -> ('PL', 3); 'AJ' -> ('AJ', None); '破裂' names are looked up by the caller.

    >>> split_code("pl3"), split_code("JO-2"), split_code("TJ")
    (('PL', 3), ('JO', 2), ('TJ', None))
    """
    match = re.match(r"\s*([A-Za-z]+)\s*[-_ ]?\s*(\d)?", str(text))
    if not match:
        return str(text).strip(), None
    return match.group(1).upper(), int(match.group(2)) if match.group(2) else None


def importance_from_diameter(diameter_mm: Optional[float]) -> float:
    """CJJ 181 pipe importance E: 10 above DN1500, 6 for 1000-1500, 3 for 600-1000, 0 below."""
    if not diameter_mm:
        return 0.0
    if diameter_mm > 1500:
        return 10.0
    if diameter_mm >= 1000:
        return 6.0
    if diameter_mm >= 600:
        return 3.0
    return 0.0


def grade_of(value: float, limits: tuple[float, float, float]) -> str:
    """Ⅰ-Ⅳ from an index and the upper limits of Ⅰ, Ⅱ and Ⅲ."""
    for grade, limit in zip(GRADES, limits):
        if value <= limit:
            return grade
    return GRADES[3]


def _family_index(scored: list[tuple[float, float, float]], pipe_length: float) -> tuple[float, float, float]:
    """(mean index, max, density) of one family from (distance, score, length) triples (CJJ 181 4.2)."""
    if not scored:
        return 0.0, 0.0, 0.0
    scored = sorted(scored)
    merged: list[list[float]] = []
    for distance, score, length in scored:
        if merged and distance - merged[-1][0] < 1.0:  # defects under 1 m apart count as one
            merged[-1][1] = max(merged[-1][1], score)
            merged[-1][2] = max(merged[-1][2], length)
            continue
        merged.append([distance, score, length])
    total = weighted_length = 0.0
    for position, (distance, score, length) in enumerate(merged):
        gap = distance - merged[position - 1][0] if position else float("inf")
        alpha = 1.1 if 1.0 <= gap <= 1.5 else 1.0  # 1-1.5 m apart: weight 1.1
        total += alpha * score
        weighted_length += alpha * score * length
    mean = total / len(merged)
    peak = max(score for _, score, _ in merged)
    density = weighted_length / (mean * pipe_length) if mean and pipe_length else 0.0
    return mean, peak, density


def score_pipe(pipe_id: str, defects: Iterable[Defect], pipe_length: float = 1.0, diameter_mm: Optional[float] = None,
               area_importance: float = 0.0, soil: float = 0.0, table: Optional[dict] = None) -> PipeCondition:
    """Score one pipe's defects by CJJ 181-2012 and PACP.

    >>> c = score_pipe("P1", [Defect("P1", "PL", 3, 2.0), Defect("P1", "CJ", 2, 10.0)], 50.0, 400)
    >>> (c.S, c.F, c.structural_grade, c.G, c.functional_grade, c.RI, c.repair_grade)
    (5.0, 5.0, 'Ⅲ', 2.0, 'Ⅱ', 3.5, 'Ⅱ')
    """
    table = table or tables()
    cjj = table["cjj181"]
    result = PipeCondition(pipe_id)
    structural, functional = [], []
    pacp_grades: list[int] = []
    for defect in defects:
        code = defect.code.upper()
        result.defects += 1
        if code in cjj["structural"] or code in cjj["functional"]:
            family = "structural" if code in cjj["structural"] else "functional"
            scores = cjj[family][code]
            grade = min(max(defect.grade, 1), 4)
            score = float(scores[grade - 1]) if scores[grade - 1] is not None else None
            if score is None:
                score = float(max(s for s in scores if s is not None))
            (structural if family == "structural" else functional).append((defect.distance, score, defect.length))
            pacp_family = "structural" if family == "structural" else "om"
        elif code in table["pacp"]["structural"] or code in table["pacp"]["om"]:
            pacp_family = "structural" if code in table["pacp"]["structural"] else "om"
        else:
            result.unknown.append(defect.code)
            continue
        grade = min(max(defect.grade, 1), 5)
        pacp_grades.append(grade)
        if pacp_family == "structural":
            result.pacp_structural += grade
        else:
            result.pacp_om += grade
    result.S, smax, result.SM = _family_index(structural, pipe_length)
    result.F = max(smax, result.S)
    result.Y, ymax, _ = _family_index(functional, pipe_length)
    result.G = max(ymax, result.Y)
    importance = importance_from_diameter(diameter_mm)
    result.RI = round(0.7 * result.F + 0.1 * area_importance + 0.05 * importance + 0.15 * soil, 3)
    result.MI = round(0.8 * result.G + 0.15 * area_importance + 0.05 * importance, 3)
    result.structural_grade = grade_of(result.F, (1, 3, 6))
    result.functional_grade = grade_of(result.G, (1, 3, 6))
    result.repair_grade = grade_of(result.RI, (1, 4, 7))
    result.maintenance_grade = grade_of(result.MI, (1, 4, 7))
    for name in ("S", "F", "SM", "Y", "G"):
        setattr(result, name, round(getattr(result, name), 3))
    result.pacp_overall = result.pacp_structural + result.pacp_om
    if pacp_grades:
        result.pacp_index = round(result.pacp_overall / len(pacp_grades), 2)
        result.quick_rating = quick_rating(pacp_grades)
    return result


def quick_rating(grades: list[int]) -> str:
    """PACP quick rating: highest grade and its count, next grade and its count ('5423').

    >>> quick_rating([5, 5, 5, 5, 2, 2]), quick_rating([3]), quick_rating([4] * 12)
    ('5422', '3100', '4C00')
    """
    counts: dict[int, int] = {}
    for grade in grades:
        counts[grade] = counts.get(grade, 0) + 1
    ordered = sorted(counts, reverse=True)[:2]
    text = ""
    for grade in ordered:
        count = counts[grade]
        text += f"{grade}{count if count < 10 else chr(ord('A') + count - 10)}"
    return text.ljust(4, "0")


def score_all(defects: Iterable[Defect], lengths: dict[str, float], diameters: dict[str, Optional[float]],
              area_importance: float = 0.0) -> dict[str, PipeCondition]:
    """Score every pipe that has defects."""
    by_pipe: dict[str, list[Defect]] = {}
    for defect in defects:
        by_pipe.setdefault(defect.pipe_id, []).append(defect)
    return {pipe: score_pipe(pipe, items, lengths.get(pipe, 1.0), diameters.get(pipe), area_importance)
            for pipe, items in by_pipe.items()}
