"""The one findings schema every PipeNet check reports through."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional, Union

from .check_ids import Check

CATALOG_PATH = Path(__file__).resolve().parents[1] / "data" / "checks.json"

# Order of the columns in every findings table (layer, GeoDataFrame, CSV).
FINDING_COLUMNS = ("check", "severity", "kind", "feature_id", "fid", "value",
                   "message_en", "message_zh", "fix", "fix_zh")


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict]:
    """Return the check catalogue (severity, messages, fixes) from the data file."""
    with open(CATALOG_PATH, encoding="utf-8") as handle:
        data = json.load(handle)
    return {key: value for key, value in data.items() if not key.startswith("_")}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(slots=True)
class Finding:
    """One problem found on one feature, with where it is (x, y in the working CRS)."""

    check: str
    severity: str
    kind: str
    feature_id: str
    fid: Optional[int]
    value: str
    message_en: str
    message_zh: str
    fix: str
    fix_zh: str
    x: Optional[float] = None
    y: Optional[float] = None
    extra: dict = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        """Return the finding as a flat dict in FINDING_COLUMNS order plus x and y."""
        row = asdict(self)
        row.pop("extra")
        return row


def make_finding(
    check: Union[Check, str],
    feature_id: Any,
    fid: Optional[int] = None,
    value: Any = "",
    xy: Optional[tuple[float, float]] = None,
    severity: Optional[str] = None,
    kind: Optional[str] = None,
    **extra: Any,
) -> Finding:
    """Build a finding from the catalogue entry of ``check``, filling its message templates.

    >>> make_finding(Check.ORPHAN_NODE, "MH1", 3).message_zh, make_finding(Check.ORPHAN_NODE, "MH1").check
    ('节点未连接任何管段。', 'orphan_node')
    """
    check = _plain(check)
    entry = catalog()[check]
    if isinstance(value, float):
        value = f"{value:.3f}".rstrip("0").rstrip(".")
    try:  # a county repeats the same message thousands of times (no_outlet ...): format it once
        message_en, message_zh = _messages(check, value, tuple(extra.items()))
    except TypeError:  # an unhashable value
        message_en, message_zh = _format(entry, value, extra)
    x, y = (xy if xy is not None else (None, None))
    return Finding(check, severity or entry["severity"], kind or entry["kind"], str(feature_id), fid, str(value),
                   message_en, message_zh, entry.get("fix", ""), entry.get("fix_zh", ""),
                   None if x is None else float(x), None if y is None else float(y), dict(extra))


def make_findings(
    check: Union[Check, str],
    feature_ids: Iterable[Any],
    fids: Iterable[Optional[int]],
    x: Iterable[float],
    y: Iterable[float],
    kind: Optional[str] = None,
) -> list[Finding]:
    """Findings of ``check`` with no value for many features at once, located at (x, y); NaN is no location.

    The same as calling make_finding for each feature, with the catalogue read and the message
    formatted once: a county can have 600,000 pipes that reach no outlet.

    >>> [f.feature_id for f in make_findings(Check.ORPHAN_NODE, ["MH1", "MH2"], [1, 2], [0.0, 1.0], [0.0, 1.0])]
    ['MH1', 'MH2']
    """
    check = _plain(check)
    entry = catalog()[check]
    severity, kind = entry["severity"], kind or entry["kind"]
    message_en, message_zh = _messages(check, "", ())
    fix, fix_zh = entry.get("fix", ""), entry.get("fix_zh", "")
    return [Finding(check, severity, kind, str(feature_id), fid, "", message_en, message_zh, fix, fix_zh,
                    None if a != a or b != b else float(a), None if a != a or b != b else float(b), {})
            for feature_id, fid, a, b in zip(feature_ids, fids, x, y)]


def _plain(check: Union[Check, str]) -> str:
    """The id as the plain string every output holds (a Check member formats as "Check.X")."""
    return check.value if isinstance(check, Check) else check


@lru_cache(maxsize=4096)
def _messages(check: str, value: Any, extra: tuple) -> tuple[str, str]:
    return _format(catalog()[check], value, dict(extra))


def _format(entry: dict, value: Any, extra: dict) -> tuple[str, str]:
    words = _Blank(value=value, **extra)
    return entry["en"].format_map(words), entry["zh"].format_map(words)


def count_by_check(findings: Iterable[Finding]) -> dict[str, int]:
    """Count findings per check id, most frequent first."""
    return dict(Counter(f.check for f in findings).most_common())


def check_title(check: str, chinese: bool = False) -> str:
    """The check's name for people (legends, the findings browser, the summary); the id when unknown.

    >>> check_title("dangling_end"), check_title("dangling_end", chinese=True)
    ('Dangling pipe end', '悬挂端点')
    """
    entry = catalog().get(check, {})
    return entry.get("title_zh" if chinese else "title_en") or check


SEVERITIES = ("error", "warning", "info")  # most serious first


class Family(str, Enum):
    """The concern a check belongs to (``family`` in checks.json): a finding's marker shape on the map,
    where its severity gives the colour and size, so a technician tells a topology gap from a cross
    connection before reading a label."""

    TOPOLOGY = "topology"
    ATTRIBUTES = "attributes"
    CONNECTIVITY = "connectivity"
    ILLICIT = "illicit"
    HYDRAULICS = "hydraulics"
    CONDITION = "condition"
    CAPACITY = "capacity"
    MONITORING = "monitoring"


def check_family(check: str) -> Family:
    """The family of a check; topology for a check the catalogue does not know.

    >>> check_family("cross_connection"), check_family("dangling_end").value
    (<Family.ILLICIT: 'illicit'>, 'topology')
    """
    return Family(catalog().get(check, {}).get("family", Family.TOPOLOGY.value))
