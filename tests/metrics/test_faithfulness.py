import math

import torch

from lmac.metrics import average_drop, average_gain, average_increase, faithfulness, fidelity_in, target_prob


def _logits(p):
    """Two-class logits with softmax probability ``p`` for class 0."""
    return torch.tensor([[math.log(p), math.log(1 - p)]])


T = torch.tensor([0])


def test_hand_computed_values():
    assert math.isclose(target_prob(_logits(0.8), T).item(), 0.8, rel_tol=1e-6)
    assert average_increase(_logits(0.5), _logits(0.6), T).item() == 100
    assert average_increase(_logits(0.5), _logits(0.4), T).item() == 0
    assert math.isclose(average_drop(_logits(0.8), _logits(0.2), T).item(), 75.0, rel_tol=1e-5)
    assert average_drop(_logits(0.2), _logits(0.8), T).item() == 0
    assert math.isclose(average_gain(_logits(0.5), _logits(0.75), T).item(), 50.0, rel_tol=1e-5)
    assert math.isclose(faithfulness(_logits(0.9), _logits(0.3), T).item(), 0.6, rel_tol=1e-5)
    assert fidelity_in(_logits(0.9), T).item() == 1 and fidelity_in(_logits(0.1), T).item() == 0


def test_identity_explanation_invariants():
    logits = torch.randn(5, 4)
    target = logits.argmax(-1)
    assert torch.all(average_increase(logits, logits, target) == 0)
    assert torch.all(average_drop(logits, logits, target) == 0)
    assert torch.all(average_gain(logits, logits, target) == 0)
    assert torch.all(fidelity_in(logits, target) == 1)
