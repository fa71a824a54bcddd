"""Two-class mixtures made inside a batch, each explained once for each class it holds.

A head trained on single clips can satisfy the masked-in / masked-out loss by keeping "most of
the clip", whatever the class asked for. On a mixture of two clips of different classes, the
explanation for class A must keep A's clip and drop B's, and the other way round: the target
conditioning has to work, and the asked-for source is known, so class sensitivity can be
measured during validation (``mix_both``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["ExplainRows", "TwoClassMixtures", "pair_other_class", "class_stems"]


@dataclass
class ExplainRows:
    """What a training step explains: single clips first, then each mixture twice (once per class).

    Attributes:
        wav: ``(N, T)`` signals to explain.
        target: ``(N,)`` class to explain in each row.
        single_index: ``(n_single,)`` rows ``[:n_single]`` are these clips of the batch, unmixed.
        sources: ``(N - n_single, 2, T)`` for the mixture rows: the asked-for source, then the other
            (the row's ``wav`` is their sum).
        mixture_index: ``(N - n_single,)`` which distinct mixture each mixture row explains.
        target_stem: ``(N, T)`` the stem of each row's explained class, as it sounds in the row (zeros
            where the class has no stem), or ``None`` when the batch carries no stems (guidance, L-MAC FT).
    """

    wav: torch.Tensor
    target: torch.Tensor
    single_index: torch.Tensor
    sources: torch.Tensor
    mixture_index: torch.Tensor
    target_stem: torch.Tensor | None = None

    @classmethod
    def singles(cls, wav: torch.Tensor, target: torch.Tensor, target_stem: torch.Tensor | None = None) -> ExplainRows:
        empty = wav.new_zeros(0, 2, wav.shape[-1])
        index = torch.arange(wav.shape[0], device=wav.device)
        return cls(wav, target, index, empty, index[:0], target_stem)

    @property
    def n_single(self) -> int:
        return self.single_index.shape[0]

    @property
    def n_mixture_rows(self) -> int:
        return self.wav.shape[0] - self.n_single

    @property
    def mixture_pairs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The rows explaining each distinct mixture, ``(M,)`` each: for its first class, then for its second."""
        n_mix = self.n_mixture_rows // 2  # every mixture appears twice, once per class
        first = torch.arange(self.n_single, self.n_single + n_mix, device=self.wav.device)
        return first, first + n_mix


def pair_other_class(target: torch.Tensor) -> torch.Tensor:
    """For each clip, the index of the next clip in the batch (cyclically) with another target; -1 if none.

    ``target (B,)`` -> ``(B,)`` long.
    """
    batch = target.shape[0]
    partner = torch.full_like(target, -1)
    for i in range(batch):
        for step in range(1, batch):
            j = (i + step) % batch
            if target[j] != target[i]:
                partner[i] = j
                break
    return partner


def class_stems(
    stems: dict[str, torch.Tensor] | None, target: torch.Tensor, class_names: list[str]
) -> torch.Tensor | None:
    """The stem named like each clip's target class: ``stems`` name -> ``(B, T)``, ``target (B,)`` -> ``(B, T)``,
    zeros for a class without a stem of its name; ``None`` without stems.

    On the built-in data the classes are the lead instruments, so this is the explained lead's stem."""
    if not stems:
        return None
    zeros = torch.zeros_like(next(iter(stems.values())))
    rows = [stems.get(class_names[int(t)], zeros)[i] for i, t in enumerate(target)]
    return torch.stack(rows)


class TwoClassMixtures:
    """Turn the first ``share`` of each batch into two-class mixtures explained for both classes.

    Clip ``i`` (one of the first ``round(share * B)``) is mixed with the next clip of another
    class, scaled by a gain drawn uniformly in ``gain_db`` dB (training) or fixed at the middle of
    that range (validation, reproducible); the mixture and both sources are scaled so the
    mixture peaks at ``peak``. Each mixture yields two rows, one per class. Clips with no partner
    of another class in the batch stay single. Given each clip's target stem, the rows carry it,
    scaled as its clip is in the mixture.

    Args:
        share: share of each batch turned into mixtures (the L-MAC paper mixes every clip with
            noise; here half the batch by default).
        gain_db: range of the second clip's gain relative to the first, in dB.
        peak: absolute peak of each mixture.
    """

    def __init__(self, share: float = 0.5, gain_db: tuple[float, float] = (-6.0, 0.0), peak: float = 0.9):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"share must be in [0, 1], got {share}")
        low, high = (float(g) for g in gain_db)
        if low > high:
            raise ValueError(f"gain_db must be (low, high) with low <= high, got {gain_db}")
        self.share, self.gain_db, self.peak = float(share), (low, high), float(peak)

    def __call__(
        self, wav: torch.Tensor, target: torch.Tensor, training: bool = True, target_stem: torch.Tensor | None = None
    ) -> ExplainRows:
        """``wav (B, T)``, ``target (B,)``, optionally ``target_stem (B, T)`` -> :class:`ExplainRows`."""
        batch = wav.shape[0]
        n_mix = round(self.share * batch)
        partner = pair_other_class(target)
        first = torch.arange(n_mix, device=wav.device)
        first = first[partner[:n_mix] >= 0]
        if len(first) == 0:
            return ExplainRows.singles(wav, target, target_stem)
        second = partner[first]
        if training:
            gain_db = torch.empty(len(first), 1, device=wav.device).uniform_(*self.gain_db)
        else:
            gain_db = torch.full((len(first), 1), sum(self.gain_db) / 2, device=wav.device)
        gain_b = 10 ** (gain_db / 20)
        a, b = wav[first], wav[second] * gain_b
        scale = self.peak / (a + b).abs().amax(dim=-1, keepdim=True).clamp_min(1e-8)
        a, b = a * scale, b * scale
        single = torch.ones(batch, dtype=torch.bool, device=wav.device)
        single[first] = False
        mix = a + b
        index = torch.arange(len(first), device=wav.device)
        if target_stem is not None:
            target_stem = torch.cat(
                [target_stem[single], target_stem[first] * scale, target_stem[second] * gain_b * scale]
            )
        return ExplainRows(
            wav=torch.cat([wav[single], mix, mix]),
            target=torch.cat([target[single], target[first], target[second]]),
            single_index=single.nonzero().squeeze(1),
            sources=torch.cat([torch.stack([a, b], dim=1), torch.stack([b, a], dim=1)]),
            mixture_index=torch.cat([index, index]),
            target_stem=target_stem,
        )
