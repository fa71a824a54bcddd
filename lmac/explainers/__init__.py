"""Explanation methods behind one verb: ``explain(wav, target=None) -> Explanation``."""

from lmac.explainers.base import Explainer
from lmac.explainers.concepts import ConceptExplanation, TwoLevelExplainer
from lmac.explainers.controls import InputReference, SpectrumControl
from lmac.explainers.factorizations import (
    Factorization,
    NMFFactorization,
    OracleStems,
    SeparatorFactorization,
    TimeFrequencyGrid,
    TimeSegments,
)
from lmac.explainers.gradients import GradCAM, IntegratedGradients, Saliency, SmoothGrad
from lmac.explainers.lime import SourceLIME
from lmac.explainers.lmac import LMAC
from lmac.explainers.loading import load_explainer
from lmac.explainers.multimodal_lime import MultimodalLIME, Song
from lmac.explainers.separators import SpeechBrainSeparator
from lmac.explainers.windowing import classify_clip, explain_clip

__all__ = [
    "ConceptExplanation",
    "Explainer",
    "LMAC",
    "TwoLevelExplainer",
    "classify_clip",
    "explain_clip",
    "load_explainer",
    "SourceLIME",
    "MultimodalLIME",
    "Song",
    "Factorization",
    "OracleStems",
    "SeparatorFactorization",
    "SpeechBrainSeparator",
    "NMFFactorization",
    "TimeSegments",
    "TimeFrequencyGrid",
    "Saliency",
    "IntegratedGradients",
    "SmoothGrad",
    "GradCAM",
    "InputReference",
    "SpectrumControl",
]
