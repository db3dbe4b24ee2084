"""Risk register (风险清单): likelihood of failure × consequence of failure per pipe."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional

import numpy as np

from ..model.check_ids import Check
from ..model.columns import KeyedRecords, factorize, object_array

MATERIAL_FACTORS = {"砼": 1.2, "混凝土": 1.2, "钢筋混凝土": 1.0, "concrete": 1.2, "灰口铸铁": 1.4, "cast iron": 1.4,
                    "球墨铸铁": 0.8, "ductile": 0.8, "钢": 1.1, "steel": 1.1, "pvc": 0.9, "upvc": 0.9, "pe": 0.7,
                    "hdpe": 0.7, "clay": 1.3, "陶土": 1.3, "砖": 1.5, "brick": 1.5}
GRADE_POINTS = {"Ⅰ": 1.0, "Ⅱ": 2.5, "Ⅲ": 4.0, "Ⅳ": 5.0}
SYSTEM_POINTS = {"sanitary": 5.0, "combined": 5.0, "water": 4.0, "storm": 3.0, "drainage": 3.0, None: 3.0}
CLASSES = ((16.0, "very high"), (10.0, "high"), (5.0, "medium"), (0.0, "low"))
# the data a pipe's likelihood of failure is scored from
LIKELIHOOD_DATA = ("condition", "install year", "material", "defects")
# points (of 5) an active monitoring alarm adds to the likelihood of the pipes it points at: a located blockage
# is a failure under way; surcharge, high level and I/I show a pipe failing its duty; a dry-weather anomaly is a
# weaker sign. A sensor's own faults (gap, flat line, spike, out of range) say nothing of the pipe: none.
ALARM_LIKELIHOOD = {Check.BLOCKAGE: 1.5, Check.SURCHARGE: 1.0, Check.HIGH_LEVEL: 1.0, Check.INFLOW_INFILTRATION: 1.0,
                    Check.DRY_WEATHER_FLOW: 1.0, Check.DRY_WEATHER_ANOMALY: 0.5}


@dataclass
class RiskWeights:
    """Documented defaults; every weight is a parameter of pipenet:riskregister."""

    condition: float = 0.5
    age: float = 0.25
    material: float = 0.1
    defects: float = 0.15
    diameter: float = 0.4
    upstream: float = 0.4
    system: float = 0.2
    service_life_years: float = 50.0
    current_year: int = 2026


@dataclass
class PipeRisk:
    """Likelihood and consequence (1-5), risk (1-25), class and the reasons, for one pipe."""

    likelihood: float
    consequence: float
    risk: float
    risk_class: str
    reasons: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _material_factor(material: Optional[str]) -> float:
    """Failure factor of a material word (a survey repeats a handful of them)."""
    return next((f for name, f in MATERIAL_FACTORS.items() if material and name in str(material).lower()), 1.0)


def pipe_risk(structural_grade: Optional[str], install_year: Optional[int], material: Optional[str], defects: int,
              diameter_mm: Optional[float], upstream_m: float, max_upstream_m: float, system: Optional[str],
              weights: Optional[RiskWeights] = None) -> PipeRisk:
    """Score one pipe; missing data count as average (3), never as good.

    >>> r = pipe_risk("Ⅳ", 1985, "砼", 6, 1200, 20000, 20000, "sanitary")
    >>> r.risk_class, r.likelihood >= 4.5
    ('very high', True)
    """
    return risk_many(["pipe"], [structural_grade], [install_year], [material], [defects], [diameter_mm],
                     [upstream_m], [system], weights, max_upstream=max_upstream_m)["pipe"]


def _scale_many(values: np.ndarray, low: float, high: np.ndarray | float) -> np.ndarray:
    """Map values in [low, high] onto 1-5 (``high`` may vary per row)."""
    high = np.broadcast_to(np.asarray(high, dtype=float), values.shape)
    span = high - low
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = 1.0 + 4.0 * np.clip((values - low) / np.where(span > 0, span, 1.0), 0.0, 1.0)
    return np.where(span > 0, scaled, 1.0)


class RiskRegister(KeyedRecords):
    """Pipe id -> PipeRisk over columns: the whole network scored with array operations.

    >>> register = risk_many(["P1"], ["Ⅳ"], [1985.0], ["砼"], [6], [1200.0], [20000.0], ["sanitary"])
    >>> register["P1"].risk_class, register.class_counts()["very high"], register.risk_classes(np.array([0]))
    ('very high', 1, ['very high'])
    """

    def __init__(self, keys: list, likelihood, consequence, risk, reason_codes: np.ndarray,
                 reason_lists: list[list[str]]):
        super().__init__(keys)
        # float arrays: three lists of a county's 2.3 million Python floats held 220 MB
        self.likelihood, self.consequence, self.risk = (np.asarray(values, dtype=float)
                                                        for values in (likelihood, consequence, risk))
        # the reasons as a code per row into the lists met (-1: none): a county has a few hundred
        self.reason_codes, self.reason_lists = np.asarray(reason_codes, dtype=np.int64), reason_lists
        # the kinds of data the register had none of, and a note when that leaves nothing to rank
        # the likelihood of failure by ("" otherwise)
        self.missing: list[str] = []
        self.note = ""

    def risk_class(self, row: int) -> str:
        """Class of the pipe at ``row``."""
        value = float(self.risk[row])
        return next(name for limit, name in CLASSES if value >= limit)

    def risk_classes(self, rows: np.ndarray) -> list[str]:
        """risk_class of many rows at once."""
        codes, names = self.risk_class_codes(rows)
        return np.asarray(names, dtype=object)[codes].tolist()

    def risk_class_codes(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """risk_classes as a code per row into the class names (no string each)."""
        values = self.risk[rows]
        codes = np.full(len(values), len(CLASSES) - 1, dtype=np.int64)
        for at in reversed(range(len(CLASSES))):  # the highest class met is written last
            codes[values >= CLASSES[at][0]] = at
        return codes, [name for _, name in CLASSES]

    def reason_text_codes(self) -> tuple[np.ndarray, list[str]]:
        """Every row's reasons as one text ("" where there are none): a code per row into the texts."""
        texts = [", ".join(reasons) for reasons in self.reason_lists] + [""]
        return np.where(self.reason_codes >= 0, self.reason_codes, len(texts) - 1), texts

    def record(self, row: int) -> PipeRisk:
        """The PipeRisk of one row."""
        return PipeRisk(float(self.likelihood[row]), float(self.consequence[row]), float(self.risk[row]),
                        self.risk_class(row), self.reasons(row))

    def reasons(self, row: int) -> list[str]:
        """The reasons of the pipe at ``row`` (a new list)."""
        code = int(self.reason_codes[row])
        return list(self.reason_lists[code]) if code >= 0 else []

    def class_counts(self) -> dict[str, int]:
        """Number of pipes in each class."""
        values = np.asarray(self.risk, dtype=float)
        counts, upper = {}, np.inf
        for limit, name in CLASSES:
            counts[name] = int(((values >= limit) & (values < upper)).sum())
            upper = limit
        return counts

    def ranked(self, limit: Optional[int] = None) -> list[tuple[str, PipeRisk]]:
        """(pipe id, risk) from the highest risk down, ties in network order."""
        return [(self.keys_list[row], self.record(row)) for row in self.ranked_rows(limit)]

    def ranked_rows(self, limit: Optional[int] = None) -> list[int]:
        """Rows from the highest risk down, ties in network order."""
        return np.argsort(-np.asarray(self.risk, dtype=float), kind="stable")[:limit].tolist()


