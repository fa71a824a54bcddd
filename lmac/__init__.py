"""lmac: listenable explanations for audio classifiers."""

__version__ = "0.1.0"

from lmac.audio import AudioError, load_audio, save_audio  # noqa: E402
from lmac.checkpoint import CheckpointError  # noqa: E402
from lmac.classifiers import AudioClassifier, MelCNN, TappedClassifier, load_classifier, save_classifier  # noqa: E402
from lmac.explainers import LMAC, Explainer, classify_clip, explain_clip  # noqa: E402
from lmac.explanation import Explanation  # noqa: E402
from lmac.heads import HeadOutput, MaskHead, SpectrogramMaskHead  # noqa: E402

__all__ = ["__version__", "AudioError", "AudioClassifier", "CheckpointError", "Explainer", "Explanation",
           "HeadOutput", "LMAC", "MaskHead", "MelCNN", "SpectrogramMaskHead", "TappedClassifier",
           "classify_clip", "explain_clip", "load_audio", "load_classifier", "save_audio", "save_classifier"]
