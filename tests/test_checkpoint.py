import pytest
import torch
from conftest import tiny_classifier

from lmac.checkpoint import CheckpointError, build_component, component_record, fingerprint, load_checkpoint
from lmac.classifiers import AudioClassifier, load_classifier, save_classifier
from lmac.heads import MaskHead


def test_classifier_roundtrip_is_weights_only(tmp_path, classifier):
    save_classifier(classifier, tmp_path / "c.pt", note="x")
    payload = torch.load(tmp_path / "c.pt", weights_only=True)  # no code runs
    assert payload["format"] == "lmac-classifier/1"
    assert set(payload["versions"]) >= {"lmac", "torch", "torchaudio"}
    loaded = load_classifier(tmp_path / "c.pt")
    assert fingerprint(loaded) == fingerprint(classifier)
    assert not any(p.requires_grad for p in loaded.parameters())
    wav = torch.randn(2, classifier.clip_samples)
    assert torch.allclose(loaded(wav), classifier(wav))


def test_fingerprint_changes_with_weights(classifier):
    other = tiny_classifier()
    assert fingerprint(other) == fingerprint(classifier)
    with torch.no_grad():
        next(other.parameters()).add_(1e-3)
    assert fingerprint(other) != fingerprint(classifier)


def test_refuses_classes_outside_lmac(classifier):
    record = component_record(classifier)
    record["target"] = "os.system"
    with pytest.raises(CheckpointError, match="outside lmac"):
        build_component(record, AudioClassifier)
    record["target"] = "lmac.heads.SpectrogramMaskHead"
    with pytest.raises(CheckpointError, match="is not a AudioClassifier"):
        build_component(record, AudioClassifier)
    assert issubclass(MaskHead, torch.nn.Module)


@pytest.mark.parametrize("content", [b"", b"garbage", None])
def test_unreadable_or_wrong_format(tmp_path, content):
    path = tmp_path / "x.pt"
    if content is None:
        torch.save({"format": "something-else"}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError):
        load_checkpoint(path, ("lmac-classifier/1",))
    with pytest.raises(CheckpointError, match="no such"):
        load_checkpoint(tmp_path / "missing.pt", ("lmac-classifier/1",))


def test_explainer_on_an_undescribable_classifier_exports_by_fingerprint(tmp_path):
    from conftest import tiny_head

    from lmac.classifiers import TappedClassifier
    from lmac.explainers import LMAC

    net = torch.nn.Sequential(
        torch.nn.Conv1d(1, 4, 9, stride=4),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool1d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )
    clf = TappedClassifier(net, ["1"], 16000, ["a", "b"], 0.25, preprocess=lambda w: w.unsqueeze(1)).freeze()
    LMAC(clf, tiny_head(clf)).export(tmp_path / "e.pt")
    with pytest.raises(CheckpointError, match="pass the model itself: --classifier MODULE:FACTORY"):
        LMAC.from_pretrained(tmp_path / "e.pt")
    loaded = LMAC.from_pretrained(tmp_path / "e.pt", classifier=clf)
    assert loaded.explain(torch.randn(1, 4000)).explanation_wav.shape == (1, 4000)
    with torch.no_grad():
        net[-1].bias.add_(1)
    with pytest.raises(CheckpointError, match="another classifier"):
        LMAC.from_pretrained(tmp_path / "e.pt", classifier=clf)


def test_capture_init_records_the_call_as_plain_values():
    from torch import nn

    from lmac.checkpoint import capture_init, captured_config
    from lmac.spectral import STFTConfig

    class Part(nn.Module):
        @capture_init
        def __init__(self, shapes, grid=None, width: int = 4, **extra):
            super().__init__()
            self.width = width

    part = Part([(1, 2), (3, 4)], STFTConfig(1024, 256), note="x")
    assert captured_config(part) == {
        "shapes": [[1, 2], [3, 4]],
        "grid": {"n_fft": 1024, "hop_length": 256},
        "width": 4,
        "note": "x",
    }
    captured_config(part)["width"] = 0  # a copy
    assert captured_config(part)["width"] == 4 and part.width == 4
    with pytest.raises(NotImplementedError, match="cannot record an init argument of type Tensor"):
        captured_config(Part(torch.zeros(2)))
    with pytest.raises(NotImplementedError, match="cannot be described"):
        captured_config(nn.Linear(1, 1))


def test_a_view_of_an_external_classifier_is_rebuilt_when_the_caller_allows_external():
    """``ConceptOutputs`` rebuilds its concept classifier from the record in its own config: that nested
    class outside lmac is trusted exactly when the outer call was, and only during that call."""
    from concept_models import DescribedBandConcepts

    from lmac.classifiers import ConceptOutputs

    view = ConceptOutputs(DescribedBandConcepts())
    record = component_record(view)
    assert record["target"].startswith("lmac.") and record["config"]["classifier"]["target"] == (
        "concept_models.DescribedBandConcepts"
    )
    with pytest.raises(CheckpointError, match="'concept_models.DescribedBandConcepts' outside lmac"):
        build_component(record, AudioClassifier)
    rebuilt = build_component(record, AudioClassifier, allow_external=True)
    wav = torch.randn(2, view.clip_samples)
    torch.testing.assert_close(rebuilt(wav), view(wav))
    with pytest.raises(CheckpointError, match="outside lmac"):  # the permission ended with that call
        build_component(record, AudioClassifier)


def test_a_concept_view_refuses_a_class_output_type():
    from concept_models import BandConcepts

    from lmac.classifiers import ConceptOutputs

    assert ConceptOutputs(BandConcepts(), output="regression").output == "regression"
    with pytest.raises(ValueError, match="ConceptOutputs view of BandConcepts has regression outputs, but .* sigmoid"):
        ConceptOutputs(BandConcepts(), output="sigmoid")
