"""Figures and listening pages."""

from lmac.report.plots import save_explanation_png

__all__ = ["save_explanation_png"]
