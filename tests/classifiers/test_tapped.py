import pytest
import torch
from torch import nn

from lmac.classifiers import TappedClassifier


class WaveNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 4, 9, stride=4)
        self.conv2 = nn.Conv1d(4, 8, 9, stride=4)
        self.fc = nn.Linear(8, 3)

    def forward(self, wav):
        x = torch.relu(self.conv2(torch.relu(self.conv1(wav.unsqueeze(1)))))
        return self.fc(x.mean(-1))


def test_taps_named_layers_deepest_first():
    model = WaveNet()
    clf = TappedClassifier(model, ["conv2", "conv1"], 8000, ["a", "b", "c"], clip_seconds=0.5)
    wav = torch.randn(2, 4000)
    feats = clf.features(wav)
    assert feats[0].shape[:2] == (2, 8) and feats[1].shape[:2] == (2, 4)
    assert torch.allclose(clf(wav), model(wav))
    assert not model.conv1._forward_hooks  # hooks are removed after use
    logits, both = clf.logits_and_features(wav)
    assert torch.allclose(logits, model(wav)) and all(torch.equal(a, b) for a, b in zip(both, feats))
    assert clf.feature_shapes() == [tuple(f.shape[1:]) for f in feats]


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(ValueError, match="not found"):
        TappedClassifier(WaveNet(), ["conv9"], 8000, ["a", "b", "c"], 0.5)


def test_preprocess_for_spectrogram_models():
    model = nn.Sequential(nn.Flatten(), nn.LazyLinear(2))
    clf = TappedClassifier(model, ["0"], 8000, ["x", "y"], 0.1, preprocess=lambda w: w.reshape(w.shape[0], 1, -1))
    assert clf(torch.randn(2, 800)).shape == (2, 2)
