"""LMAC-TD head: shapes, gradient flow for every alpha, decoder linearity, codec freezing, target conditioning."""

import functools

import pytest
import torch

from lmac.explainers import LMAC
from lmac.heads import SepFormerMaskHead, save_codec
from lmac.losses import LMACLoss
from lmac.training import ExplainerModule

TINY = dict(
    n_channels=16,
    kernel_size=16,
    masker_channels=16,
    chunk_size=20,
    n_dual_blocks=1,
    n_layers=1,
    n_heads=2,
    d_ffn=32,
    tap_channels=4,
)


def td_head(classifier, **kwargs) -> SepFormerMaskHead:
    torch.manual_seed(2)
    return SepFormerMaskHead(classifier.feature_shapes(), classifier.n_classes, **{**TINY, **kwargs})


@pytest.mark.parametrize("alpha", [0.0, 0.75, 1.0])
def test_shapes_ranges_and_gradient_flow(classifier, alpha):
    head = td_head(classifier, alpha=alpha)
    wav = 0.1 * torch.randn(2, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([0, 3]))
    n_frames = (classifier.clip_samples - 16) // 8 + 1
    assert out.explanation_wav.shape == out.residual_wav.shape == wav.shape
    assert out.mask.shape == (2, 16, n_frames) and 0 <= out.mask.min() and out.mask.max() <= 1
    assert out.saliency.shape == out.sparsity.shape == (2, 257, classifier.clip_samples // 128 + 1)
    assert 0 <= out.saliency.min() and out.saliency.max() <= 1 and out.sparsity.min() >= 0
    (classifier(out.explanation_wav).sum() - classifier(out.residual_wav).sum() + out.sparsity.mean()).backward()
    grads = {name: p.grad for name, p in head.named_parameters()}
    for part in ("encoder.", "decoder.", "masker.", "film."):
        assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items() if n.startswith(part)), part
    feature_grad = sum(
        float(g.abs().sum()) for n, g in grads.items() if n.startswith(("proj.", "fusion.")) and g is not None
    )
    assert (feature_grad > 0) == (alpha > 0)  # alpha = 0: the classifier features are not used at all
    assert all(p.grad is None for p in classifier.parameters())


def test_explanation_plus_residual_is_the_decoded_encoding(classifier):
    """The decoder is linear without bias: decoder(e * m) + decoder(e * (1 - m)) = decoder(e)."""
    head = td_head(classifier)
    wav = 0.1 * torch.randn(2, classifier.clip_samples)
    with torch.no_grad():
        out = head(wav, classifier.features(wav), torch.tensor([1, 2]))
        full = head.decode(head.encode(wav), wav.shape[-1])
    assert torch.allclose(out.explanation_wav + out.residual_wav, full, atol=1e-5)


def test_batch_of_one_and_any_length(classifier):
    head = td_head(classifier).eval()
    feats = classifier.features(0.1 * torch.randn(1, classifier.clip_samples))
    for length in (classifier.clip_samples, 7001, 300):  # lengths off the stride grid are padded, cropped back
        wav = 0.1 * torch.randn(1, length)
        out = head(wav, feats, torch.tensor([2]))
        assert out.explanation_wav.shape == out.residual_wav.shape == (1, length)


def test_target_conditioning_changes_the_mask(classifier):
    head = td_head(classifier).eval()
    torch.nn.init.normal_(head.film.weight)
    wav = 0.1 * torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    assert not torch.allclose(head(wav, feats, torch.tensor([0])).mask, head(wav, feats, torch.tensor([1])).mask)


def test_only_head_parameters_train(classifier):
    head = td_head(classifier)
    module = ExplainerModule(classifier, head, LMACLoss(), functools.partial(torch.optim.Adam, lr=1e-2))
    optimizer = module.configure_optimizers()
    optimized = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert optimized == {id(p) for p in head.parameters()}
    clf_before = {k: v.clone() for k, v in classifier.state_dict().items()}
    head_before = {k: v.clone() for k, v in head.state_dict().items()}
    batch = {"wav": 0.1 * torch.randn(2, classifier.clip_samples), "label": torch.tensor([0, 1])}
    module.log_dict = lambda *a, **k: None  # no trainer attached: skip logging
    module.training_step(batch, 0).backward()
    optimizer.step()
    assert all(torch.equal(v, classifier.state_dict()[k]) for k, v in clf_before.items())
    assert any(not torch.equal(v, head.state_dict()[k]) for k, v in head_before.items())


def test_pretrained_codec_is_loaded_and_frozen(classifier, tmp_path):
    source = td_head(classifier)
    torch.nn.init.normal_(source.encoder.conv1d.weight)
    save_codec(source, tmp_path / "codec.pt")
    head = td_head(classifier, codec_path=str(tmp_path / "codec.pt"))
    assert torch.equal(head.encoder.conv1d.weight, source.encoder.conv1d.weight)
    assert torch.equal(head.decoder.weight, source.decoder.weight)
    assert not any(p.requires_grad for p in [*head.encoder.parameters(), *head.decoder.parameters()])
    assert head.masker.conv1d.weight.requires_grad
    assert head.config()["freeze_codec"] and head.config()["codec_path"] is None  # weights travel in the state dict
    rebuilt = SepFormerMaskHead(**head.config())
    assert not rebuilt.encoder.conv1d.weight.requires_grad


def test_bad_settings_are_clear_errors(classifier, tmp_path):
    with pytest.raises(ValueError, match="alpha"):
        td_head(classifier, alpha=1.5)
    with pytest.raises(ValueError, match="kernel_size"):
        td_head(classifier, kernel_size=15)
    with pytest.raises(FileNotFoundError, match="no such file"):
        td_head(classifier, codec_path=str(tmp_path / "missing.pt"))
    torch.save({"encoder": {}}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="not an encoder/decoder pair"):
        td_head(classifier, codec_path=str(tmp_path / "bad.pt"))


def test_explainer_records_lmac_td(classifier):
    explainer = LMAC(classifier, td_head(classifier))
    exp = explainer.explain(0.1 * torch.randn(1, classifier.clip_samples), target="flute")
    assert exp.method == "lmac-td" and exp.target.tolist() == [3]
    assert exp.saliency.shape == (1, 257, classifier.clip_samples // 128 + 1)


def test_consistency_term_is_relative_off_by_default_and_weighted_when_on():
    logits, target = torch.zeros(2, 4), torch.tensor([0, 1])
    sparsity, wav = torch.zeros(2, 3, 5), torch.full((2, 10), 0.5)
    rebuilt = wav + torch.tensor([[0.05], [0.5]])  # SNR 20 dB and 0 dB
    off = LMACLoss()(logits, logits, target, sparsity, wav=wav, rebuilt_wav=rebuilt)
    on = LMACLoss(w_consistency=2.0)(logits, logits, target, sparsity, wav=wav, rebuilt_wav=rebuilt)
    assert torch.isclose(off["consistency"], torch.tensor((0.01 + 1.0) / 2))
    assert torch.isclose(on["loss"] - off["loss"], torch.tensor(1.01))
    with pytest.raises(ValueError, match="w_consistency"):
        LMACLoss(w_consistency=1.0)(logits, logits, target, sparsity)
