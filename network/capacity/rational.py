"""The storm intensity formula of GB 50014-2021 (暴雨强度公式) and the rational method (推理公式法).

q = 167·A1·(1 + C·lg P) / (t + b)^n in L/(s·ha), t in minutes, P the return period in years.
The factor 167 turns mm/min into L/(s·ha); the formula's mm/min intensity is A1·(1 + C·lg P) / (t + b)^n.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._errors import PipeNetInputError

MM_PER_MIN_TO_L_S_HA = 167.0
FORMULA_KEYS = ("a1", "c", "b", "n")


@dataclass(frozen=True)
class StormFormula:
    """A city's storm intensity formula: q = 167·A1·(1 + C·lg P) / (t + b)^n.

    >>> f = StormFormula(a1=20.0, c=0.8, b=15.0, n=0.7)
    >>> round(f.intensity(3.0, 10.0), 1)
    484.8
    >>> round(f.return_period(f.intensity(3.0, 10.0), 10.0), 6)
    3.0
    """

    a1: float
    c: float
    b: float
    n: float
    name: str = ""

    def __post_init__(self):
        for key in FORMULA_KEYS:
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise PipeNetInputError(f"Storm formula {self.name or ''}: {key.upper()} must be a number, "
                                        f"not {value!r}.")
        if self.a1 <= 0 or self.b < 0 or self.n <= 0:
            raise PipeNetInputError(f"Storm formula {self.name or ''}: A1 and N must be positive and B not negative "
                                    f"(A1={self.a1}, B={self.b}, N={self.n}).")

    def mm_per_min(self, period, minutes):
        """The formula's intensity in mm/min for return period(s) ``period`` (years) and duration(s) ``minutes``."""
        return self.a1 * (1.0 + self.c * np.log10(period)) / np.power(np.add(minutes, self.b), self.n)

    def intensity(self, period, minutes):
        """q in L/(s·ha)."""
        return MM_PER_MIN_TO_L_S_HA * self.mm_per_min(period, minutes)

    def depth(self, period: float, minutes: float) -> float:
        """Rain depth (mm) of the formula's average intensity over ``minutes``."""
        return float(self.mm_per_min(period, minutes) * minutes)

    def return_period(self, q, minutes):
        """The return period (years) whose intensity over ``minutes`` is ``q`` L/(s·ha): the formula solved for P.

        P = 10^(((q / (167·A1))·(t + b)^n − 1) / C); very large values are capped at 10^6 years.
        """
        exponent = (np.asarray(q, dtype=float) / (MM_PER_MIN_TO_L_S_HA * self.a1)
                    * np.power(np.add(minutes, self.b), self.n) - 1.0) / self.c
        with np.errstate(over="ignore"):
            return np.power(10.0, np.minimum(exponent, 6.0))


def design_flow(formula: StormFormula, period: float, minutes, psi_area_ha):
    """Q = ψ·q·F in L/s for the summed ψ·F (ha) above each pipe and its time of concentration (min)."""
    return np.asarray(psi_area_ha, dtype=float) * formula.intensity(period, minutes)


def capacity_period(formula: StormFormula, q_full_l_s, minutes, psi_area_ha):
    """The return period (years) a pipe of full capacity ``q_full_l_s`` carries: inf where nothing drains to it.

    P = 10^(((Q_full / (ψ·F·167·A1))·(t + b)^n − 1) / C)
    """
    psi_area = np.asarray(psi_area_ha, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        period = formula.return_period(np.asarray(q_full_l_s, dtype=float) / psi_area, minutes)
    return np.where(psi_area > 0, period, np.inf)


CLASS_EDGES = (1.0, 2.0, 3.0, 5.0)
CLASS_NAMES = ("<1", "1-2", "2-3", "3-5", ">=5")


def capacity_classes(period) -> list:
    """The class of each return period: '<1', '1-2', '2-3', '3-5', '>=5' (years); None where unknown."""
    period = np.asarray(period, dtype=float)
    codes = np.searchsorted(np.array(CLASS_EDGES), period, side="right")
    return [None if value != value else CLASS_NAMES[code] for value, code in zip(period.tolist(), codes.tolist())]


def load_formulas(path: str) -> dict[str, StormFormula]:
    """Named city formulas from a CSV (columns name, A1, C, B, N) or JSON ({name: {A1, C, B, N}} or a list).

    Column names are matched without regard to case; a Chinese name column (城市/名称) is accepted.
    """
    file = Path(path)
    if not file.is_file():
        raise PipeNetInputError(f"Formula file {path} does not exist.")
    text = file.read_bytes().decode("utf-8-sig", errors="replace")
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as error:
            raise PipeNetInputError(f"Formula file {path} is not valid JSON: {error}.") from None
        rows = [dict(value, name=key) for key, value in data.items() if not key.startswith("_")] \
            if isinstance(data, dict) else list(data)
    else:
        rows = list(csv.DictReader(text.splitlines()))
    formulas = {}
    for number, row in enumerate(rows, start=1):
        formula = _formula_of(row, f"{path}, row {number}")
        formulas[formula.name] = formula
    if not formulas:
        raise PipeNetInputError(f"Formula file {path} holds no formula (columns name, A1, C, B, N).")
    return formulas


def _formula_of(row: dict, where: str) -> StormFormula:
    lowered = {str(key).strip().lower(): value for key, value in row.items()}
    name = next((str(lowered[key]).strip() for key in ("name", "city", "城市", "名称") if lowered.get(key)), where)
    values = {}
    for key in FORMULA_KEYS:
        try:
            values[key] = float(lowered[key])
        except (KeyError, TypeError, ValueError):
            raise PipeNetInputError(f"{where} ({name}): {key.upper()} is missing or not a number "
                                    f"({lowered.get(key)!r}).") from None
    return StormFormula(name=name, **values)
