import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from lmac.data import SyntheticMixtures
from lmac.data.contamination import CONTAMINATION_STEM, Clean, OtherClassMixture, UnrelatedSource, WhiteNoise, babble


class Tiny(Dataset):
    """Two clips of 4 samples with known stems."""

    class_names, stem_names, sample_rate = ["a", "b"], ["x", "y"], 16000

    def __init__(self):
        self.items = [
            {
                "wav": torch.tensor([1.0, 0, 0, 0]),
                "label": 0,
                "stems": {"x": torch.tensor([0.5, 0, 0, 0]), "y": torch.tensor([0.5, 0, 0, 0])},
            },
            {
                "wav": torch.tensor([0.0, 2, 0, 0]),
                "label": 1,
                "stems": {"x": torch.tensor([0.0, 2, 0, 0]), "y": torch.zeros(4)},
            },
        ]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def test_other_class_mixture_hand_computed():
    item = OtherClassMixture(Tiny(), seed=3)[0]
    # 0.8 [1,0,0,0] + 0.2 [0,1,0,0] = [.8, .2, 0, 0]; peak-normalised: [1, .25, 0, 0].
    assert torch.allclose(item["wav"], torch.tensor([1.0, 0.25, 0, 0]))
    assert torch.allclose(item["stems"]["x"], torch.tensor([0.5, 0, 0, 0]))
    assert torch.allclose(item["stems"][CONTAMINATION_STEM], torch.tensor([0.0, 0.25, 0, 0]))
    assert item["label"] == 0


def test_white_noise_hand_computed_from_the_seeded_generator():
    data = Tiny()
    item = WhiteNoise(data, seed=7)[1]
    noise = torch.from_numpy(np.random.default_rng([7, 1]).standard_normal(4).astype(np.float32))
    expected = torch.tensor([0.0, 1, 0, 0]) + 0.5 * noise / noise.norm()
    assert torch.allclose(item["wav"], expected / expected.abs().max(), atol=1e-6)
    assert torch.equal(data[1]["wav"], torch.tensor([0.0, 2, 0, 0]))  # the clean item is untouched


@pytest.mark.parametrize("setting", [OtherClassMixture, WhiteNoise, UnrelatedSource])
def test_settings_keep_stems_consistent_and_are_deterministic(setting):
    clean = SyntheticMixtures("instruments", "test", n_items=4, seed=0, clip_seconds=0.5)
    data = setting(clean, seed=1)
    assert len(data) == 4 and data.stem_names == clean.stem_names + [CONTAMINATION_STEM]
    for i in range(2):
        item = data[i]
        assert torch.allclose(sum(item["stems"].values()), item["wav"], atol=1e-5)
        assert item["wav"].abs().max().item() == pytest.approx(1.0)
        assert item["label"] == clean[i]["label"]
        assert torch.equal(item["wav"], data[i]["wav"])
        assert not torch.allclose(item["wav"], setting(clean, seed=2)[i]["wav"])
        assert item["stems"][CONTAMINATION_STEM].abs().sum() > 0


def test_clean_is_identity():
    clean = SyntheticMixtures("instruments", "test", n_items=2, seed=0, clip_seconds=0.5)
    assert torch.equal(Clean(clean)[1]["wav"], clean[1]["wav"]) and Clean(clean).stem_names == clean.stem_names


def test_unrelated_source_from_a_dataset_is_padded_and_babble_is_speech_like():
    class Sources(Dataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return {"wav": torch.tensor([0.0, 0, 3.0])}

    item = UnrelatedSource(Tiny(), sources=Sources())[0]
    # 0.8 [1,0,0,0] + 0.2 [0,0,1,0], peak-normalised.
    assert torch.allclose(item["wav"], torch.tensor([1.0, 0, 0.25, 0]))
    wav = babble(np.random.default_rng(0), 16000, 16000)
    assert wav.dtype == np.float32 and np.sqrt(np.mean(wav**2)) == pytest.approx(0.1, rel=1e-4)
    assert np.mean(wav == 0) > 0.05  # pauses between syllables
    assert np.array_equal(wav, babble(np.random.default_rng(0), 16000, 16000))


def test_one_class_dataset_is_refused():
    data = Tiny()
    data.items = [data.items[0]] * 2
    with pytest.raises(ValueError, match="two classes"):
        OtherClassMixture(data, max_tries=5)[0]