def risk_many(keys: list, grades, install_years, materials, defects, diameters, upstream,
              systems, weights: Optional[RiskWeights] = None, max_upstream: Optional[float] = None) -> RiskRegister:
    """Score every pipe at once (grades None, years/diameters NaN or None where unknown); upstream
    length served is scaled against ``max_upstream`` (default: the largest given). Lists or arrays."""
    weights = weights or RiskWeights()
    years = np.array(install_years, dtype=float)  # None becomes NaN
    diameters = np.array(diameters, dtype=float)
    upstream = np.asarray(upstream, dtype=float)
    grade_codes, grade_names = factorize(object_array(grades))
    condition = _by_code(grade_codes, [GRADE_POINTS.get(g or "", 3.0) for g in grade_names], 3.0)
    dated = np.isfinite(years) & (years != 0)
    age = np.where(dated, _scale_many(weights.current_year - np.where(dated, years, 0.0), 0,
                                      weights.service_life_years), 3.0)
    material_codes, material_names = factorize(object_array(materials))
    material_points = _scale_many(_by_code(material_codes, [_material_factor(m) for m in material_names],
                                           _material_factor(None)), 0.7, 1.5)
    defect_points = _scale_many(np.asarray(defects, dtype=float), 0, 8)
    likelihood = (weights.condition * condition + weights.age * age + weights.material * material_points
                  + weights.defects * defect_points) / (weights.condition + weights.age + weights.material
                                                         + weights.defects)
    sized = np.isfinite(diameters) & (diameters != 0)
    size = _scale_many(np.where(sized, diameters, 400.0), 300.0, 1500.0)
    largest = max_upstream if max_upstream is not None else (float(upstream.max()) if len(upstream) else 0.0)
    most = max(largest, 1.0)
    served = _scale_many(upstream, 0.0, most)
    system_codes, system_names = factorize(object_array(systems))
    system_points = _by_code(system_codes, [SYSTEM_POINTS.get(s, 3.0) for s in system_names], SYSTEM_POINTS[None])
    consequence = (weights.diameter * size + weights.upstream * served + weights.system * system_points) \
        / (weights.diameter + weights.upstream + weights.system)
    old = dated & (weights.current_year - np.where(dated, years, 0.0) > weights.service_life_years * 0.8)
    # each reason's text made once per distinct value, the rows' lists once per combination met
    severe = np.array([grade in ("Ⅲ", "Ⅳ") for grade in grade_names] + [False])[grade_codes]
    parts = [_reason_part(severe, grade_codes, grade_names, lambda grade: f"structural grade {grade}"),
             _reason_part(old, years, None, lambda year: f"installed {int(year)}"),
             _reason_part(sized & (diameters >= 1000), diameters, None, lambda diameter: f"DN{diameter:.0f}")]
    combination = np.zeros(len(years), dtype=np.int64)
    for codes, texts in parts:
        combination = combination * (len(texts) + 1) + codes + 1
    met, reason_codes = np.unique(combination, return_inverse=True)
    reason_lists = []
    for key in met.tolist():
        reasons = []
        for _, texts in reversed(parts):
            key, code = divmod(key, len(texts) + 1)
            if code:
                reasons.insert(0, texts[code - 1])
        reason_lists.append(reasons)
    reason_codes = np.where(np.array([bool(r) for r in reason_lists], dtype=bool)[reason_codes], reason_codes, -1)
    missing = [name for name, absent in (
        ("condition", not severe.any() and all(g is None for g in grade_names)),
        ("install year", not dated.any()), ("material", all(m is None for m in material_names)),
        ("defects", not np.any(np.asarray(defects, dtype=float) > 0)), ("diameter", not sized.any()))
        if absent]
    note = ""
    if len(keys) and set(LIKELIHOOD_DATA) <= set(missing):
        by = "upstream length and system" if "diameter" in missing else "diameter, upstream length and system"
        note = (f"No {', '.join(missing)} data: every pipe has the same likelihood of failure, so the register "
                f"ranks by consequence only ({by}).")
    # a pipe with none of the data its likelihood is scored from says so, instead of an empty reason
    blind = (grade_codes < 0) & ~dated & (material_codes < 0) & ~(np.asarray(defects, dtype=float) > 0) \
        & (reason_codes < 0)
    if blind.any():
        reason_lists.append([f"no {' / '.join(LIKELIHOOD_DATA)} data"])
        reason_codes = np.where(blind, len(reason_lists) - 1, reason_codes)
    # rounded as numpy rounds (x 100, half to even, / 100), for one pipe and a county alike
    register = RiskRegister(list(keys), np.round(likelihood, 2), np.round(consequence, 2),
                            np.round(likelihood * consequence, 2), reason_codes, reason_lists)
    register.missing, register.note = missing, note
    return register


