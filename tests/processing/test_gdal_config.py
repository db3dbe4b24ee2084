"""unsynced_writes: GDAL writes without waiting for the disk, in the calling thread only, while the work runs."""

import threading

from osgeo import gdal

from pipenet.processing.runtime.gdal_config import unsynced_writes


def test_only_the_calling_thread_writes_unsynced_and_only_meanwhile():
    seen_elsewhere = []
    with unsynced_writes():
        assert gdal.GetConfigOption("OGR_SQLITE_SYNCHRONOUS") == "OFF"
        other = threading.Thread(target=lambda: seen_elsewhere.append(gdal.GetConfigOption("OGR_SQLITE_SYNCHRONOUS")))
        other.start()
        other.join()
    assert seen_elsewhere == [None]
    assert gdal.GetConfigOption("OGR_SQLITE_SYNCHRONOUS") is None


def test_a_setting_the_thread_had_comes_back_after_an_error():
    gdal.SetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "NORMAL")
    try:
        try:
            with unsynced_writes():
                raise ValueError("failed run")
        except ValueError:
            pass
        assert gdal.GetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", None) == "NORMAL"
    finally:
        gdal.SetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", None)
