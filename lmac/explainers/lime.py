"""SourceLIME: LIME over named audio components (audioLIME, Haunschmid et al. 2020).

For each clip: split it into ``K`` components with a
:class:`~lmac.explainers.factorizations.Factorization`; draw on/off vectors ``z`` (each
component on with probability 0.5, the first sample all on; or all ``2^K`` subsets with
``n_samples="exhaustive"``); run the classifier on the composed inputs; fit a weighted ridge
regression (scikit-learn) from ``z`` to the target's probability as the classifier defines it
(:meth:`~lmac.classifiers.AudioClassifier.probabilities`: softmax, or the target's own sigmoid for
a multi-label classifier, so other classes present in the clip do not move it), with weights
``exp(-d^2 / width^2)`` where ``d`` is the cosine distance to the all-on vector. The
explanation is the sum of the ``top_k`` positively weighted components; the residual is the
clip minus it.

Components that are silent in a clip (all zeros, e.g. an absent stem) cannot change the
input; they are left out of the sampling and get weight 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from tqdm.auto import tqdm

from lmac.explainers.base import Explainer, Target
from lmac.explainers.factorizations import Components, Factorization
from lmac.explanation import Explanation
from lmac.spectral import STFT, STFTConfig, relative_magnitude

__all__ = ["SourceLIME", "perturbations", "kernel_weights", "fit_surrogate"]


def perturbations(
    n_components: int, n_samples: int | str, rng: np.random.Generator, max_exhaustive: int = 16
) -> np.ndarray:
    """On/off vectors ``(N, K)`` (0/1), the first one all on.

    Args:
        n_components: ``K``.
        n_samples: number of random vectors, or ``"exhaustive"`` for all ``2^K`` subsets.
        rng: source of the random vectors.
        max_exhaustive: largest ``K`` allowed with ``"exhaustive"``.
    """
    if n_samples == "exhaustive":
        if n_components > max_exhaustive:
            raise ValueError(
                f"exhaustive sampling of {n_components} components needs 2^{n_components} classifier "
                f"calls (limit: {max_exhaustive} components); set n_samples to a number"
            )
        codes = np.arange(2**n_components)[::-1]  # all-on first
        return ((codes[:, None] >> np.arange(n_components)) & 1).astype(np.float64)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2 or 'exhaustive', got {n_samples!r}")
    z = rng.integers(0, 2, size=(int(n_samples), n_components)).astype(np.float64)
    z[0] = 1
    return z


def kernel_weights(z: np.ndarray, kernel_width: float = 0.25) -> np.ndarray:
    """``exp(-d^2 / kernel_width^2)`` ``(N,)``, ``d`` the cosine distance of each row of ``z (N, K)`` to ``z[0]``."""
    from sklearn.metrics import pairwise_distances

    distance = pairwise_distances(z, z[:1], metric="cosine").ravel()
    return np.exp(-(distance**2) / kernel_width**2)


def fit_surrogate(
    z: np.ndarray, y: np.ndarray, kernel_width: float = 0.25, alpha: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, float, float]:
    """Weighted ridge regression of ``y (N,)`` on ``z (N, K)``.

    Sample weights are :func:`kernel_weights` (cosine distance to ``z[0]``, the all-on vector).

    Returns:
        ``(weights (K,), intercept, weighted R^2)``.
    """
    from sklearn.linear_model import Ridge

    sample_weight = kernel_weights(z, kernel_width)
    model = Ridge(alpha=alpha, fit_intercept=True, random_state=seed).fit(z, y, sample_weight=sample_weight)
    r2 = float(model.score(z, y, sample_weight=sample_weight))
    return model.coef_.astype(np.float64), float(model.intercept_), r2


class SourceLIME(Explainer):
    """LIME over the components of a factorization (sources x time segments, ...).

    Args:
        classifier: the classifier to explain.
        factorization: splits each clip into named components.
        n_samples: perturbations per clip (audioLIME: 1000), or ``"exhaustive"`` (all ``2^K``).
        top_k: number of positively weighted components in the explanation; ``None`` keeps
            every positive one.
        kernel_width: width of the exponential kernel on cosine distance.
        alpha: ridge regularisation.
        batch_size: composed inputs per classifier call.
        seed: seed of the perturbations (the same for every clip, so a clip's explanation
            does not depend on the rest of its batch).
        max_exhaustive: largest component count allowed with ``"exhaustive"``.
        progress: show a tqdm progress bar per clip.
        name: method name recorded in explanations.
        stft: STFT grid of the saliency (the explanation's magnitude relative to the clip's);
            ``None``: the default :class:`~lmac.spectral.STFTConfig`.

    ``extras`` of the returned :class:`Explanation`: ``components`` (names), ``weights``
    ``(B, K)``, ``intercept (B,)``, ``r2 (B,)`` (the surrogate's weighted R^2), ``selected``
    (per clip, the names in the explanation), ``n_samples`` (per clip).
    """

    def __init__(
        self,
        classifier,
        factorization: Factorization,
        n_samples: int | str = 1000,
        top_k: int | None = 3,
        kernel_width: float = 0.25,
        alpha: float = 1.0,
        batch_size: int = 64,
        seed: int = 0,
        max_exhaustive: int = 16,
        progress: bool = True,
        name: str = "lime",
        stft: STFTConfig | None = None,
    ):
        if top_k is not None and top_k < 1:
            raise ValueError(f"top_k must be >= 1 or None (all positive components), got {top_k}")
        perturbations(2, n_samples, np.random.default_rng(0))  # validate n_samples early
        self.classifier = classifier
        self.factorization = factorization
        self.n_samples, self.top_k = n_samples, top_k
        self.kernel_width, self.alpha = float(kernel_width), float(alpha)
        self.batch_size, self.seed, self.max_exhaustive = int(batch_size), int(seed), int(max_exhaustive)
        self.progress, self.name = progress, name
        self.grid = STFTConfig.of(stft)

    def bind_stems(self, stems: Mapping[str, torch.Tensor] | None) -> None:
        """Pass ground-truth stems to the factorization (used by ``OracleStems``)."""
        self.factorization.bind_stems(stems)

    def explain(self, wav: torch.Tensor, target: Target = None) -> Explanation:
        """Explain ``wav (B, T)`` (see ``Explainer`` for ``target``)."""
        wav, target = self.prepare(wav, target)
        comps = self._components(wav)
        fits = [self._fit_clip(comps, b, int(target[b])) for b in range(wav.shape[0])]
        weights = torch.tensor(np.stack([f[0] for f in fits]), dtype=torch.float32)
        chosen = torch.stack([self._select(w) for w in weights]).to(wav)  # (B, K)
        explanation = (chosen[..., None] * comps.wav).sum(1)
        extras = {
            "components": list(comps.names),
            "weights": weights,
            "intercept": torch.tensor([f[1] for f in fits]),
            "r2": torch.tensor([f[2] for f in fits]),
            "selected": [[comps.names[k] for k in row.nonzero().flatten().tolist()] for row in chosen.cpu()],
            "n_samples": [f[3] for f in fits],
        }
        saliency = relative_magnitude(explanation, wav, STFT(self.grid).to(wav.device))
        return Explanation(
            wav, explanation, wav - explanation, saliency, target, self.name, self.sample_rate, self.grid, extras
        )

    def _components(self, wav: torch.Tensor) -> Components:
        """The factorization of ``wav (B, T)``, checked: ``(B, K, T)`` with ``K`` names."""
        comps = self.factorization(wav, self.sample_rate)
        if comps.wav.dim() != 3 or comps.wav.shape[::2] != wav.shape or len(comps.names) != comps.wav.shape[1]:
            raise ValueError(
                f"factorization returned components {tuple(comps.wav.shape)} with {len(comps.names)} "
                f"names for clips {tuple(wav.shape)}"
            )
        return comps

    def _select(self, weights: torch.Tensor) -> torch.Tensor:
        """``(K,)`` weights -> 0/1 ``(K,)``: the ``top_k`` largest positive ones."""
        order = torch.argsort(-weights, stable=True)
        order = order[weights[order] > 0][: self.top_k]
        chosen = torch.zeros_like(weights)
        chosen[order] = 1
        return chosen

    def _fit_clip(self, comps: Components, index: int, target: int) -> tuple[np.ndarray, float, float, int]:
        """Perturb, classify and fit one clip -> ``(weights (K,), intercept, r2, n_samples)``."""
        active = (comps.wav[index].abs().amax(-1) > 0).cpu().numpy()
        weights = np.zeros(len(comps.names))
        if not active.any():
            return weights, 0.0, float("nan"), 0
        rng = np.random.default_rng(self.seed)
        z = perturbations(int(active.sum()), self.n_samples, rng, self.max_exhaustive)
        z_full = np.zeros((len(z), len(comps.names)))
        z_full[:, active] = z
        probs = self._predict(comps, index, torch.from_numpy(z_full), target)
        coef, intercept, r2 = fit_surrogate(z, probs, self.kernel_width, self.alpha, self.seed)
        weights[active] = coef
        return weights, intercept, r2, len(z)

    @torch.no_grad()
    def _predict(self, comps: Components, index: int, z: torch.Tensor, target: int) -> np.ndarray:
        """Target probability ``(N,)`` of the inputs composed from ``z (N, K)``, in batches."""
        starts = range(0, len(z), self.batch_size)
        bar = tqdm(
            starts,
            desc=f"{self.name} clip {index}",
            total=math.ceil(len(z) / self.batch_size),
            disable=not self.progress,
            leave=False,
        )
        probs = []
        for s in bar:
            logits = self.classifier(comps.compose(index, z[s : s + self.batch_size]))
            probs.append(self.classifier.probabilities(logits)[:, target].double().cpu())
        return torch.cat(probs).numpy()