def _reason_part(rows: np.ndarray, values: np.ndarray, names: Optional[list], text) -> tuple[np.ndarray, list[str]]:
    """(a code per row into the reason texts, -1 where ``rows`` is False; the texts) of one kind of
    reason: ``text(value)`` for each distinct value (or name, when ``values`` are codes into ``names``)."""
    codes = np.full(len(rows), -1, dtype=np.int64)
    distinct, inverse = np.unique(values[rows], return_inverse=True)
    codes[rows] = inverse
    return codes, [text(names[value] if names is not None else value) for value in distinct.tolist()]


def _by_code(codes: np.ndarray, points: list[float], missing: float) -> np.ndarray:
    """Points of every row from those of its distinct value (code -1: no value)."""
    return np.array(points + [missing], dtype=float)[codes]


def raise_for_alarms(register: RiskRegister, alarms: Iterable, points: Optional[dict] = None) -> RiskRegister:
    """A new register in which the pipes active monitoring alarms point at are likelier to fail.

    Each alarm (anything with ``rule``, ``sensor_id``, ``start``, ``candidate_pipes`` and ``pipe_id``, as
    network.monitoring.Alarm) points at its candidate pipes where the cause is located on the network, else at
    the pipe its sensor is in. A pipe's likelihood rises by the largest ``points[rule]`` (ALARM_LIKELIHOOD) of
    the alarms on it, to at most 5; its risk is likelihood x consequence again and each alarm is named among
    its reasons. Pipes no alarm points at, and the register given, are unchanged.

    >>> register = risk_many(["P1", "P2"], [None, None], [None, None], [None, None], [0, 0], [600.0, 600.0],
    ...                      [100.0, 100.0], ["sanitary", "sanitary"])
    >>> class Alarm: rule, sensor_id, start, candidate_pipes, pipe_id = "blockage", "L1", "2024-06-01", ["P2"], ""
    >>> raised = raise_for_alarms(register, [Alarm()])
    >>> round(raised["P2"].likelihood - register["P2"].likelihood, 2), raised.ranked()[0][0], raised["P2"].reasons[-1]
    (1.5, 'P2', 'alarm blockage (L1, from 2024-06-01)')
    """
    points = ALARM_LIKELIHOOD if points is None else points
    raise_by: dict[int, float] = {}
    named: dict[int, list[str]] = {}
    for alarm in alarms:
        added = points.get(alarm.rule, 0.0)
        if added <= 0:
            continue
        pipes = list(alarm.candidate_pipes) or ([alarm.pipe_id] if alarm.pipe_id else [])
        start = f"{alarm.start:%Y-%m-%d %H:%M}" if hasattr(alarm.start, "strftime") else str(alarm.start)
        for pipe in pipes:
            row = register.row_or_none(pipe)
            if row is None:
                continue
            raise_by[row] = max(raise_by.get(row, 0.0), added)
            text = f"alarm {alarm.rule} ({alarm.sensor_id}, from {start})"
            if text not in named.setdefault(row, []):
                named[row].append(text)
    likelihood = register.likelihood.copy()
    reason_codes, reason_lists = register.reason_codes.copy(), list(register.reason_lists)
    for row, added in raise_by.items():
        likelihood[row] = min(5.0, likelihood[row] + added)
        reason_lists.append(register.reasons(row) + named[row])
        reason_codes[row] = len(reason_lists) - 1
    raised = RiskRegister(register.keys_list, np.round(likelihood, 2), register.consequence,
                          np.round(likelihood * register.consequence, 2), reason_codes, reason_lists)
    raised._position = register.position
    raised.missing, raised.note = register.missing, register.note
    return raised
