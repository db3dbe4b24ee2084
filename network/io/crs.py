"""Choose the metric working CRS for tolerances and lengths (UTM, or CGCS2000 Gauss-Krüger in China)."""

from __future__ import annotations

from typing import Optional

# Mainland China, roughly: where CGCS2000 3-degree Gauss-Krüger zones are what surveys use.
_CHINA_LON = (73.0, 135.5)
_CHINA_LAT = (18.0, 53.6)


def metric_epsg_for(lon: float, lat: float) -> int:
    """Return the EPSG code of a metric CRS suited to a place given in degrees.

    China gets CGCS2000 3-degree Gauss-Krüger without zone prefix (EPSG:4534-4554), elsewhere UTM.

    >>> metric_epsg_for(119.68, 30.64)   # Anji county, Zhejiang
    4549
    >>> metric_epsg_for(-72.58, 44.26)   # Montpelier, Vermont
    32618
    """
    if _CHINA_LON[0] <= lon <= _CHINA_LON[1] and _CHINA_LAT[0] <= lat <= _CHINA_LAT[1]:
        central_meridian = int(round(lon / 3.0)) * 3
        central_meridian = min(max(central_meridian, 75), 135)
        return 4534 + (central_meridian - 75) // 3
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def needs_metric_transform(is_geographic: bool, units_are_metres: Optional[bool]) -> bool:
    """Tell whether coordinates must be projected before measuring in metres.

    Unknown or local CRSs (units None) are taken as planar metres, as surveys on city grids are.
    """
    if is_geographic:
        return True
    return units_are_metres is False
