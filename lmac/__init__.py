"""lmac: listenable explanations for audio classifiers.

The public API: classifiers (``AudioClassifier``, ``MelCNN``, ``TappedClassifier``, ``Cnn14Classifier``),
heads (``SpectrogramMaskHead``), explainers behind one verb ``explain(wav, target=None) -> Explanation``
(``LMAC``, ``SourceLIME`` with its factorizations, the captum gradient methods), and audio I/O.
"""

__version__ = "0.1.0"

from lmac.audio import AudioError, load_audio, save_audio  # noqa: E402
from lmac.checkpoint import CheckpointError  # noqa: E402
from lmac.classifiers import AudioClassifier, MelCNN, TappedClassifier, load_classifier, save_classifier  # noqa: E402
from lmac.explainers import (LMAC, Explainer, GradCAM, IntegratedGradients, NMFFactorization,  # noqa: E402
                             OracleStems, Saliency, SeparatorFactorization, SmoothGrad, SourceLIME,
                             SpeechBrainSeparator, TimeFrequencyGrid, TimeSegments, classify_clip, explain_clip)
from lmac.explanation import Explanation  # noqa: E402
from lmac.heads import HeadOutput, MaskHead, SpectrogramMaskHead  # noqa: E402

__all__ = ["__version__", "AudioError", "AudioClassifier", "CheckpointError", "Cnn14Classifier", "Explainer",
           "Explanation", "GradCAM", "HeadOutput", "IntegratedGradients", "LMAC", "MaskHead", "MelCNN",
           "NMFFactorization", "OracleStems", "Saliency", "SeparatorFactorization", "SmoothGrad", "SourceLIME",
           "SpectrogramMaskHead", "SpeechBrainSeparator", "TappedClassifier", "TimeFrequencyGrid", "TimeSegments",
           "classify_clip", "explain_clip", "load_audio", "load_classifier", "load_cnn14", "save_audio",
           "save_classifier"]


def __getattr__(name: str):
    if name in ("Cnn14Classifier", "load_cnn14"):  # SpeechBrain import is slow: only when used
        from lmac import classifiers
        return getattr(classifiers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
