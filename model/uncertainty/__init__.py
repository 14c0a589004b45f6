"""Uncertainty: the risk register sampled, sweeps over it and their summaries."""
