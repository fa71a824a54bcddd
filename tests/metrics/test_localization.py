import math

import pytest
import torch

from lmac.metrics import confound_detected, select_stem, si_sdr, stem_energy_share

S1 = torch.tensor([[1.0, 0, 0, 0]])
S2 = torch.tensor([[0.0, 1, 0, 0]])


def test_stem_energy_share_hand_computed():
    stems = {"a": S1, "b": S2}
    shares = stem_energy_share(torch.tensor([[2.0, 1, 0, 0]]), stems)  # dots 2, 1
    assert math.isclose(shares["a"].item(), 2 / 3, rel_tol=1e-6)
    assert math.isclose(shares["b"].item(), 1 / 3, rel_tol=1e-6)
    shares = stem_energy_share(torch.tensor([[-1.0, 1, 0, 0]]), stems)  # anti-correlated stem gets nothing
    assert shares["a"].item() == 0 and shares["b"].item() == 1
    shares = stem_energy_share(torch.zeros(1, 4), stems)  # silent explanation: all zero, no NaN
    assert shares["a"].item() == 0 and shares["b"].item() == 0


def test_stem_energy_share_is_per_example_and_sums_to_one():
    stems = {"a": torch.randn(5, 100), "b": torch.randn(5, 100), "c": torch.randn(5, 100)}
    explanation = stems["a"] + 0.5 * stems["b"]
    shares = stem_energy_share(explanation, stems)
    total = sum(shares.values())
    assert total.shape == (5,)
    assert torch.allclose(total[total > 0], torch.ones(int((total > 0).sum())), atol=1e-6)
    assert torch.all(shares["a"] > shares["c"])


def test_si_sdr_hand_computed():
    ref = torch.tensor([[1.0, -1, 1, -1]])  # zero mean, ||ref||^2 = 4
    noise = 0.5 * torch.tensor([[1.0, 1, -1, -1]])  # zero mean, orthogonal to ref, ||noise||^2 = 1
    assert math.isclose(si_sdr(ref + noise, ref).item(), 10 * math.log10(4), rel_tol=1e-5)
    assert math.isclose(si_sdr(3 * (ref + noise) + 2.0, ref).item(), 10 * math.log10(4), rel_tol=1e-5)  # scale, offset
    assert si_sdr(ref, ref).item() > 60


def test_si_sdr_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="si_sdr"):
        si_sdr(torch.zeros(1, 4), torch.zeros(1, 5))


def test_confound_detected_and_select_stem():
    stems = {"guitar": torch.cat([S1, S1]), "drums": torch.cat([S2, S2])}
    explanation = torch.tensor([[1.0, 3, 0, 0], [3.0, 1, 0, 0]])
    assert confound_detected(explanation, stems, "drums").tolist() == [1.0, 0.0]
    assert confound_detected(torch.zeros(2, 4), stems, "drums").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="no stem named 'bass'"):
        confound_detected(explanation, stems, "bass")
    assert torch.equal(select_stem(stems, ["drums", "guitar"]), torch.cat([S2, S1]))
