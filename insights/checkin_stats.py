"""The arithmetic of the check-in figures: Wilson's interval for a share, and direct standardisation by age."""
from __future__ import annotations

import math
from collections.abc import Mapping

Z95 = 1.959963984540054  # the normal quantile for a two-sided 95 % interval


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a share (successes of n); (0, 1) for n = 0.

    Chosen over the textbook p ± z·se because it stays inside 0-1 and behaves for small groups and shares
    near 0, which is where a region or a month of a self-selected sample lives.
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} of {n} is not a share")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def standardise(cells: Mapping[str, tuple[int, int]], weights: Mapping[str, float],
                z: float = Z95) -> tuple[float, float, float, tuple[str, ...]] | None:
    """Direct standardisation: each band's share weighted by the band's part of the standard population.

    `cells`: band -> (successes, n); `weights`: band -> population share. Bands with no people here are
    left out and the weights of the others scaled to 1 (the figure says which were used). Returns
    (share, low, high, bands used), the interval from the variance sum w²·p(1-p)/n (normal, clipped to
    0-1), or None when no band has anyone.
    """
    used = tuple(b for b in weights if cells.get(b, (0, 0))[1] > 0)
    if not used:
        return None
    total = sum(weights[b] for b in used)
    share = variance = 0.0
    for band in used:
        successes, n = cells[band]
        w, p = weights[band] / total, successes / n
        share += w * p
        variance += w * w * p * (1 - p) / n
    half = z * math.sqrt(variance)
    return share, max(0.0, share - half), min(1.0, share + half), used
