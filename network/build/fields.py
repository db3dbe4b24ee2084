"""Field-name detection and value parsing for pipe and node tables (English and Chinese)."""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

ALIASES_PATH = Path(__file__).resolve().parents[1] / "data" / "aliases.json"

PIPE_FIELDS = (
    "id", "from_node", "to_node", "system", "diameter", "material", "up_invert", "down_invert",
    "up_depth", "down_depth", "install_year", "status", "direction", "length",
)
NODE_FIELDS = ("id", "type", "system", "ground_elev", "invert_elev", "depth")

# Canonical fields whose values must be numbers; a candidate field is only auto-mapped to one of
# these when most of its values parse as numbers (so a text "Type" column is never a diameter).
NUMERIC_FIELDS = {"length", "diameter", "up_invert", "down_invert", "up_depth", "down_depth", "install_year",
                  "ground_elev", "invert_elev", "depth"}


def load_aliases(extra_path: Optional[str] = None) -> dict:
    """Return the alias tables, with a user JSON file (same layout) merged on top (read-only: shared)."""
    stamp = os.path.getmtime(extra_path) if extra_path else None
    return _load_aliases(extra_path, stamp)


@lru_cache(maxsize=8)
def _load_aliases(extra_path: Optional[str], _stamp: Optional[float]) -> dict:
    with open(ALIASES_PATH, encoding="utf-8") as handle:
        tables = json.load(handle)
    if extra_path:
        with open(extra_path, encoding="utf-8") as handle:
            extra = json.load(handle)
        for section, entries in extra.items():
            if section.startswith("_") or not isinstance(entries, dict):
                continue
            target = tables.setdefault(section, {})
            for key, words in entries.items():
                if key.startswith("_"):
                    continue
                # user words go first so they win over the shipped ones
                target[key] = list(words) + [w for w in target.get(key, []) if w not in words]
    return tables


def normalise_name(name: str) -> str:
    """Lower-case a field name and drop spaces, underscores, hyphens, dots and brackets."""
    text = unicodedata.normalize("NFKC", str(name)).lower()
    return re.sub(r"[\s_\-./()（）\[\]]+", "", text)


