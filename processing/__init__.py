"""QGIS Processing adapters: parameters in, core calls, sinks out. No analysis logic here."""
