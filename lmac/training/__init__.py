"""Lightning training: modules and callbacks."""

from lmac.training.callbacks import ExplanationExamples
from lmac.training.concepts import ConceptExplainerModule, ConceptModule
from lmac.training.mixtures import TwoClassMixtures
from lmac.training.modules import ClassifierModule, ExplainerModule
from lmac.training.multimodal import LyricsClassifierModule

__all__ = [
    "ClassifierModule",
    "ConceptExplainerModule",
    "ConceptModule",
    "ExplainerModule",
    "ExplanationExamples",
    "LyricsClassifierModule",
    "TwoClassMixtures",
]
