import pytest
import torch

from lmac.classifiers import MelCNN


def test_shapes_features_and_fast_path(classifier):
    wav = torch.randn(3, classifier.clip_samples)
    logits = classifier(wav)
    assert logits.shape == (3, 4)
    feats = classifier.features(wav)
    assert [f.shape[1] for f in feats] == [8, 4]  # deepest first
    assert classifier.feature_shapes() == [tuple(f.shape[1:]) for f in feats]
    mag, _ = classifier.frontend.stft(wav)
    assert torch.allclose(classifier.logits_from_magnitude(mag), logits, atol=1e-5)


def test_freeze_survives_parent_train(classifier):
    parent = torch.nn.Sequential(classifier)
    parent.train()
    assert not classifier.training
    assert not any(p.requires_grad for p in classifier.parameters())
    classifier.unfreeze().train()
    assert classifier.training and all(p.requires_grad for p in classifier.parameters())


def test_class_index(classifier):
    assert classifier.class_index("organ") == 2
    assert classifier.class_index("1") == 1 and classifier.class_index(3) == 3
    with pytest.raises(ValueError, match="unknown target"):
        classifier.class_index("violin")
    with pytest.raises(ValueError, match="out of range"):
        classifier.class_index(7)


def test_config_rebuilds_same_architecture(classifier):
    clone = MelCNN(**classifier.config())
    clone.load_state_dict(classifier.state_dict())
    assert clone.config() == classifier.config()


def test_logits_and_features_in_one_pass_match_the_separate_calls(classifier):
    wav = torch.randn(2, classifier.clip_samples)
    logits, feats = classifier.logits_and_features(wav)
    assert torch.allclose(logits, classifier(wav), atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(feats, classifier.features(wav)))
