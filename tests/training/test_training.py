"""Training modules and callbacks on tiny models (no Hydra)."""

import functools
import warnings

import lightning as L
import numpy as np
import pytest
import torch
from conftest import tiny_classifier, tiny_head
from torch.utils.data import DataLoader

from lmac.data import SyntheticMixtures
from lmac.losses import LMACLoss
from lmac.training import ClassifierModule, ExplainerModule, ExplanationExamples


def _loader(n=8):
    return DataLoader(SyntheticMixtures("instruments", "train", n, clip_seconds=0.5), batch_size=4)


def _trainer(tmp_path, max_epochs=1, **kw):
    return L.Trainer(
        max_epochs=max_epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        default_root_dir=tmp_path,
        **kw,
    )


def test_only_head_parameters_are_optimised(tmp_path):
    clf = tiny_classifier()
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    head = tiny_head(clf)
    head_before = [p.clone() for p in head.parameters()]
    module = ExplainerModule(clf, head, LMACLoss(), functools.partial(torch.optim.Adam, lr=1e-2))
    assert {id(p) for g in module.configure_optimizers().param_groups for p in g["params"]} == {
        id(p) for p in head.parameters()
    }
    _trainer(tmp_path).fit(module, _loader(), _loader(4))
    assert all(torch.equal(v, clf.state_dict()[k]) for k, v in before.items())  # incl. BN running stats
    assert any(not torch.equal(a, b) for a, b in zip(head_before, head.parameters()))


def test_explainer_module_logs_class_sensitivity_and_selects_on_faithfulness(tmp_path):
    from lmac.training import TwoClassMixtures

    clf = tiny_classifier()
    module = ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam, mixtures=TwoClassMixtures(share=0.5))
    trainer = _trainer(tmp_path, limit_train_batches=1)
    trainer.fit(module, _loader(), _loader(8))
    logged = trainer.callback_metrics
    for key in ("val/fid_in", "val/ff", "val/unsaturated", "val/target_corr", "val/mix_both", "val/faithful"):
        assert key in logged, key
    assert 0 <= float(logged["val/unsaturated"]) <= 1 and -1 <= float(logged["val/target_corr"]) <= 1
    expected = logged["val/fid_in"] + logged["val/ff"] + logged["val/mix_both"]
    torch.testing.assert_close(logged["val/faithful"], expected)


def test_target_from_prediction_by_default():
    clf = tiny_classifier()
    module = ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam, mixtures=None)
    batch = next(iter(_loader(4)))
    _, rows, _ = module._rows(batch["wav"], batch["label"], "val")
    assert rows.target.tolist() == clf(batch["wav"]).argmax(-1).tolist()
    with pytest.raises(ValueError, match="target_from"):
        ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam, target_from="labels")


def test_label_targets_are_mapped_by_class_name(tmp_path):
    from lmac.data import SyntheticDataModule

    clf = tiny_classifier()  # piano, guitar, organ, flute
    data = SyntheticDataModule(
        "confound", n_train=4, n_val=2, n_test=2, batch_size=2, clip_seconds=0.5
    )  # guitar, piano
    module = ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam, target_from="label")
    _trainer(tmp_path, max_steps=1, limit_val_batches=0).fit(module, datamodule=data)
    assert module.label_index.tolist() == [1, 0]
    batch = next(iter(_loader(3)))
    _, rows, _ = module._rows(batch["wav"], torch.tensor([0, 1, 0]), "train")
    assert rows.target.tolist() == [1, 0, 1]
    other = tiny_classifier(["dog", "rain"])
    module = ExplainerModule(other, tiny_head(other), LMACLoss(), torch.optim.Adam, target_from="label")
    with pytest.raises(ValueError, match=r"data classes \['guitar', 'piano'\] are not among"):
        _trainer(tmp_path, max_steps=1).fit(module, datamodule=data)


def test_classifier_module_learns(tmp_path):
    clf = tiny_classifier().unfreeze()
    module = ClassifierModule(clf, functools.partial(torch.optim.Adam, lr=1e-2), gain_db=0)
    batch = next(iter(_loader()))

    def loss():
        clf.eval()
        with torch.no_grad():
            return torch.nn.functional.cross_entropy(clf(batch["wav"]), batch["label"]).item()

    first = loss()
    _trainer(tmp_path, max_epochs=5, log_every_n_steps=1).fit(module, _loader())
    assert loss() < first


