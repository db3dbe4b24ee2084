"""Condition and risk: CCTV defect scores (CJJ 181-2012, NASSCO PACP) and the risk register."""
