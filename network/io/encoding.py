"""Detect the text encoding of a shapefile's DBF when it declares none (GBK from Chinese surveys)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Optional

# Tried in order on bytes that are not ASCII; GB18030 decodes every GBK/GB2312 text.
CANDIDATES = (("utf-8", "UTF-8"), ("gb18030", "GBK"), ("big5", "Big5"))
SAMPLE_BYTES = 2_000_000


def declared_encoding(shp_path: str) -> Optional[str]:
    """The encoding a shapefile declares (.cpg file or DBF language id), or None."""
    base = Path(shp_path)
    for suffix in (".cpg", ".CPG"):
        cpg = base.with_suffix(suffix)
        if cpg.exists():
            text = cpg.read_text(encoding="ascii", errors="ignore").strip()
            if text:
                return text
    dbf = _dbf_path(base)
    if dbf is None:
        return None
    with open(dbf, "rb") as handle:
        header = handle.read(32)
    return f"LDID/{header[29]}" if len(header) >= 30 and header[29] else None


def detect_dbf_encoding(shp_path: str) -> Optional[str]:
    """Guess the encoding of an undeclared DBF from its field names and values.

    Returns None when the file declares its encoding or is plain ASCII or valid UTF-8
    (GDAL reads those right); otherwise 'GBK' or 'Big5' when the bytes decode as such.
    """
    if declared_encoding(shp_path):
        return None
    dbf = _dbf_path(Path(shp_path))
    if dbf is None:
        return None
    with open(dbf, "rb") as handle:
        header = handle.read(32)
        if len(header) < 32:
            return None
        header_length, record_length = struct.unpack("<HH", header[8:12])
        field_block = handle.read(max(header_length - 32, 0))
        records = handle.read(SAMPLE_BYTES)
    if record_length:
        # whole records only, so a multi-byte character is never cut in two
        records = records[: len(records) // record_length * record_length]
    text = field_block + records
    non_ascii = sum(byte >= 0x80 for byte in text)
    if non_ascii == 0:
        return None
    # Fixed-width DBF fields cut multi-byte characters, so allow a few decoding errors.
    for codec, name in CANDIDATES:
        errors = text.decode(codec, errors="replace").count("\ufffd")
        if errors <= 0.05 * non_ascii:
            return None if name == "UTF-8" else name
    return None


def _dbf_path(base: Path) -> Optional[Path]:
    for suffix in (".dbf", ".DBF"):
        candidate = base.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None
