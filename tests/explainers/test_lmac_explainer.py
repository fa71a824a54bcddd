import pytest
import torch
from conftest import tiny_classifier, tiny_head

from lmac.checkpoint import CheckpointError
from lmac.explainers import LMAC, explain_clip
from lmac.explainers.windowing import classify_clip, window_starts


def test_explain_contract(explainer, classifier):
    wav = torch.randn(3, classifier.clip_samples)
    exp = explainer.explain(wav)
    assert exp.explanation_wav.shape == exp.residual_wav.shape == wav.shape
    assert exp.saliency.shape[:2] == (3, 257) and 0 <= exp.saliency.min() and exp.saliency.max() <= 1
    assert torch.equal(exp.target, classifier(wav).argmax(-1))
    assert exp.method == "lmac" and exp.sample_rate == classifier.sample_rate
    assert torch.allclose(explainer.explain(wav[0]).explanation_wav, exp.explanation_wav[:1], atol=1e-5)  # (T,)


@pytest.mark.parametrize(
    "target,expected", [(2, [2, 2]), ("flute", [3, 3]), (["piano", 1], [0, 1]), (torch.tensor([3, 0]), [3, 0])]
)
def test_target_forms(explainer, classifier, target, expected):
    exp = explainer.explain(torch.randn(2, classifier.clip_samples), target=target)
    assert exp.target.tolist() == expected


def test_bad_targets(explainer, classifier):
    wav = torch.randn(2, classifier.clip_samples)
    with pytest.raises(ValueError, match="unknown target"):
        explainer.explain(wav, target="violin")
    with pytest.raises(ValueError, match="2 clips"):
        explainer.explain(wav, target=[0])


@pytest.mark.parametrize("target", [None, "organ"])
def test_one_classifier_pass_per_explanation(explainer, classifier, target):
    calls = []
    handle = classifier.frontend.register_forward_hook(lambda *_: calls.append(1))
    try:
        exp = explainer.explain(torch.randn(2, classifier.clip_samples), target=target)
    finally:
        handle.remove()
    assert len(calls) == 1
    assert exp.target.tolist() == ([2, 2] if target else classifier(exp.wav).argmax(-1).tolist())


def test_export_load_roundtrip_and_wrong_classifier(tmp_path, explainer, classifier):
    explainer.export(tmp_path / "e.pt")
    loaded = LMAC.from_pretrained(tmp_path / "e.pt")
    wav = torch.randn(2, classifier.clip_samples)
    assert torch.allclose(loaded.explain(wav).explanation_wav, explainer.explain(wav).explanation_wav, atol=1e-6)
    same = LMAC.from_pretrained(tmp_path / "e.pt", classifier=tiny_classifier())
    assert same.head is not None
    other = tiny_classifier()
    with torch.no_grad():
        other.fc.bias.add_(1.0)
    with pytest.raises(CheckpointError, match="another classifier"):
        LMAC.from_pretrained(tmp_path / "e.pt", classifier=other)
    with pytest.raises(CheckpointError, match="classes"):
        LMAC.from_pretrained(tmp_path / "e.pt", classifier=tiny_classifier(classes=["a", "b"]))


def test_window_starts_cover_the_clip():
    assert window_starts(100, 100) == [0]
    assert window_starts(50, 100) == [0]
    assert window_starts(250, 100) == [0, 50, 100, 150]
    assert window_starts(230, 100) == [0, 50, 100, 130]


def test_explain_clip_long_short_exact(explainer, classifier):
    W = classifier.clip_samples
    for length in (W, W // 3, int(2.7 * W)):
        wav = torch.randn(length)
        exp = explain_clip(explainer, wav)
        assert exp.wav.shape == exp.explanation_wav.shape == exp.residual_wav.shape == (1, length)
        assert exp.saliency.shape == (1, 257, length // 128 + 1)
        assert exp.target.item() == classify_clip(classifier, wav).argmax().item()
        # spectrogram masks sum to one: stitched explanation + residual rebuild the input
        assert torch.allclose(exp.explanation_wav + exp.residual_wav, exp.wav, atol=1e-3)


def test_long_clip_stitching_matches_windows_for_constant_mask(classifier):
    head = tiny_head(classifier)
    with torch.no_grad():
        head.conv_out.weight.zero_()
        head.conv_out.bias.fill_(0.0)  # mask = 0.5 everywhere
    exp = explain_clip(LMAC(classifier, head), torch.randn(3 * classifier.clip_samples))
    assert torch.allclose(exp.explanation_wav, 0.5 * exp.wav, atol=1e-3)
    assert torch.allclose(exp.saliency[..., 2:-2], torch.full_like(exp.saliency[..., 2:-2], 0.5), atol=0.02)


@pytest.mark.parametrize("length", [1, 3])
def test_explain_clip_one_and_three_samples(explainer, length):
    exp = explain_clip(explainer, torch.full((length,), 0.25))
    assert exp.explanation_wav.shape == exp.residual_wav.shape == (1, length)
    assert exp.saliency.shape == (1, 257, 1) and torch.isfinite(exp.explanation_wav).all()


def test_explain_clip_does_not_depend_on_the_batch_size(explainer, classifier):
    wav = torch.randn(int(3.3 * classifier.clip_samples))
    whole = explain_clip(explainer, wav)
    for batch_size in (1, 2, 5):
        part = explain_clip(explainer, wav, batch_size=batch_size)
        assert part.target == whole.target and part.extras == whole.extras
        for name in ("explanation_wav", "residual_wav", "saliency"):
            assert torch.allclose(getattr(part, name), getattr(whole, name), atol=1e-4)
