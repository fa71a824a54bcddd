import pytest
import torch

from lmac.data import SyntheticMixtures, TwoSources, two_source_mixture


def _clips(n=6):
    return SyntheticMixtures("instruments", "test", n_items=n, seed=0, clip_seconds=0.5)


def test_mixture_is_the_sum_of_energy_normalised_sources_at_the_gain():
    a, b = torch.randn(3, 800), 5 * torch.randn(3, 800)
    mix, sources = two_source_mixture(a, b, gain_db=-6.0, peak=0.5)
    assert sources.shape == (3, 2, 800)
    assert torch.allclose(sources.sum(dim=1), mix)
    assert torch.allclose(mix.abs().amax(dim=-1), torch.full((3,), 0.5))
    ratio_db = 20 * torch.log10(sources[:, 1].norm(dim=-1) / sources[:, 0].norm(dim=-1))
    assert torch.allclose(ratio_db, torch.full((3,), -6.0), atol=1e-4)


def test_items_pair_two_classes_deterministically_with_known_sources():
    clips = _clips()
    data = TwoSources(clips, gain_db=-3.0)
    assert len(data) == len(clips) and data.class_names == clips.class_names and data.sample_rate == clips.sample_rate
    for i in range(len(data)):
        item = data[i]
        a, b = item["classes"].tolist()
        assert a == item["label"] == clips[i]["label"] and a != b
        assert torch.allclose(item["sources"].sum(0), item["wav"], atol=1e-6)
        assert torch.equal(item["stems"]["first"], item["sources"][0])
        # the first source is clip i itself (whole clip), scaled
        assert torch.nn.functional.cosine_similarity(item["sources"][0], clips[i]["wav"], dim=0) > 0.9999
    assert torch.equal(data[2]["wav"], TwoSources(clips, gain_db=-3.0)[2]["wav"])


def test_leads_are_the_class_stems_without_the_accompaniment():
    clips = _clips()
    item, clip = TwoSources(clips, leads=True)[0], clips[0]
    lead = clip["stems"][clips.class_names[clip["label"]]]
    assert torch.nn.functional.cosine_similarity(item["sources"][0], lead, dim=0) > 0.9999
    assert torch.nn.functional.cosine_similarity(item["sources"][0], clip["wav"], dim=0) < 0.99


def test_bad_datasets_are_refused():
    one_class = [{"wav": torch.randn(100), "label": 0}] * 3
    with pytest.raises(ValueError, match="at least two classes"):
        TwoSources(one_class)[0]
    with pytest.raises(ValueError, match="at least two clips"):
        TwoSources(one_class[:1])
    multi_hot = [{"wav": torch.randn(100), "label": torch.tensor([1, 0])}] * 2
    with pytest.raises(ValueError, match="single-label"):
        TwoSources(multi_hot)[0]
    with pytest.raises(ValueError, match="class_names"):
        TwoSources(one_class, leads=True)
