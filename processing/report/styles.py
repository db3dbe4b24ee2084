"""Styles of PipeNet's output layers (colour-blind-safe), with legend labels in the QGIS locale."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsExpression,
    QgsFeatureRequest,
    QgsGradientColorRamp,
    QgsGradientStop,
    QgsHeatmapRenderer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsRuleBasedRenderer,
    QgsSettings,
    QgsSingleSymbolRenderer,
)
from qgis.PyQt.QtGui import QColor

from ...network.model.findings import SEVERITIES, Family, catalog, check_family, check_title

STYLES = Path(__file__).resolve().parents[2] / "styles"

# Okabe-Ito, safe for the common colour-vision deficiencies. Pipes are thin lines in system hues;
# sanitary is brown and reclaimed olive so that no system shares a hue with the findings (magenta,
# yellow, white markers, all outlined dark) or with the hotspots (thick red / purple).
SYSTEM_COLOURS = {"storm": "#0072B2", "sanitary": "#8C510A", "combined": "#CC79A7", "water": "#009E73",
                  "drainage": "#56B4E9", "reclaimed": "#999933", "": "#999999"}
SEVERITY_COLOURS = {"error": "#C51B7D", "warning": "#FFD23F", "info": "#FFFFFF"}
# A finding's marker: its shape says the family (what kind of problem), its fill and size the severity
# (how bad), so the two read apart on the map and in the legend.
FAMILY_SHAPES = {Family.TOPOLOGY: "circle", Family.ATTRIBUTES: "hexagon", Family.CONNECTIVITY: "diamond",
                 Family.ILLICIT: "star", Family.HYDRAULICS: "triangle", Family.CONDITION: "square",
                 Family.CAPACITY: "pentagon", Family.MONITORING: "cross_fill"}
SEVERITY_SIZES = {"error": 3.6, "warning": 2.8, "info": 1.8}
FAMILY_LABELS = {Family.TOPOLOGY: ("topology", "拓扑"), Family.ATTRIBUTES: ("attributes", "属性"),
                 Family.CONNECTIVITY: ("connectivity", "连通性"), Family.ILLICIT: ("illicit connections", "雨污混接"),
                 Family.HYDRAULICS: ("hydraulics", "水力"), Family.CONDITION: ("condition", "结构状况"),
                 Family.CAPACITY: ("capacity", "排水能力"), Family.MONITORING: ("monitoring", "监测")}
# an alarm's marker shape, size (mm), outline colour: an error is seen first, a note last
SEVERITY_MARKERS = {"error": ("triangle", 3.4, "#1A1A1A"), "warning": ("square", 2.4, "#1A1A1A"),
                    "info": ("circle", 1.6, "#666666")}
EVENT_COLOUR = "#54278F"
HOTSPOT_COLOURS = {"hot 99%": "#b10026", "hot 95%": "#e31a1c", "hot 90%": "#fd8d3c", "not significant": "#cccccc",
                   "cold 90%": "#9ecae1", "cold 95%": "#4292c6", "cold 99%": "#08519c"}
OVERFLOW_COLOURS = {"hot 99%": "#3f007d", "hot 95%": "#6a51a3", "hot 90%": "#9e9ac8", "not significant": "#cccccc",
                    "cold 90%": "#c7e9c0", "cold 95%": "#74c476", "cold 99%": "#238b45"}
HOTSPOT_WIDTHS = {"hot 99%": 1.6, "hot 95%": 1.2, "hot 90%": 0.9}
# monitoring alarms: the marker's shape and size say the severity (as a finding's), its fill the rule; a
# sensor's own faults in greys, apart from the hydraulic alarms
ALARM_COLOURS = {"blockage": "#D55E00", "high_level": "#C51B7D", "surcharge": "#E69F00",
                 "dry_weather_flow": "#0072B2", "dry_weather_anomaly": "#F0E442", "inflow_infiltration": "#009E73",
                 "gap": "#666666", "out_of_range": "#888888", "flatline": "#AAAAAA", "spike": "#DDDDDD"}
RISK_COLOURS = {"very high": "#b10026", "high": "#fd8d3c", "medium": "#fecc5c", "low": "#d9d9d9"}
# the return period a storm pipe carries (GB 50014 classes): red below the usual 3-year standard, blues above,
# thicker the worse; pipes not assessed (other systems, no inverts) thin light grey underneath
CAPACITY_COLOURS = {"<1": "#b10026", "1-2": "#f03b20", "2-3": "#feb24c", "3-5": "#74a9cf", ">=5": "#0570b0",
                    "": "#d4d4d4"}
CAPACITY_WIDTHS = {"<1": 1.3, "1-2": 1.1, "2-3": 0.9, "3-5": 0.6, ">=5": 0.5, "": 0.2}
CAPACITY_LABELS = {"<1": ("carries < 1 year", "小于1年一遇"), "1-2": ("1-2 years", "1～2年一遇"),
                   "2-3": ("2-3 years", "2～3年一遇"), "3-5": ("3-5 years", "3～5年一遇"),
                   ">=5": (">= 5 years", "5年一遇及以上"), "": ("not assessed", "未评估")}

LABELS_ZH = {"storm": "雨水", "sanitary": "污水", "combined": "合流", "water": "给水", "drainage": "排水",
             "reclaimed": "中水", "": "其他/未知", "error": "错误", "warning": "警告", "info": "提示",
             "hot 99%": "热点 99%", "hot 95%": "热点 95%", "hot 90%": "热点 90%", "not significant": "不显著",
             "cold 90%": "冷点 90%", "cold 95%": "冷点 95%", "cold 99%": "冷点 99%", "very high": "极高风险",
             "high": "高风险", "medium": "中风险", "low": "低风险"}


def chinese() -> bool:
    """Whether QGIS runs in Chinese (legend labels follow the QGIS locale)."""
    locale = QgsSettings().value("locale/userLocale", "") or ""
    return str(locale).lower().startswith("zh")


def _label(value: str) -> str:
    return LABELS_ZH.get(value, value) if chinese() else (value or "other / unknown")


SEVERITY_LABELS = {"error": "errors", "warning": "warnings", "info": "notes"}


def finding_marker(severity: str, family: Family = Family.TOPOLOGY) -> QgsMarkerSymbol:
    """The marker of a finding: shape by ``family``, fill and size by ``severity``."""
    outline = SEVERITY_MARKERS.get(severity, SEVERITY_MARKERS["info"])[2]
    return QgsMarkerSymbol.createSimple({"name": FAMILY_SHAPES[family],
                                         "color": SEVERITY_COLOURS.get(severity, "#FFFFFF"),
                                         "size": str(SEVERITY_SIZES.get(severity, 1.8)), "outline_color": outline,
                                         "outline_width": "0.3"})


def alarms_renderer(counts: Optional[dict[str, int]] = None) -> QgsRuleBasedRenderer:
    """Monitoring alarms by severity (marker shape and size, as findings) and rule (fill colour), under one
    legend entry per severity; with ``counts`` (rule -> n) only the rules that occur, with their counts."""
    in_chinese = chinese()
    entries = catalog()
    rules = [rule for rule, entry in entries.items() if entry.get("kind") == "sensor"]
    root = QgsRuleBasedRenderer.Rule(None)
    for severity in SEVERITIES:
        chosen = [rule for rule in rules if entries[rule]["severity"] == severity and (not counts or counts.get(rule))]
        if not chosen:
            continue
        name = LABELS_ZH[severity] if in_chinese else SEVERITY_LABELS[severity].capitalize()
        parent = QgsRuleBasedRenderer.Rule(None, 0, 0, f"severity = '{severity}'", name)
        shape, size, outline = SEVERITY_MARKERS[severity]
        for rule in chosen:
            symbol = QgsMarkerSymbol.createSimple({"name": shape, "color": ALARM_COLOURS.get(rule, "#FFFFFF"),
                                                   "size": str(size + 0.6), "outline_color": outline,
                                                   "outline_width": "0.3"})
            label = check_title(rule, in_chinese) + (f" ({counts[rule]:,})" if counts else "")
            parent.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, f"\"rule\" = '{rule}'", label))
        root.appendChild(parent)
    return QgsRuleBasedRenderer(root)


def alarm_counts(layer) -> dict[str, int]:
    """rule -> number of alarms of ``layer`` (no geometry read)."""
    at = layer.fields().indexOf("rule")
    if at < 0:
        return {}
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setSubsetOfAttributes([at])
    counts: dict[str, int] = {}
    for feature in layer.getFeatures(request):
        counts[str(feature[at])] = counts.get(str(feature[at]), 0) + 1
    return counts


def finding_counts(layer) -> dict[tuple[str, str], int]:
    """(check, severity) -> number of findings of ``layer`` (no geometry read)."""
    fields = layer.fields()
    check, severity = fields.indexOf("check"), fields.indexOf("severity")
    if check < 0 or severity < 0:
        return {}
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setSubsetOfAttributes([check, severity])
    counts: dict[tuple[str, str], int] = {}
    for feature in layer.getFeatures(request):
        key = (str(feature[check]), str(feature[severity]))
        counts[key] = counts.get(key, 0) + 1
    return counts


def findings_renderer(counts: Optional[dict[tuple[str, str], int]] = None) -> QgsRuleBasedRenderer:
    """Every finding drawn: shape by family, fill and size by severity; with ``counts`` ((check, severity)
    -> n) the legend lists under each severity the checks that occur, by name, in their family's shape and
    with their count, most frequent first."""
    in_chinese = chinese()
    root = QgsRuleBasedRenderer.Rule(None)
    for severity in SEVERITIES:
        present = sorted(((n, check) for (check, level), n in (counts or {}).items() if level == severity),
                         reverse=True)
        if counts and not present:
            continue
        name = LABELS_ZH[severity] if in_chinese else SEVERITY_LABELS[severity].capitalize()
        if not present:  # a style without data (shipped QML, an empty layer): the families under each severity
            root.appendChild(_families_rule(severity, name, in_chinese))
            continue
        total = sum(n for n, _ in present)
        parent = QgsRuleBasedRenderer.Rule(None, 0, 0, f"severity = '{severity}'", f"{name} ({total:,})")
        for n, check in present:
            parent.appendChild(QgsRuleBasedRenderer.Rule(finding_marker(severity, check_family(check)), 0, 0,
                                                         QgsExpression.createFieldEqualityExpression("check", check),
                                                         f"{check_title(check, in_chinese)} ({n:,})"))
        root.appendChild(parent)
    return QgsRuleBasedRenderer(root)


def _families_rule(severity: str, name: str, in_chinese: bool) -> QgsRuleBasedRenderer.Rule:
    """Findings of ``severity`` by family: a rule per family listing its checks from the catalogue, and
    one in the topology marker for a check the catalogue does not know (a later version's; not an ELSE
    rule, which QGIS 3.22 also counts for features its siblings draw when asked for their symbols)."""
    parent = QgsRuleBasedRenderer.Rule(None, 0, 0, f"severity = '{severity}'", name)
    for family in Family:
        checks = sorted(check for check in catalog() if check_family(check) is family)
        quoted = ", ".join(map(QgsExpression.quotedString, checks))
        label = FAMILY_LABELS[family][1 if in_chinese else 0]
        parent.appendChild(QgsRuleBasedRenderer.Rule(finding_marker(severity, family), 0, 0,
                                                     f"\"check\" IN ({quoted})", label))
    known = ", ".join(map(QgsExpression.quotedString, sorted(catalog())))
    parent.appendChild(QgsRuleBasedRenderer.Rule(finding_marker(severity), 0, 0, f"\"check\" NOT IN ({known})",
                                                 "其他" if in_chinese else "other"))
    return parent


def _categorized(field: str, colours: dict, geometry: str, widths=None, labels=None) -> QgsCategorizedSymbolRenderer:
    # createSimple, not QgsSymbol.defaultSymbol: the latter opens the default style database, after
    # which qgis_process (3.22) could no longer open further GeoPackage tables in the same run
    categories = []
    for value, colour in colours.items():
        if geometry == "line":
            symbol = QgsLineSymbol.createSimple({"color": colour, "width": str((widths or {}).get(value, 0.5))})
        else:
            symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "size": "2.4",
                                                   "outline_color": "#333333"})
        label = labels[value][1 if chinese() else 0] if labels and value in labels else _label(value)
        categories.append(QgsRendererCategory(value, symbol, label))
    return QgsCategorizedSymbolRenderer(field, categories)


def apply_style(layer, kind: str) -> None:
    """Style a PipeNet output layer: system, findings, alarms, breakage, overflow, heatmap, events, risk, trace,
    capacity."""
    if kind == "system":
        layer.setRenderer(_categorized("pn_system", SYSTEM_COLOURS, "line"))
    elif kind == "findings":
        layer.setRenderer(findings_renderer(finding_counts(layer)))
    elif kind == "alarms":
        layer.setRenderer(alarms_renderer(alarm_counts(layer)))
    elif kind == "events":
        layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
            {"name": "cross2", "color": EVENT_COLOUR, "outline_color": EVENT_COLOUR, "size": "2.2",
             "outline_width": "0.5"})))
    elif kind in ("breakage", "overflow"):
        field = "pn_brk_cls" if kind == "breakage" else "pn_ovf_cls"
        colours = HOTSPOT_COLOURS if kind == "breakage" else OVERFLOW_COLOURS
        layer.setRenderer(_categorized(field, colours, "line", HOTSPOT_WIDTHS))
    elif kind == "risk":
        layer.setRenderer(_categorized("pn_risk_cls", RISK_COLOURS, "line",
                                       {"very high": 1.4, "high": 1.0, "medium": 0.6, "low": 0.3}))
    elif kind == "capacity":
        layer.setRenderer(_categorized("pn_capacity_cls", CAPACITY_COLOURS, "line", CAPACITY_WIDTHS, CAPACITY_LABELS))
    elif kind == "heatmap":
        renderer = QgsHeatmapRenderer()
        renderer.setRadius(5)
        renderer.setColorRamp(heat_ramp())
        layer.setRenderer(renderer)
    elif kind == "trace":
        layer.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple({"color": "#E69F00", "width": "1.4"})))
    elif kind == "nodes":
        layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
            {"name": "circle", "color": "#ffffff", "outline_color": "#333333", "size": "1.6"})))
    layer.triggerRepaint()


def heat_ramp() -> QgsGradientColorRamp:
    """The events' density ramp: transparent to deep purple (the overflow hotspots' hue, apart from the
    systems and the findings), sequential and safe for colour-blind readers. Built here because opening
    QgsStyle.defaultStyle() in a fresh profile broke later GeoPackage reads in the same process."""
    ramp = QgsGradientColorRamp(QColor(255, 255, 255, 0), QColor("#3F007D"))
    ramp.setStops([QgsGradientStop(0.3, QColor("#DADAEB")), QgsGradientStop(0.6, QColor("#9E9AC8"))])
    return ramp


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Styles an output layer when Processing loads it into the project."""

    instances: list = []  # Processing keeps only a pointer: hold the Python objects here

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS API)
        apply_style(layer, self.kind)

    @classmethod
    def create(cls, kind: str) -> StylePostProcessor:
        """A post-processor that stays alive as long as QGIS needs it."""
        processor = cls(kind)
        cls.instances.append(processor)
        return processor


def style_on_load(context, destination, kind: str) -> None:
    """Ask Processing to style ``destination`` when it loads it (toolbox runs; no effect in qgis_process)."""
    if destination and context.willLoadLayerOnCompletion(destination):
        context.layerToLoadOnCompletionDetails(destination).setPostProcessor(StylePostProcessor.create(kind))
