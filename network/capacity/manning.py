"""Full-pipe capacity by Manning: Q = (1/n)·A·R^(2/3)·S^(1/2), n by material (data/manning.json)."""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from .._errors import PipeNetInputError

TABLE_PATH = Path(__file__).resolve().parents[1] / "data" / "manning.json"


@lru_cache(maxsize=1)
def default_table() -> tuple[float, tuple]:
    """The default n and the (words, n) entries of the catalogue, in matching order."""
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return float(data["_default"]), tuple((tuple(v["words"]), float(v["n"]))
                                          for k, v in data.items() if not k.startswith("_"))


def matches(word: str, text: str) -> bool:
    """Whether ``word`` occurs in ``text``: short ASCII words (pe, ci) as a whole token, others anywhere."""
    if word.isascii() and len(word) <= 3:
        return word in re.split(r"[^0-9a-z]+", text)
    return word in text


def roughness(materials: list, overrides: Optional[dict] = None) -> np.ndarray:
    """Manning n per pipe from its material: an override (exact material, case-blind) first, then the catalogue.

    >>> roughness(["HDPE", "钢筋混凝土", "砖砌", None]).tolist()
    [0.01, 0.013, 0.015, 0.013]
    """
    default, entries = default_table()
    overrides = {str(k).strip().lower(): float(v) for k, v in (overrides or {}).items()}
    found: dict = {}
    result = np.empty(len(materials))
    for row, material in enumerate(materials):
        if material not in found:
            text = "" if material is None or material != material else str(material).strip().lower()
            found[material] = overrides.get(text) or next(
                (n for words, n in entries if text and any(matches(w, text) for w in words)), default)
        result[row] = found[material]
    return result


def full_pipe(diameter_m, slope, n) -> tuple[np.ndarray, np.ndarray]:
    """Full-pipe flow (m³/s) and velocity (m/s) of circular pipes; NaN where the slope is not positive.

    >>> q, v = full_pipe(0.5, 0.003, 0.013)
    >>> round(float(q), 4), round(float(v), 3)
    (0.2068, 1.053)
    """
    diameter = np.asarray(diameter_m, dtype=float)
    slope = np.asarray(slope, dtype=float)
    with np.errstate(invalid="ignore"):
        velocity = np.where(slope > 0, (1.0 / np.asarray(n, dtype=float)) * np.power(diameter / 4.0, 2.0 / 3.0)
                            * np.sqrt(np.where(slope > 0, slope, np.nan)), np.nan)
    return velocity * np.pi * diameter ** 2 / 4.0, velocity


def load_table(path: str, value_names=("n", "manning", "roughness", "粗糙系数")) -> dict[str, float]:
    """A two-column override table (CSV: key, value; JSON: {key: value}) as a dict."""
    file = Path(path)
    if not file.is_file():
        raise PipeNetInputError(f"Table {path} does not exist.")
    text = file.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        if file.suffix.lower() == ".json":
            data = json.loads(text)
            return {str(k): float(v) for k, v in data.items() if not str(k).startswith("_")}
        rows = [row for row in csv.reader(text.splitlines()) if len(row) >= 2 and row[0].strip()]
        if rows and (rows[0][1].strip().lower() in value_names or not _is_number(rows[0][1])):
            rows = rows[1:]  # a header
        return {row[0].strip(): float(row[1]) for row in rows}
    except ValueError as error:
        raise PipeNetInputError(f"Table {path}: every row needs a name and a number ({error}).") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
