"""Read undeclared-encoding shapefiles (GBK from Chinese survey tools) without mojibake."""

from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingFeatureSourceDefinition,
    QgsVectorLayer,
)

from ...network.io.encoding import detect_dbf_encoding


def _sibling(path: str, extension: str) -> bool:
    """Whether the file beside ``path`` with another extension exists (in any letter case)."""
    stem, folder = os.path.splitext(os.path.basename(path))[0], os.path.dirname(path) or "."
    return any(name.lower() == (stem + extension).lower() for name in os.listdir(folder))


def decoded_source(algorithm, parameters, key, context, feedback, source, encoding: str = ""):
    """Return ``source``, or a source over a private copy of the layer read with the right encoding.

    The user's layer is never touched: a second layer on the same file gets the encoding, and the
    selection is copied when only selected features were asked for.
    """
    if source is None:
        return None
    layer = algorithm.parameterAsVectorLayer(parameters, key, context)
    if layer is None or layer.providerType() != "ogr":
        return source
    path = layer.source().split("|")[0]
    if not path.lower().endswith(".shp"):
        return source
    if not _sibling(path, ".dbf"):
        # GDAL opens a .shp alone as geometries without a single attribute: ids, diameters, inverts
        # would all be missing, and every finding would say so feature by feature
        raise QgsProcessingException(algorithm.tr(
            "{}: layer '{}' is a shapefile without its attribute file {}: copy the .dbf (and .shx, .prj, "
            ".cpg) beside the .shp.").format(key, layer.name(), os.path.splitext(os.path.basename(path))[0] + ".dbf"))
    wanted = encoding or detect_dbf_encoding(path)
    if not wanted or wanted.lower() == layer.dataProvider().encoding().lower():
        return source
    copy = QgsVectorLayer(layer.source(), layer.name(), "ogr")
    copy.setProviderEncoding(wanted)
    value = parameters.get(key)
    if isinstance(value, QgsProcessingFeatureSourceDefinition) and value.selectedFeaturesOnly:
        copy.selectByIds(layer.selectedFeatureIds())
        context.temporaryLayerStore().addMapLayer(copy)
        copy_source = algorithm.parameterAsSource(
            {key: QgsProcessingFeatureSourceDefinition(copy.id(), True)}, key, context)
    else:
        context.temporaryLayerStore().addMapLayer(copy)
        copy_source = QgsProcessingFeatureSource(copy, context, False)
    feedback.pushInfo(algorithm.tr("Layer '{}' read as {} text (no encoding declared in the file).")
                      .format(layer.name(), wanted) if not encoding else
                      algorithm.tr("Layer '{}' read as {} text.").format(layer.name(), wanted))
    return copy_source
