"""Storm capacity by the rational method of GB 50014-2021, design storms, and SWMM simulation."""
