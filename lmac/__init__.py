"""lmac: listenable explanations for audio classifiers.

The public API: classifiers (``AudioClassifier``, ``MelCNN``, ``TappedClassifier``, ``Cnn14Classifier``),
the shipped heads (``SpectralGainMaskHead``, ``SpectrogramMaskHead``, ``SepFormerMaskHead``), explainers
behind one verb ``explain(wav, target=None) -> Explanation`` (``LMAC``, ``SourceLIME`` with its
factorizations, ``MultimodalLIME`` over audio and lyrics, the captum gradient methods), the global
aggregation of explanations over a dataset (``GlobalAggregation``), the STFT grid type (``STFTConfig``),
and audio I/O.

Names are imported on first use (PEP 562), so ``import lmac`` is cheap and the ``lmac`` command can
check that torch and torchaudio load together before anything imports them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "lmac.audio": ["AudioError", "load_audio", "save_audio"],
    "lmac.checkpoint": ["CheckpointError"],
    "lmac.classifiers": [
        "AudioClassifier",
        "Cnn14Classifier",
        "ConceptCNN",
        "ConceptClassifier",
        "ConceptOutputs",
        "LyricsMelCNN",
        "MelCNN",
        "TappedClassifier",
        "load_classifier",
        "load_cnn14",
        "save_classifier",
    ],
    "lmac.explainers": [
        "LMAC",
        "Explainer",
        "GradCAM",
        "IntegratedGradients",
        "MultimodalLIME",
        "NMFFactorization",
        "OracleStems",
        "Saliency",
        "SeparatorFactorization",
        "SmoothGrad",
        "Song",
        "SourceLIME",
        "SpeechBrainSeparator",
        "TimeFrequencyGrid",
        "TimeSegments",
        "TwoLevelExplainer",
        "classify_clip",
        "explain_clip",
    ],
    "lmac.explanation": ["Explanation"],
    "lmac.global_": ["GlobalAggregation"],
    "lmac.heads": ["HeadOutput", "MaskHead", "SepFormerMaskHead", "SpectralGainMaskHead", "SpectrogramMaskHead"],
    "lmac.spectral": ["STFTConfig"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = ["__version__", *sorted(_MODULE_OF)]


def __getattr__(name: str):
    if name in _MODULE_OF:
        value = getattr(importlib.import_module(_MODULE_OF[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
