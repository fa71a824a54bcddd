"""SpeechBrain CNN14 adapter with random weights saved by the test in SpeechBrain's file layout."""

import pytest
import torch
from audio_fixtures import make_cnn14_folder
from speechbrain.lobes.models.Cnn14 import Cnn14
from speechbrain.processing.features import STFT, Filterbank, spectral_magnitude

from lmac.checkpoint import CheckpointError
from lmac.classifiers import Cnn14Classifier, load_classifier, load_cnn14, save_classifier

CLASSES = ["dog", "rain", "siren"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("cnn14")
    make_cnn14_folder(path, CLASSES)
    return path


def test_matches_speechbrain_recipe_pipeline(folder):
    clf = load_cnn14(CLASSES, folder, clip_seconds=1.0)
    assert clf.n_classes == 3 and not clf.training and not any(p.requires_grad for p in clf.parameters())
    wav = torch.randn(2, 16000) * 0.1
    # The recipe's compute_forward, written out with SpeechBrain's own modules and the saved files.
    emb = Cnn14(32, 32, return_reps=True).eval()
    emb.load_state_dict(torch.load(folder / "embedding_model.ckpt", weights_only=True))
    lin = torch.nn.Linear(32, 3)
    lin.load_state_dict(torch.load(folder / "classifier.ckpt", weights_only=True))
    stft = STFT(sample_rate=16000, n_fft=1024, hop_length=11.6099, win_length=23.2199)
    fbank = Filterbank(n_mels=32, n_fft=1024, sample_rate=16000, log_mel=False)
    with torch.no_grad():
        expected = lin(emb(torch.log1p(fbank(spectral_magnitude(stft(wav), power=0.5))))[0]).squeeze(1)
        assert torch.allclose(clf(wav), expected, atol=1e-5)
        feats = clf.features(wav)
    frames = 16000 // 186 + 1  # hop 11.6099 ms at 16 kHz = 186 samples
    assert [tuple(f.shape) for f in feats] == [
        (2, 32, 1, frames // 32),
        (2, 1024, 1, frames // 32),
        (2, 512, 2, frames // 16),
        (2, 256, 4, frames // 8),
    ]
    assert clf.feature_shapes() == [tuple(f.shape[1:]) for f in feats]


def test_label_encoder_reorders_rows(tmp_path):
    model = make_cnn14_folder(tmp_path, CLASSES, encoder_order=["siren", "dog", "rain"])
    clf = load_cnn14(CLASSES, tmp_path, clip_seconds=1.0)
    wav = torch.randn(1, 16000) * 0.1
    with torch.no_grad():
        assert torch.allclose(clf(wav), model(wav)[:, [1, 2, 0]], atol=1e-5)


def test_self_describing_checkpoint_round_trip(folder, tmp_path):
    clf = load_cnn14(CLASSES, folder, clip_seconds=1.0)
    assert "folder" not in clf.config() and clf.config()["n_mels"] == 32
    save_classifier(clf, tmp_path / "clf.pt")
    back = load_classifier(tmp_path / "clf.pt")
    assert isinstance(back, Cnn14Classifier)
    wav = torch.randn(1, 16000) * 0.1
    with torch.no_grad():
        assert torch.allclose(back(wav), clf(wav))


def test_clear_errors(folder, tmp_path):
    with pytest.raises(CheckpointError, match="no such CNN14 checkpoint folder"):
        load_cnn14(CLASSES, tmp_path / "missing")
    with pytest.raises(CheckpointError, match="embedding_model.ckpt: no such file"):
        load_cnn14(CLASSES, tmp_path)
    with pytest.raises(CheckpointError, match="3 outputs but 2 classes"):
        load_cnn14(CLASSES[:2], folder)
    (tmp_path / "embedding_model.ckpt").write_bytes(b"garbage")
    (tmp_path / "classifier.ckpt").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="not a readable PyTorch state dict"):
        load_cnn14(CLASSES, tmp_path)
    with pytest.raises(ValueError, match="n_mels must be at least 32"):
        Cnn14Classifier(CLASSES, n_mels=16)


def test_logits_and_features_is_one_pass(folder):
    clf = load_cnn14(CLASSES, folder, clip_seconds=1.0)
    calls = []
    clf.embedding_model.register_forward_hook(lambda *_: calls.append(1))
    wav = torch.randn(2, 16000) * 0.1
    with torch.no_grad():
        logits, feats = clf.logits_and_features(wav)
        assert len(calls) == 1
        assert torch.allclose(logits, clf(wav), atol=1e-6)
        assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(feats, clf.features(wav)))
