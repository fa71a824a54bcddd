import pytest
import torch
from torch import nn

from lmac.classifiers import TappedClassifier, UnfoldPatches


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


class PatchNet(nn.Module):
    """Folds 16-frame patches (hop 8) of a (B, 1, mel, frames) input into the batch axis, as
    VGGish / MobileNet-style AudioSet taggers do; conv layers see (B * P, C, time, mel)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        patches = x[:, 0].unfold(-1, 16, 8)  # (B, mel, P, 16)
        b, p = patches.shape[0], patches.shape[2]
        h = torch.relu(self.conv(patches.permute(0, 2, 3, 1).reshape(b * p, 1, 16, -1)))
        return self.fc(h.mean(dim=(2, 3)).reshape(b, p, -1).mean(1))


def _patch_classifier(**kw):
    torch.manual_seed(0)

    def mel(w):
        spec = torch.stft(w, 256, 64, window=torch.hann_window(256), return_complex=True).abs()
        return torch.log1p(spec[:, :32])[:, None]

    return TappedClassifier(PatchNet(), ["conv"], 8000, ["a", "b", "c"], 0.5, preprocess=mel, **kw)


def test_probe_names_the_layer_that_folds_patches_into_the_batch_axis():
    with pytest.raises(
        ValueError,
        match=r"layer 'conv' outputs \(\d+, 4, 16, 32\) for a batch of 2 clips.*"
        r"\(B, C, \.\.\., time\).*UnfoldPatches",
    ):
        _patch_classifier().feature_shapes()
    shapes = _patch_classifier(feature_transforms={"conv": UnfoldPatches(time_axis=-2, overlap=0.5)}).feature_shapes()
    assert shapes == [(4, 32, 16 + 8 * 5)]  # 63 frames -> 6 patches of 16 every 8 -> frames 0..55, each once


def test_probe_notices_a_last_axis_that_is_not_time():
    class TimeThenMel(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)

        def forward(self, x):  # x (B, 1, mel, frames) -> conv on (B, 1, frames, mel)
            return self.conv(x.transpose(2, 3)).mean(dim=(1, 2, 3))[:, None].repeat(1, 2)

    mel = lambda w: torch.stft(w, 128, 32, window=torch.hann_window(128), return_complex=True).abs()[:, None]  # noqa: E731
    clf = TappedClassifier(TimeThenMel(), ["conv"], 8000, ["a", "b"], 0.5, preprocess=mel)
    with pytest.raises(ValueError, match="last axis does not follow the clip's length"):
        clf.feature_shapes()


def test_unfold_patches_lays_patches_end_to_end_or_averages_the_overlap():
    frames = torch.arange(12.0)  # one clip, one channel, one mel band: frame k holds k
    no_overlap = torch.stack([frames[s : s + 4] for s in (0, 4, 8)])[:, None, :, None]  # (P=3, C=1, t=4, mel=1)
    assert torch.equal(UnfoldPatches(time_axis=-2)(no_overlap, 1), frames[None, None, None])
    half = torch.stack([frames[s : s + 4] for s in (0, 2, 4, 6, 8)])[:, None, :, None]  # hop 2: 5 patches
    assert torch.equal(UnfoldPatches(time_axis=-2, overlap=0.5)(half, 1), frames[None, None, None])
    two_clips = torch.cat([no_overlap, 10 + no_overlap])  # rows 0-2: clip 0, rows 3-5: clip 1
    assert torch.equal(UnfoldPatches(-2)(two_clips, 2)[:, 0, 0], torch.stack([frames, 10 + frames]))
    with pytest.raises(ValueError, match="whole number of patches"):
        UnfoldPatches(-2)(no_overlap, 2)


def test_one_layer_naming_for_taps_and_gradcam():
    from lmac.explainers import GradCAM

    clf = _patch_classifier(feature_transforms={"conv": UnfoldPatches(time_axis=-2, overlap=0.5)})
    assert "conv" in clf.named_layers() and "model.conv" not in clf.named_layers()
    wav = 0.3 * torch.randn(2, 4000, generator=torch.Generator().manual_seed(0))
    exp = GradCAM(clf, layer="conv").explain(wav, target=1)  # the same name as in layers=
    assert exp.saliency.shape == (2, 257, 4000 // 128 + 1) and exp.saliency.amax() > 0  # the STFT grid
    with pytest.raises(ValueError, match="'conv' gives maps .* for 2 clips"):
        GradCAM(_patch_classifier(), layer="conv").explain(wav, target=1)
    with pytest.raises(ValueError, match="not found"):
        GradCAM(clf, layer="model.conv").explain(wav)


def test_transforms_must_name_model_layers():
    with pytest.raises(ValueError, match="not found"):
        TappedClassifier(
            WaveNet(), ["conv2"], 8000, ["a", "b", "c"], 0.5, feature_transforms={"conv9": UnfoldPatches()}
        )