def test_examples_callback_logs_what_the_report_shows(tmp_path):
    """The logged examples are :func:`lmac.report.clips.clip_view`'s: same audio, figure, probabilities."""
    import io

    import soundfile as sf
    from lightning.pytorch.loggers import TensorBoardLogger
    from matplotlib.image import imread
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from lmac.report.clips import clip_view, signal_probabilities

    clf = tiny_classifier()
    module = ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam)
    logger = TensorBoardLogger(tmp_path, name="tb")
    trainer = L.Trainer(
        max_epochs=1,
        accelerator="cpu",
        logger=logger,
        enable_checkpointing=False,
        enable_progress_bar=False,
        callbacks=[ExplanationExamples(n_examples=2)],
        num_sanity_val_steps=0,
    )
    val = _loader(4)
    trainer.fit(module, _loader(4), val)
    events = EventAccumulator(logger.log_dir, size_guidance={"audio": 0, "images": 0, "tensors": 0})
    events.Reload()
    assert len(events.Tags()["audio"]) == 2 * 3 and len(events.Tags()["images"]) == 2
    exp = module.explainer().explain(next(iter(val))["wav"][:2]).detach()
    for i, info in enumerate(signal_probabilities(clf, exp)):
        view = clip_view(exp, i, info, f"{i}_{info['target_name']}")
        tag = f"examples/{view.name}"
        for signal in ("input", "explanation", "residual"):
            logged = sf.read(io.BytesIO(events.Audio(f"{tag}/{signal}")[0].encoded_audio_string), dtype="float32")[0]
            np.testing.assert_allclose(logged, view.audio[signal], atol=2e-4)  # peaks < 1: played as is
        image = imread(io.BytesIO(events.Images(f"{tag}/figure")[0].encoded_image_string), format="png")
        np.testing.assert_allclose(image[..., :3], imread(io.BytesIO(view.figure), format="png")[..., :3], atol=1 / 255)
        text = events.Tensors(f"{tag}/probabilities/text_summary")[0].tensor_proto.string_val[0].decode()
        assert f"explanation: p({view.target_name}) = {view.probs['explanation']:.3f}" in text


def _eval_mode_warnings(module, tmp_path) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _trainer(tmp_path, max_steps=1, limit_val_batches=0).fit(module, _loader(4))
    return [str(w.message) for w in caught if "in eval mode" in str(w.message)]


def test_eval_mode_message_is_silenced_for_the_frozen_classifier_only(tmp_path):
    clf = tiny_classifier()
    assert _eval_mode_warnings(ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam), tmp_path) == []
    module = ExplainerModule(clf, tiny_head(clf), LMACLoss(), torch.optim.Adam)
    module.head.fusion.eval = lambda: None  # keep one head module in eval mode when Lightning calls .train()
    module.head.fusion.train = lambda mode=True: module.head.fusion
    module.head.fusion.training = False
    n_frozen = len(list(clf.modules()))
    assert _eval_mode_warnings(module, tmp_path) == [
        f"Found {n_frozen + 1} module(s) in eval mode at the start of training. This may lead to unexpected "
        "behavior during training. If this is intentional, you can ignore this warning."
    ]


def test_sigmoid_classifier_module_learns_multi_hot_labels(tmp_path):
    from lmac.classifiers import MelCNN

    torch.manual_seed(0)
    clf = MelCNN(["piano", "guitar", "organ", "flute"], clip_seconds=0.5, n_mels=32, channels=(4, 8), output="sigmoid")
    data = DataLoader(SyntheticMixtures("instruments_multi", "train", 8, clip_seconds=0.5), batch_size=4)
    batch = next(iter(data))
    assert batch["label"].shape == (4, 4) and batch["label"].dtype == torch.float32

    def loss():
        clf.eval()
        with torch.no_grad():
            return torch.nn.functional.binary_cross_entropy_with_logits(clf(batch["wav"]), batch["label"]).item()

    first = loss()
    module = ClassifierModule(clf, functools.partial(torch.optim.Adam, lr=1e-2), gain_db=0)
    _trainer(tmp_path, max_epochs=5, log_every_n_steps=1).fit(module, data)
    assert loss() < first


def test_overlap_term_pairs_the_two_explanations_of_each_mixture():
    from lmac.losses import mixture_overlap
    from lmac.spectral import STFT
    from lmac.training import TwoClassMixtures

    clf = tiny_classifier()
    module = ExplainerModule(
        clf, tiny_head(clf), LMACLoss(w_overlap=1.0), torch.optim.Adam, mixtures=TwoClassMixtures(share=1.0)
    )
    wav = next(iter(_loader(4)))["wav"]
    rows = module.mixtures(wav, torch.tensor([0, 1, 0, 1]), training=False)
    out = module.head(rows.wav, clf.logits_and_features(rows.wav)[1], rows.target)
    inputs = module._guide_inputs(rows, out)
    first, second = inputs["pairs"]
    assert rows.n_mixture_rows == 2 * len(first) > 0
    assert torch.equal(rows.wav[first], rows.wav[second])  # the same mixture ...
    assert (rows.target[first] != rows.target[second]).all()  # ... explained for its two classes
    terms = module.loss(*[torch.zeros(len(rows.target), clf.n_classes)] * 2, rows.target, out.sparsity, **inputs)
    mag = STFT(out.grid)(rows.wav)[0]
    expected = mixture_overlap(out.saliency[first], out.saliency[second], mag[first]).mean()
    torch.testing.assert_close(terms["overlap"], expected)
