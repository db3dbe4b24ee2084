"""PipeNet QGIS plugin entry point."""


def classFactory(iface):  # noqa: N802 (QGIS plugin API name)
    """Return the plugin instance QGIS asks for."""
    from .plugin import PipeNetPlugin

    return PipeNetPlugin(iface)
