import pytest
import torch

from lmac.training.mixtures import ExplainRows, TwoClassMixtures, class_stems, pair_other_class


def test_pairs_each_clip_with_the_next_clip_of_another_class():
    assert pair_other_class(torch.tensor([0, 0, 1, 2])).tolist() == [2, 2, 3, 0]
    assert pair_other_class(torch.tensor([1, 1, 1])).tolist() == [-1, -1, -1]


def test_half_the_batch_becomes_mixtures_explained_for_both_classes():
    torch.manual_seed(0)
    wav = torch.randn(6, 100) * 0.1
    target = torch.tensor([0, 1, 2, 3, 0, 1])
    rows = TwoClassMixtures(share=0.5, gain_db=(-6, 0))(wav, target, training=True)
    assert rows.n_single == 3 and rows.single_index.tolist() == [3, 4, 5]
    torch.testing.assert_close(rows.wav[:3], wav[3:])
    assert rows.n_mixture_rows == 6 and rows.mixture_index.tolist() == [0, 1, 2, 0, 1, 2]
    assert [p.tolist() for p in rows.mixture_pairs] == [[3, 4, 5], [6, 7, 8]]  # rows of mixture m: first, second class
    # each mixture twice: once for the first clip's class, once for its partner's
    assert rows.target.tolist() == [3, 0, 1, 0, 1, 2, 1, 2, 3]
    mix = rows.wav[3:]
    torch.testing.assert_close(mix[:3], mix[3:])
    torch.testing.assert_close(rows.sources.sum(dim=1), mix)  # asked-for + other = the mixture
    torch.testing.assert_close(rows.sources[:3, 0], rows.sources[3:, 1])  # roles swap between the two rows
    assert torch.allclose(mix.abs().amax(dim=1), torch.full((6,), 0.9))
    # the partner is scaled by -6..0 dB relative to the first clip (both rescaled together)
    first, second = wav[:3], wav[[1, 2, 3]]
    scale = rows.sources[:3, 0].norm(dim=1) / first.norm(dim=1)
    gain_db = 20 * torch.log10(rows.sources[:3, 1].norm(dim=1) / (second.norm(dim=1) * scale))
    assert ((gain_db >= -6 - 1e-4) & (gain_db <= 1e-4)).all()


def test_validation_mixtures_are_reproducible():
    wav, target = torch.randn(4, 50), torch.tensor([0, 1, 0, 1])
    mixer = TwoClassMixtures(share=1.0, gain_db=(-6, 0))
    a, b = mixer(wav, target, training=False), mixer(wav, target, training=False)
    assert torch.equal(a.wav, b.wav) and a.n_single == 0


def test_no_partner_means_single_clips_only():
    wav = torch.randn(3, 50)
    rows = TwoClassMixtures()(wav, torch.tensor([2, 2, 2]))
    assert rows.n_single == 3 and rows.n_mixture_rows == 0 and torch.equal(rows.wav, wav)
    assert ExplainRows.singles(wav, torch.zeros(3)).sources.shape == (0, 2, 50)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="share"):
        TwoClassMixtures(share=1.5)
    with pytest.raises(ValueError, match="gain_db"):
        TwoClassMixtures(gain_db=(0, -6))


def test_rows_carry_the_explained_class_stem_as_it_sounds_in_the_row():
    torch.manual_seed(0)
    wav = torch.randn(4, 50)
    target = torch.tensor([0, 1, 2, 3])
    # a clip's whole signal as its "stem": in a mixture row it must equal the asked-for source
    rows = TwoClassMixtures(share=0.5)(wav, target, training=True, target_stem=wav)
    torch.testing.assert_close(rows.target_stem[: rows.n_single], wav[rows.single_index])
    torch.testing.assert_close(rows.target_stem[rows.n_single :], rows.sources[:, 0])
    assert TwoClassMixtures()(wav, target).target_stem is None
    assert ExplainRows.singles(wav, target, wav).target_stem is wav


def test_class_stems_pick_the_stem_named_like_each_target():
    stems = {"piano": torch.ones(2, 3), "bass": torch.full((2, 3), 2.0)}
    picked = class_stems(stems, torch.tensor([0, 1]), ["piano", "guitar"])
    assert picked.tolist() == [[1.0] * 3, [0.0] * 3]  # guitar has no stem: zeros (the guidance gate skips it)
    assert class_stems(None, torch.tensor([0]), ["piano"]) is None
