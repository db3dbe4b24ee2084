"""Well-known binary (WKB) of many lines at once, assembled with numpy."""

from __future__ import annotations

import numpy as np

_LINESTRING, _MULTILINESTRING = 2, 5


def multilinestring_wkb(xy: np.ndarray, offsets: np.ndarray) -> bytes:
    """Little-endian WKB of one MultiLineString whose parts are ``xy[offsets[i]:offsets[i + 1]]``.

    >>> wkb = multilinestring_wkb(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0], [6.0, 5.0]]), np.array([0, 2, 4]))
    >>> from osgeo import ogr
    >>> ogr.CreateGeometryFromWkb(wkb).ExportToWkt()
    'MULTILINESTRING ((0 0,1 1),(5 5,6 5))'
    """
    return multilinestrings_wkb(xy, offsets, np.zeros(1, dtype=np.int64))[0]


def multilinestrings_wkb(xy: np.ndarray, offsets: np.ndarray, group_starts: np.ndarray) -> tuple[bytes, np.ndarray]:
    """WKB of several MultiLineStrings at once, back to back: (the bytes, where each one starts and
    the end). Group ``g`` holds the consecutive parts from ``group_starts[g]`` to the next group's.

    Each record is 9 header bytes (then 16 per vertex for a part), so the coordinates are not
    evenly spaced: the header bytes are placed by index and the coordinates poured around them.

    >>> data, bounds = multilinestrings_wkb(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0], [6.0, 5.0]]),
    ...                                     np.array([0, 2, 4]), np.array([0, 1]))
    >>> from osgeo import ogr
    >>> [ogr.CreateGeometryFromWkb(data[a:b]).ExportToWkt() for a, b in zip(bounds[:-1], bounds[1:])]
    ['MULTILINESTRING ((0 0,1 1))', 'MULTILINESTRING ((5 5,6 5))']
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    group_starts = np.asarray(group_starts, dtype=np.int64)
    sizes = np.diff(offsets)
    parts, first = len(sizes), int(offsets[0]) if len(offsets) else 0
    vertices = int(offsets[-1]) - first if len(offsets) else 0
    out = np.empty(9 * len(group_starts) + 9 * parts + 16 * vertices, dtype=np.uint8)
    group_of_part = np.repeat(np.arange(len(group_starts)), np.diff(np.append(group_starts, parts)))
    # bytes before a record: the group headers up to its own, the part headers and vertices before it
    part_at = 9 * (group_of_part + 1) + 9 * np.arange(parts, dtype=np.int64) + 16 * (offsets[:-1] - first)
    group_at = 9 * np.arange(len(group_starts), dtype=np.int64) + 9 * group_starts \
        + 16 * (np.append(offsets, offsets[-1:])[group_starts] - first) if len(group_starts) else group_starts
    coordinate = np.ones(len(out), dtype=bool)
    for at, headers in ((group_at, _headers(_MULTILINESTRING, np.diff(np.append(group_starts, parts)))),
                        (part_at, _headers(_LINESTRING, sizes))):
        for byte in range(9):
            out[at + byte] = headers[:, byte]
            coordinate[at + byte] = False
    out[coordinate] = np.ascontiguousarray(xy[first:first + vertices], dtype="<f8").view(np.uint8).ravel()
    return out.tobytes(), np.append(group_at, len(out))


def _headers(kind: int, counts: np.ndarray) -> np.ndarray:
    """(n, 9) bytes: little-endian marker, geometry type and count of each record."""
    header = np.empty((len(counts), 9), dtype=np.uint8)
    header[:, 0] = 1
    header[:, 1:5] = np.frombuffer(np.array([kind], dtype="<u4").tobytes(), dtype=np.uint8)
    header[:, 5:9] = np.asarray(counts, dtype="<u4").view(np.uint8).reshape(-1, 4)
    return header
