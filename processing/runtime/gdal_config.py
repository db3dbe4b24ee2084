"""GDAL configuration set for the calling thread only, for as long as a piece of work runs."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def unsynced_writes() -> Iterator[None]:
    """GDAL's SQLite-based drivers (GeoPackage) write in this thread without waiting for the disk.

    Only for files the run makes itself and removes if it fails: each commit otherwise waits for
    the disk (~300 waits per county audit, 0.9 s), and a power cut could then damage the file
    being written, never another. Other threads, and the thread after the work, are unaffected.
    """
    from osgeo import gdal

    previous = gdal.GetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", None)
    gdal.SetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF")
    try:
        yield
    finally:
        gdal.SetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", previous)
