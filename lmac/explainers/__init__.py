"""Explanation methods behind one verb: ``explain(wav, target=None) -> Explanation``."""

from lmac.explainers.base import Explainer
from lmac.explainers.lmac import LMAC
from lmac.explainers.windowing import classify_clip, explain_clip

__all__ = ["Explainer", "LMAC", "classify_clip", "explain_clip"]
