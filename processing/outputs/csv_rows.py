"""CSV lines assembled as bytes by numpy: each distinct text encoded once, the lines in one gather.

``csv.writer`` spends ~1.5 µs on a row of ten fields; a county's risk register has millions of
rows. Most of its columns have few distinct values, so each value's CSV text is made once and
the lines are gathered from them a chunk at a time. The bytes are those ``csv.writer`` writes
(excel dialect: commas, minimal quoting, CRLF), in UTF-8.

Text cells that a spreadsheet would read as a formula (starting with = + - @, tab or CR) are
written with a single quote before them, as OWASP advises against CSV injection; numbers, -1.5
among them, are written as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...network.model.columns import factorize, ranges
from .gpkg_staging import small_codes

SPECIAL = (",", '"', "\r", "\n")  # a field holding one of these is quoted


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """A text cell a spreadsheet shows as text: a formula's first character is neutralised.

    >>> safe_text("=SUM(A1)"), safe_text("-1.5"), safe_text("DN300")
    ("'=SUM(A1)", "'-1.5", 'DN300')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value, text=str) -> str:
    """A value's CSV field: numbers as ``text`` makes them, other values neutralised (safe_text) too.

    >>> print(cell(-1.5), cell("-1.5"), cell("@SUM(A1)"), cell("=a,b"))
    -1.5 '-1.5 '@SUM(A1) "'=a,b"
    """
    written = text(value)
    if not isinstance(value, (int, float, np.number)):
        written = safe_text(written)
    return quoted(written)


def quoted(text: str) -> str:
    """A field as csv.writer writes it (QUOTE_MINIMAL).

    >>> quoted("DN300"), quoted('say "hi", then go')
    ('DN300', '"say ""hi"", then go"')
    """
    return '"' + text.replace('"', '""') + '"' if any(mark in text for mark in SPECIAL) else text


@dataclass
class TextColumn:
    """A column as an index per row (``codes``) into its distinct field texts (already quoted)."""

    codes: np.ndarray
    texts: list[str]

    def encoded(self) -> tuple[bytes, np.ndarray, np.ndarray]:
        """The texts' UTF-8 bytes one after another, and where each starts and how long it is (made once)."""
        if getattr(self, "_encoded", None) is None:
            pieces = [text.encode("utf-8") for text in self.texts]
            sizes = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            self._encoded = b"".join(pieces), np.cumsum(sizes) - sizes, sizes
        return self._encoded

    @classmethod
    def of(cls, values, text=str) -> TextColumn:
        """The column of ``values`` (None and NaN: an empty field), each distinct value as ``text(value)``."""
        codes, distinct = factorize(np.asarray(values) if not isinstance(values, list) else
                                    np.array(values, dtype=object))
        return cls(small_codes(codes, len(distinct)), [cell(value, text) for value in distinct] + [""])  # -1: ""

    @classmethod
    def of_coded(cls, column) -> TextColumn:
        """The column of a gpkg_staging.Coded column (its codes and values)."""
        return cls(column.codes, [cell(value) for value in column.values] + [""])

    @classmethod
    def of_texts(cls, texts: list[str], numbers: bool = False) -> TextColumn:
        """A column of one text per row (ids; ranks, written as ``numbers``: never neutralised)."""
        if not numbers and any(text.startswith(FORMULA_STARTS) for text in texts):
            texts = [safe_text(text) for text in texts]
        joined = "".join(texts)
        if any(mark in joined for mark in SPECIAL):
            texts, joined = [quoted(text) for text in texts], None
        column = cls(np.arange(len(texts)), texts)
        if joined is not None and joined.isascii():  # then each text's bytes are its characters: one encode
            sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            column._encoded = joined.encode("ascii"), np.cumsum(sizes) - sizes, sizes
        return column


def csv_lines(columns: list[tuple[TextColumn, np.ndarray]]) -> bytes:
    """The UTF-8 CSV lines (CRLF) whose fields are, column by column, the texts of ``columns``
    given as (column, the code positions of the lines' rows in it)."""
    pieces, offsets, sizes = [], [], []
    start = 0
    for column, _ in columns:
        data, offset, size = column.encoded()
        pieces.append(data)
        offsets.append(start + offset)
        sizes.append(size)
        start += len(data)
    pieces.append(b",\r\n")
    comma, end = start, start + 1
    buffer = np.frombuffer(b"".join(pieces), dtype=np.uint8)
    count = len(columns[0][1]) if columns else 0
    width = 2 * len(columns)
    starts, lengths = np.empty((count, width), dtype=np.int64), np.empty((count, width), dtype=np.int64)
    for at, ((column, rows), offset, size) in enumerate(zip(columns, offsets, sizes)):
        codes = column.codes[rows]
        starts[:, 2 * at], lengths[:, 2 * at] = offset[codes], size[codes]
        starts[:, 2 * at + 1], lengths[:, 2 * at + 1] = comma, 1
    starts[:, -1], lengths[:, -1] = end, 2
    return buffer[ranges(starts.ravel(), lengths.ravel())].tobytes()
