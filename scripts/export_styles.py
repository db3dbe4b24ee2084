"""Write the QML style files shipped in styles/ (English and Chinese legends) from processing/styles.py.

Run: QT_QPA_PLATFORM=offscreen python3 -P scripts/export_styles.py (make styles).
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("pipenet", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)])
module = importlib.util.module_from_spec(spec)
sys.modules["pipenet"] = module
spec.loader.exec_module(module)

from qgis.core import QgsApplication, QgsSettings, QgsVectorLayer  # noqa: E402

FIELDS = "field=pn_system:string&field=check:string&field=severity:string&field=pn_brk_cls:string" \
         "&field=pn_ovf_cls:string" \
         "&field=pn_risk_cls:string&field=rule:string&field=pn_capacity_cls:string"
KINDS = {"system": "LineString", "findings": "Point", "alarms": "Point", "breakage": "LineString",
         "overflow": "LineString", "heatmap": "Point", "events": "Point", "risk": "LineString", "trace": "LineString",
         "nodes": "Point", "capacity": "LineString"}

if __name__ == "__main__":
    application = QgsApplication([], False)
    application.initQgis()
    from pipenet.processing.report.styles import STYLES, apply_style

    STYLES.mkdir(exist_ok=True)
    for language in ("en", "zh_CN"):
        QgsSettings().setValue("locale/userLocale", language)
        for kind, geometry in KINDS.items():
            layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4549&{FIELDS}", kind, "memory")
            apply_style(layer, kind)
            suffix = "" if language == "en" else "_zh"
            message, ok = layer.saveNamedStyle(str(STYLES / f"{kind}{suffix}.qml"))
            if not ok:
                raise SystemExit(message)
    QgsSettings().setValue("locale/userLocale", "")
    print("styles written to", STYLES)
