"""Whole-network checks and analyses on a built graph table: connectivity, traces, accumulation,
hydraulics, illicit connections, valve isolation, IDDE source ranking."""
