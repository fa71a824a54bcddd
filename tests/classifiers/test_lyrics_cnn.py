"""The audio + lyrics demo classifier: both inputs reach the logits, and it round-trips a checkpoint."""

import pytest
import torch

from lmac.classifiers import LyricsMelCNN, load_classifier, save_classifier
from lmac.classifiers.multimodal import words_of

CLASSES = ["ballad", "pop", "lament", "rock"]


def _tiny():
    torch.manual_seed(0)
    return LyricsMelCNN(CLASSES, clip_seconds=0.5, n_mels=32, channels=(4, 8), text_buckets=64, text_dim=4).freeze()


def test_lyrics_and_audio_both_move_the_logits(tmp_path):
    clf, wav = _tiny(), torch.randn(2, 8000)
    with_words = clf(wav, ["love heart", "war storm"])
    assert with_words.shape == (2, 4)
    assert not torch.allclose(with_words, clf(wav)) and not torch.allclose(with_words, clf(wav * 0, ["love heart"] * 2))
    assert torch.allclose(clf(wav), clf(wav, ["", ""])) and torch.allclose(clf(wav, "war"), clf(wav, ["war", "war"]))
    save_classifier(clf, tmp_path / "mm.pt")
    again = load_classifier(tmp_path / "mm.pt")
    assert isinstance(again, LyricsMelCNN) and torch.allclose(again(wav, ["love heart", "war storm"]), with_words)


def test_words_and_their_count():
    assert words_of("Love, LOVE me  tender's!") == ["love", "love", "me", "tender's"]
    clf = _tiny()
    ids, offsets = clf.token_ids(["love love", ""])
    assert ids.tolist()[0] == ids.tolist()[1] and offsets.tolist() == [0, 2]
    with pytest.raises(ValueError, match="2 lyrics for 3 clips"):
        clf(torch.randn(3, 8000), ["a", "b"])
