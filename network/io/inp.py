"""Read the [SECTION] text format shared by EPA SWMM 5 and EPANET .inp files."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional


class ModelFileError(ValueError):
    """A model file that cannot be read; the message names the file and line."""


@dataclass
class InpFile:
    """Rows of every section: (line number, fields) with comments and blank lines dropped."""

    path: str
    sections: dict[str, list[tuple[int, list[str]]]] = field(default_factory=dict)
    unknown_sections: list[str] = field(default_factory=list)

    def rows(self, name: str) -> list[tuple[int, list[str]]]:
        """The rows of a section (empty when the file has none)."""
        return self.sections.get(name.upper(), [])


def read_inp(path: str, known: set[str], encodings=("utf-8", "gb18030", "latin-1")) -> InpFile:
    """Split a .inp file into sections; text before the first section header is an error.

    >>> import tempfile, os
    >>> handle, name = tempfile.mkstemp(suffix=".inp")
    >>> _ = os.write(handle, b"[JUNCTIONS]\\n;;c\\nJ1 10 2\\n"); os.close(handle)
    >>> read_inp(name, {"JUNCTIONS"}).rows("junctions")
    [(3, ['J1', '10', '2'])]
    """
    with open(path, "rb") as handle:
        raw = handle.read()
    text: Optional[str] = None
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    model = InpFile(path)
    current: Optional[str] = None
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split(";", 1)[0].strip()
        if not content:
            continue
        if content.startswith("["):
            if not content.endswith("]"):
                raise ModelFileError(f"{path}, line {number}: unclosed section header '{content}'.")
            current = content[1:-1].strip().upper()
            model.sections.setdefault(current, [])
            if current not in known:
                model.unknown_sections.append(current)
            continue
        if current is None:
            raise ModelFileError(f"{path}, line {number}: text before the first [SECTION] header.")
        model.sections[current].append((number, content.split()))
    if not model.sections:
        raise ModelFileError(f"{path}: no [SECTION] found; is this an .inp model file?")
    return model


def number(model: InpFile, line: int, value: str, what: str, positive: bool = False) -> float:
    """A finite float from a field (``positive``: above zero), or a ModelFileError naming the file,
    line and field. SWMM and EPANET refuse such values too (their "invalid number" errors)."""
    try:
        result = float(value)
    except ValueError:
        raise ModelFileError(f"{model.path}, line {line}: {what} '{value}' is not a number.") from None
    if not math.isfinite(result):
        raise ModelFileError(f"{model.path}, line {line}: {what} '{value}' is not a finite number.")
    if positive and result <= 0:
        raise ModelFileError(f"{model.path}, line {line}: {what} {value} must be above zero.")
    return result


# Past 1e15 a double no longer holds a coordinate to the decimetre (its step is 0.125 there), and
# squared distances overflow near 1e154: no survey or model is drawn there.
COORDINATE_LIMIT = 1e15


def coordinate(model: InpFile, line: int, value: str, what: str) -> float:
    """A coordinate from a field: a finite number within COORDINATE_LIMIT, else a ModelFileError."""
    result = number(model, line, value, what)
    if abs(result) > COORDINATE_LIMIT:
        raise ModelFileError(f"{model.path}, line {line}: {what} {value} is not a plausible coordinate "
                             f"(beyond {COORDINATE_LIMIT:g}).")
    return result


def unique(model: InpFile, seen: dict[str, int], name: str, line: int, what: str) -> None:
    """Record an object's name, or fail when it was defined before: SWMM and EPANET refuse a model
    with duplicate names (a file whose sections were pasted twice would double every link)."""
    if name in seen:
        raise ModelFileError(f"{model.path}, line {line}: {what} {name} is defined again (first on line "
                             f"{seen[name]}); names must be unique, as SWMM and EPANET require.")
    seen[name] = line


def need(model: InpFile, line: int, fields: list[str], count: int, section: str) -> None:
    """Fail with the line number when a row has fewer than ``count`` fields."""
    if len(fields) < count:
        raise ModelFileError(f"{model.path}, line {line}: [{section}] row needs {count} values, "
                             f"has {len(fields)}: {' '.join(fields)}")
