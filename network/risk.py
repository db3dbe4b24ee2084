"""Risk register (风险清单): likelihood of failure × consequence of failure per pipe."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

MATERIAL_FACTORS = {"砼": 1.2, "混凝土": 1.2, "钢筋混凝土": 1.0, "concrete": 1.2, "灰口铸铁": 1.4, "cast iron": 1.4,
                    "球墨铸铁": 0.8, "ductile": 0.8, "钢": 1.1, "steel": 1.1, "pvc": 0.9, "upvc": 0.9, "pe": 0.7,
                    "hdpe": 0.7, "clay": 1.3, "陶土": 1.3, "砖": 1.5, "brick": 1.5}
GRADE_POINTS = {"Ⅰ": 1.0, "Ⅱ": 2.5, "Ⅲ": 4.0, "Ⅳ": 5.0}
SYSTEM_POINTS = {"sanitary": 5.0, "combined": 5.0, "water": 4.0, "storm": 3.0, "drainage": 3.0, None: 3.0}
CLASSES = ((16.0, "very high"), (10.0, "high"), (5.0, "medium"), (0.0, "low"))
CLASSES_ZH = {"very high": "极高", "high": "高", "medium": "中", "low": "低"}


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


def _scale(value: float, low: float, high: float) -> float:
    """Map value in [low, high] onto 1-5."""
    if high <= low:
        return 1.0
    return 1.0 + 4.0 * min(max((value - low) / (high - low), 0.0), 1.0)


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
    weights = weights or RiskWeights()
    reasons = []
    condition = GRADE_POINTS.get(structural_grade or "", 3.0)
    if structural_grade in ("Ⅲ", "Ⅳ"):
        reasons.append(f"structural grade {structural_grade}")
    age = _scale(weights.current_year - install_year, 0, weights.service_life_years) if install_year else 3.0
    if install_year and weights.current_year - install_year > weights.service_life_years * 0.8:
        reasons.append(f"installed {install_year}")
    factor = _material_factor(material)
    material_points = _scale(factor, 0.7, 1.5)
    defect_points = _scale(defects, 0, 8)
    likelihood = (weights.condition * condition + weights.age * age + weights.material * material_points
                  + weights.defects * defect_points) / (weights.condition + weights.age + weights.material
                                                         + weights.defects)
    size = _scale(diameter_mm or 400.0, 300.0, 1500.0)
    if diameter_mm and diameter_mm >= 1000:
        reasons.append(f"DN{diameter_mm:.0f}")
    served = _scale(upstream_m, 0.0, max(max_upstream_m, 1.0))
    consequence = (weights.diameter * size + weights.upstream * served + weights.system * SYSTEM_POINTS.get(
        system, 3.0)) / (weights.diameter + weights.upstream + weights.system)
    risk = round(likelihood * consequence, 2)
    risk_class = next(name for limit, name in CLASSES if risk >= limit)
    return PipeRisk(round(likelihood, 2), round(consequence, 2), risk, risk_class, reasons)
