import math

import numpy as np
import pytest
import torch

from lmac.metrics import complexity, sparseness


def test_sparseness_hand_computed():
    # One non-zero bin of N = 4: (N - 1) / N (the 1e-7 offset of Quantus shifts it by ~3e-7).
    assert math.isclose(sparseness(torch.tensor([[1.0, 0, 0, 0]])).item(), 0.75, abs_tol=1e-5)
    # Sorted [0, .5, .5, 1], weights (2i - 5) = [-3, -1, 1, 3]: (0 - .5 + .5 + 3) / (4 * 2) = 0.375.
    assert math.isclose(sparseness(torch.tensor([[0.0, 0.5, 1.0, 0.5]])).item(), 0.375, abs_tol=1e-5)
    assert math.isclose(sparseness(torch.full((1, 3, 5), 0.3)).item(), 0.0, abs_tol=1e-6)


def test_complexity_hand_computed():
    assert math.isclose(complexity(torch.tensor([[1.0, 0, 0, 0]])).item(), 0.0, abs_tol=1e-6)
    assert math.isclose(complexity(torch.tensor([[1.0, 1.0, 0, 0]])).item(), math.log(2), rel_tol=1e-5)
    # q = [.5, .25, .25]: H = 1.5 ln 2.
    assert math.isclose(complexity(torch.tensor([[2.0, 1.0, 1.0]])).item(), 1.5 * math.log(2), rel_tol=1e-5)
    assert math.isclose(complexity(torch.full((1, 4, 5), 0.7)).item(), math.log(20), rel_tol=1e-5)


def test_per_example_scale_invariant_and_absolute():
    a = torch.rand(3, 6, 7, generator=torch.Generator().manual_seed(0))
    scaled = a * torch.tensor([1.0, 10.0, 0.01])[:, None, None]
    assert sparseness(a).shape == (3,) and complexity(a).shape == (3,)
    assert torch.allclose(sparseness(scaled), sparseness(a), atol=1e-5)
    assert torch.allclose(complexity(-scaled), complexity(a), atol=1e-5)


def test_bad_shape_is_rejected():
    with pytest.raises(ValueError, match="saliency"):
        sparseness(torch.ones(5))


def test_matches_quantus():
    quantus = pytest.importorskip("quantus")
    rng = np.random.default_rng(0)
    a = rng.random((3, 1, 6, 9)).astype(np.float32)
    a[1] = a[1] ** 8
    a[2, 0, :, 4:] = 0
    x, y = np.zeros_like(a), np.zeros(3, dtype=int)
    for metric, ours in ((quantus.Sparseness, sparseness), (quantus.Complexity, complexity)):
        expected = metric(disable_warnings=True)(model=None, x_batch=x, y_batch=y, a_batch=a.copy())
        assert np.allclose(ours(torch.from_numpy(a[:, 0])).numpy(), np.asarray(expected, dtype=np.float64), atol=1e-5)