def detect_mapping(
    field_names: Sequence[str],
    kind: str,
    overrides: Optional[Mapping[str, Optional[str]]] = None,
    sample_rows: Optional[Sequence[Mapping[str, Any]]] = None,
    aliases: Optional[dict] = None,
) -> dict[str, str]:
    """Map canonical field names to the layer's field names; overrides win, then aliases in order.

    >>> detect_mapping(["OBJECTID", "管径", "起点埋深"], "pipe")["diameter"]
    '管径'
    """
    tables = aliases or load_aliases()
    canon = PIPE_FIELDS if kind == "pipe" else NODE_FIELDS
    alias_table = tables["pipe_fields" if kind == "pipe" else "node_fields"]
    by_norm = {}
    for name in field_names:
        by_norm.setdefault(normalise_name(name), name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for key, value in (overrides or {}).items():
        if value:
            if value not in field_names:
                raise KeyError(value)
            mapping[key] = value
            used.add(value)
    for key in canon:
        if key in mapping:
            continue
        for alias in alias_table.get(key, []):
            candidate = by_norm.get(normalise_name(alias))
            if candidate is None or candidate in used:
                continue
            if sample_rows and not _values_fit(key, candidate, sample_rows, tables):
                continue
            mapping[key] = candidate
            used.add(candidate)
            break
    return mapping


# What the absence of each field costs, in the words the log and the summary use. A role listed in
# a group counts as found when any field of the group is (inverts come as levels or as depths).
COSTS = {
    "pipe": (
        (("id",), "no pipe ids: pipes named P<feature id>"),
        (("from_node", "to_node"), "no from/to ids: pipe ends joined by geometry only"),
        (("system",), "no system: cross-connection checks off, every pipe taken as gravity"),
        (("diameter",), "no diameter: diameter decreases not checked, risk consequence without size"),
        (("up_invert", "down_invert", "up_depth", "down_depth"),
         "no inverts: slopes not checked, flow direction from ids, a direction field or digitising"),
        (("material",), "no material: risk likelihood without material"),
        (("install_year",), "no install year: risk likelihood without age"),
        (("status",), "no status: every pipe taken as in service"),
    ),
    "node": (
        (("id",), "no node ids: nodes named N<feature id>"),
        (("type",), "no node types: sinks used as outlets"),
        (("ground_elev",), "no ground levels: depths not derived, inverts above ground not checked"),
    ),
}


@dataclass
class MissingField:
    """A field the build looked for and did not find, and what its absence costs."""

    roles: tuple[str, ...]
    cost: str


@dataclass
class FieldReport:
    """Which fields of a layer the build used (role -> field), which it found by their values, and
    which it did not find with what each absence costs."""

    layer: str
    kind: str
    used: dict[str, str]
    by_content: list[str] = field(default_factory=list)
    missing: list[MissingField] = field(default_factory=list)

    @classmethod
    def of(cls, layer: str, kind: str, used: Mapping[str, str], by_content: Sequence[str] = ()) -> FieldReport:
        """The report of a mapping: its absences from COSTS.

        >>> FieldReport.of("nodes", "node", {"id": "MH"}).missing[0].cost
        'no node types: sinks used as outlets'
        """
        missing = [MissingField(roles, cost) for roles, cost in COSTS[kind]
                   if not any(role in used for role in roles)]
        return cls(layer, kind, dict(used), list(by_content), missing)

    def text(self) -> str:
        """One line for the log: used (found by content marked), then not found and the costs."""
        used = ", ".join(f"{role}={name}" + (" (by content)" if role in self.by_content else "")
                         for role, name in self.used.items()) or "none recognised"
        if not self.missing:
            return used
        return f"{used}; not found: " + "; ".join(missing.cost for missing in self.missing)

    def as_dict(self) -> dict:
        """Plain data for summaries (JSON)."""
        return {"layer": self.layer, "used": dict(self.used), "by_content": list(self.by_content),
                "missing": [{"fields": list(m.roles), "cost": m.cost} for m in self.missing]}


def _id_text(value: Any) -> Optional[str]:
    """An id as text: whole numbers without '.0', text stripped (ids in two layers compare alike)."""
    if is_null(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def detect_by_content(
    field_names: Sequence[str],
    kind: str,
    mapping: dict[str, str],
    sample_rows: Sequence[Mapping[str, Any]],
    aliases: Optional[dict] = None,
    node_ids: Optional[Iterable[Any]] = None,
) -> list[str]:
    """Find roles no alias found by the values of the fields left: a node layer's text column of
    node types ('manhole', '检查井', 'outfall' ...), a pipe layer's two columns whose values are the
    node layer's ids (``node_ids``): the first from, the second to. Adds them to ``mapping`` and
    returns the roles found.

    >>> rows = [{"a": "M1", "b": "M2", "k": "检查井"}, {"a": "M2", "b": "O1", "k": "排放口"}]
    >>> mapping = {}
    >>> detect_by_content(["a", "b", "k"], "node", mapping, rows), mapping
    (['type'], {'type': 'k'})
    >>> mapping = {}
    >>> detect_by_content(["a", "b"], "pipe", mapping, rows, node_ids=["M1", "M2", "O1"]), mapping
    (['from_node', 'to_node'], {'from_node': 'a', 'to_node': 'b'})
    """
    tables = aliases or load_aliases()
    used = set(mapping.values())
    free = [name for name in field_names if name not in used]
    found: list[str] = []

    def values_of(name: str) -> list:
        return [row.get(name) for row in sample_rows if not is_null(row.get(name))]

    if kind == "node" and "type" not in mapping:
        best, best_share = None, 0.6
        for name in free:
            values = values_of(name)
            texts = [v for v in values if isinstance(v, str) and parse_number(v) is None]
            if not values or len(texts) < 0.9 * len(values):
                continue
            share = sum(normalise_node_type(v, tables) is not None for v in texts) / len(texts)
            if share >= best_share:
                best, best_share = name, share
        if best is not None:
            mapping["type"] = best
            found.append("type")
    if kind == "pipe" and node_ids is not None and ("from_node" not in mapping or "to_node" not in mapping):
        known = {text for text in map(_id_text, node_ids) if text is not None}
        matching = []
        for name in free:
            values = [_id_text(v) for v in values_of(name)]
            if values and known and sum(v in known for v in values) >= 0.8 * len(values):
                matching.append(name)
        for role in ("from_node", "to_node"):
            if role not in mapping and matching:
                mapping[role] = matching.pop(0)
                found.append(role)
    return found


def find_field(field_names: Sequence[str], aliases: Sequence[str]) -> Optional[str]:
    """The first of ``field_names`` matching one of ``aliases`` (in alias order), ignoring case and spacing.

    >>> find_field(["OBJECTID", "缺陷代码"], ["code", "缺陷代码"])
    '缺陷代码'
    """
    by_norm = {normalise_name(name): name for name in field_names}
    for alias in aliases:
        if normalise_name(alias) in by_norm:
            return by_norm[normalise_name(alias)]
    return None


def _values_fit(key: str, field: str, rows: Sequence[Mapping[str, Any]], tables: dict) -> bool:
    """Tell whether the sampled values of a candidate field look like the canonical field."""
    values = [row.get(field) for row in rows if not is_null(row.get(field))]
    if not values:
        return True
    if key in NUMERIC_FIELDS:
        parsed = [parse_number(v) for v in values]
        return sum(p is not None for p in parsed) >= 0.5 * len(values)
    if key == "system":
        return sum(normalise_system(v, tables) is not None for v in values) >= 0.5 * len(values)
    if key == "type":
        return sum(normalise_node_type(v, tables) is not None for v in values) >= 0.3 * len(values)
    return True


def is_null(value: Any) -> bool:
    """True for None, NaN, empty strings and QVariant-like nulls."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    is_null_method = getattr(value, "isNull", None)
    return bool(is_null_method()) if callable(is_null_method) else False


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_BOX = re.compile(r"(\d+(?:\.\d+)?)\s*[x×X*＊]\s*(\d+(?:\.\d+)?)")


def parse_number(value: Any) -> Optional[float]:
    """Parse a number written as a number or as text ('DN300', 'Φ300', '300mm', '１２０').

    >>> parse_number("DN300"), parse_number("１２０"), parse_number("n/a")
    (300.0, 120.0, None)
    """
    if is_null(value):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _NUMBER.search(text.replace(",", ""))
    if not match:
        return None
    number = float(match.group(0))
    return number if math.isfinite(number) else None


def parse_diameter(value: Any) -> tuple[Optional[float], Optional[str]]:
    """Return (size, unit) where unit is 'mm', 'm' or None when the text gives none.

    Box sections ('1200×800') give the diameter of the circle with the same area.

    >>> parse_diameter("1200×800")[0] == round((4 * 1200 * 800 / 3.141592653589793) ** 0.5, 1)
    True
    """
    if is_null(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = parse_number(value)
        return number, None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    unit = None
    if "mm" in text or "毫米" in text:
        unit = "mm"
    elif "cm" in text or "厘米" in text:
        unit = "cm"
    elif re.search(r"\d\s*m\b|米", text):
        unit = "m"
    box = _BOX.search(text)
    if box:
        width, height = float(box.group(1)), float(box.group(2))
        size = round(math.sqrt(4.0 * width * height / math.pi), 1)
    else:
        size = parse_number(text)
    if size is None:
        return None, None
    if unit == "cm":
        return size * 10.0, "mm"
    return size, unit


def diameters_to_mm(values: Iterable[Any], unit: str = "auto") -> list[Optional[float]]:
    """Convert raw diameter values to millimetres; 'auto' takes metres when the median is < 10."""
    parsed = [parse_diameter(v) for v in values]
    if unit == "auto":
        bare = sorted(size for size, u in parsed if size is not None and u is None and size > 0)
        unit = "m" if bare and bare[len(bare) // 2] < 10 else "mm"
    result = []
    for size, explicit in parsed:
        if size is None:
            result.append(None)
            continue
        effective = explicit or unit
        result.append(size * 1000.0 if effective == "m" else size)
    return result


def _matches(text: str, alias: str) -> bool:
    """Match an alias inside a normalised value: short ASCII codes as whole words only."""
    alias = alias.lower()
    if alias.isascii() and len(alias) <= 3:
        return alias in re.split(r"[^0-9a-z+\-]+", text) or text == alias
    return alias in text


_CLASSIFIED: dict[tuple[int, str], Optional[str]] = {}


def _classify(value: Any, table: Mapping[str, Sequence[str]]) -> Optional[str]:
    if is_null(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    # survey columns repeat a handful of words thousands of times: remember the answers
    # (load_aliases hands out the same table objects, so their ids stay valid keys)
    memo_key = (id(table), text)
    if memo_key in _CLASSIFIED:
        return _CLASSIFIED[memo_key]
    result = None
    for key, words in table.items():
        if key.startswith("_"):
            continue
        if any(_matches(text, word) for word in words):
            result = key
            break
    if len(_CLASSIFIED) < 100_000:
        _CLASSIFIED[memo_key] = result
    return result


def normalise_system(value: Any, aliases: Optional[dict] = None) -> Optional[str]:
    """Normalise a system code or word to storm/sanitary/combined/water/drainage/reclaimed.

    >>> normalise_system("YS"), normalise_system("污水"), normalise_system("Stormwater")
    ('storm', 'sanitary', 'storm')
    """
    return _classify(value, (aliases or load_aliases())["systems"])


def normalise_node_type(value: Any, aliases: Optional[dict] = None) -> Optional[str]:
    """Normalise a node type word (manhole, outfall, plant, pump, inlet, valve ...).

    >>> normalise_node_type("CB tied to Sanitary Sewer"), normalise_node_type("检查井")
    ('inlet', 'manhole')
    """
    return _classify(value, (aliases or load_aliases())["node_types"])


def is_inactive(value: Any, aliases: Optional[dict] = None) -> bool:
    """Whether a pipe status value says the pipe carries no flow (abandoned, proposed, 废弃, 拟建 ...).

    >>> is_inactive("Abandoned"), is_inactive("拟建"), is_inactive("Existing"), is_inactive(None)
    (True, True, False, False)
    """
    return _classify(value, (aliases or load_aliases())["statuses"]) == "inactive"


def normalise_direction(value: Any, aliases: Optional[dict] = None) -> Optional[str]:
    """Read a flow-direction field value as 'forward' (with digitising) or 'reverse'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value in (1, 0, -1):
            return {1: "forward", -1: "reverse"}.get(int(value))
    table = (aliases or load_aliases())["directions"]
    if is_null(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    for key, words in table.items():
        if text in [w.lower() for w in words]:
            return key
    return None
