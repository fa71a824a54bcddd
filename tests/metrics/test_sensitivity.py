import torch

from lmac.metrics.sensitivity import asked_source_share, both_kept, map_correlation, oracle_contrast, unsaturated_share


def test_unsaturated_share_counts_values_inside_the_band():
    mask = torch.tensor([[0.0, 0.04, 0.5, 0.96], [0.3, 0.3, 0.3, 0.3]])
    assert unsaturated_share(mask).tolist() == [0.25, 1.0]


def test_map_correlation_by_hand():
    a = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    b = torch.tensor([[2.0, 4.0, 6.0], [3.0, 2.0, 1.0], [2.0, 2.0, 2.0]])
    torch.testing.assert_close(map_correlation(a, b), torch.tensor([1.0, -1.0, 1.0]))


def test_asked_source_share_and_both_kept():
    asked, other = torch.randn(2, 1, 4000)
    sources = torch.stack([torch.cat([asked, other]), torch.cat([other, asked])], dim=1)  # (2, 2, T)
    exact = torch.cat([asked, other])  # each row explained by exactly its asked-for source
    assert (asked_source_share(exact, sources) > 0.9).all()  # independent noises: nearly orthogonal
    wrong = torch.cat([other, asked])
    assert (asked_source_share(wrong, sources) < 0.1).all()
    share = torch.tensor([0.9, 0.8, 0.7, 0.2])
    assert both_kept(share, torch.tensor([0, 1, 0, 1])).tolist() == [1.0, 0.0]


def test_oracle_contrast_hand_computed():
    clean_mag = torch.expm1(torch.tensor([[[1.0, 0.0, 0.3, 0.4]]]))  # oracle bins (log1p >= 0.35 x max): 0 and 3
    saliency = torch.tensor([[[0.9, 0.1, 0.3, 0.7]]])
    torch.testing.assert_close(oracle_contrast(saliency, clean_mag), torch.tensor([0.8 - 0.2]))
    assert oracle_contrast(torch.full((1, 1, 4), 0.5), clean_mag).item() == 0  # a mask that ignores the source
