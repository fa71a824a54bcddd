import pytest
import torch

from lmac.checkpoint import build_component, component_record
from lmac.explainers import LMAC
from lmac.explainers.factorizations import OracleStems, TimeSegments
from lmac.heads import ComponentGateHead, MaskHead, SoloComponentGateHead
from lmac.losses import LMACLoss


def gate_head(classifier, **kwargs) -> ComponentGateHead:
    torch.manual_seed(1)
    return ComponentGateHead(
        classifier.feature_shapes(),
        classifier.n_classes,
        sample_rate=classifier.sample_rate,
        tap_channels=8,
        hidden=16,
        **kwargs,
    )


def two_stems(classifier, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(classifier.clip_samples) / classifier.sample_rate
    tone = 0.5 * torch.sin(2 * torch.pi * 440 * t)[None]
    noise = 0.3 * torch.randn(1, classifier.clip_samples, generator=g)
    return {"tone": tone, "noise": noise}


def test_gates_add_up_to_the_input_and_need_stems(classifier):
    head = gate_head(classifier)
    stems = two_stems(classifier)
    wav = sum(stems.values())
    with pytest.raises(RuntimeError, match="bind_stems"):
        head(wav, classifier.features(wav), torch.tensor([0]))
    head.bind_stems(stems)
    out = head(wav, classifier.features(wav), torch.tensor([0]))
    assert out.mask.shape == (1, 2) and 0 <= out.mask.min() and out.mask.max() <= 1
    assert torch.allclose(out.explanation_wav + out.residual_wav, wav, atol=1e-6)
    expected = out.mask[0, 0] * stems["tone"] + out.mask[0, 1] * stems["noise"]
    assert torch.allclose(out.explanation_wav, expected, atol=1e-6)
    assert out.saliency.shape[-2] == head.grid.n_freq and 0 <= out.saliency.min() and out.saliency.max() <= 1
    # the L1 / TV terms accept the gates (an axis of length one adds no total variation)
    terms = LMACLoss(w_tv=1.0)(classifier(wav), classifier(wav), torch.tensor([0]), out.sparsity)
    assert torch.isfinite(terms["loss"]) and terms["l1"] == out.mask.mean()


def test_gates_depend_on_target_and_classifier_features(classifier):
    head = gate_head(classifier)
    stems = two_stems(classifier)
    wav = sum(stems.values())
    head.bind_stems(stems)
    feats = classifier.features(wav)
    a, b = head(wav, feats, torch.tensor([0])).mask, head(wav, feats, torch.tensor([1])).mask
    assert (a - b).abs().max() > 1e-3
    other = [torch.randn_like(f) for f in feats]
    assert not torch.allclose(a, head(wav, other, torch.tensor([0])).mask)


def test_any_factorization_time_segments(classifier):
    head = gate_head(classifier, factorization=TimeSegments(3))
    wav = torch.randn(2, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([0, 2]))
    assert out.mask.shape == (2, 3)
    assert torch.allclose(out.explanation_wav + out.residual_wav, wav, atol=1e-5)


def test_checkpoint_round_trip_uses_oracle_stems(classifier, tmp_path):
    head = gate_head(classifier, factorization=TimeSegments(3))
    assert "factorization" not in head.config()
    rebuilt = build_component(component_record(head), MaskHead)
    assert isinstance(rebuilt.factorization, OracleStems)
    LMAC(classifier, head).export(tmp_path / "gate.pt")
    loaded = LMAC.from_pretrained(tmp_path / "gate.pt")
    stems = two_stems(classifier)
    loaded.bind_stems(stems)  # the explainer passes bound stems to the head
    exp = loaded.explain(sum(stems.values()), target=1)
    assert exp.method == "lmac-gate" and exp.target.tolist() == [1]


def test_solo_head_describes_components_by_the_classifier_alone(classifier, tmp_path):
    torch.manual_seed(1)
    head = SoloComponentGateHead(
        classifier.feature_shapes(), classifier.n_classes, sample_rate=classifier.sample_rate, tap_channels=8, hidden=16
    )
    stems = two_stems(classifier)
    wav = sum(stems.values())
    head.bind_stems(stems)
    with pytest.raises(RuntimeError, match="bind_classifier"):
        head(wav, classifier.features(wav), torch.tensor([0]))
    head.bind_classifier(classifier)
    assert not any("classifier" in k for k in head.state_dict())  # not part of the head's weights
    out = head(wav, classifier.features(wav), torch.tensor([0]))
    assert torch.allclose(out.explanation_wav + out.residual_wav, wav, atol=1e-6)
    # the gates follow the classifier's view of each component: another classifier, other gates
    other = type(classifier)(**classifier.config())
    head.bind_classifier(other)
    assert not torch.allclose(out.mask, head(wav, classifier.features(wav), torch.tensor([0])).mask)
    # the explainer hands its classifier over on each call, also after a checkpoint round trip
    LMAC(classifier, head).export(tmp_path / "solo.pt")
    loaded = LMAC.from_pretrained(tmp_path / "solo.pt")
    loaded.bind_stems(stems)
    assert torch.allclose(loaded.explain(wav, target=0).explanation_wav, out.explanation_wav, atol=1e-5)
