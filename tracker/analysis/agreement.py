"""Who agrees with whom: pairwise agreement between actors, corrected for the agreement expected by chance.

Raw agreement overstates alignment on consensual issues: if nearly everyone supports a proposal, two actors
supporting it says little about them. As in UN General Assembly voting studies (Häge 2011, "Choice or
circumstance?"), we therefore use a kappa-type index

    kappa = (observed - expected) / (1 - expected)

over the issues both actors take a side on. The expected agreement on an issue comes from the distribution of
positions over all actors on that issue (Scott's pi rather than Cohen's kappa): with only a handful of issues a
pair's own marginals are degenerate (an actor supporting everything has no variance), while the issue-level
distribution is stable. kappa is 1 for agreement on every contested issue, about 0 for agreement no better than
chance, and negative for systematic disagreement.

Over one or two shared issues kappa says little (a single shared issue on which most actors agree gives a kappa
near zero even for two actors who agree), and where every actor takes the same side chance agreement is 1 and
kappa is undefined. There ``score`` falls back to the plain agreement rescaled to -1..1 (2 x observed - 1), which
the coalition analysis uses in the same way; the briefing's methods note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from igtracker.analysis.matrix import StanceMatrix
from igtracker.analysis.pooling import OPPOSE, SUPPORT

KAPPA_MIN_COMMON = 3  # chance-corrected agreement only over at least this many shared issues


@dataclass(frozen=True)
class Agreement:
    """Agreement between two actors (a < b) over the issues both take a side on."""

    a: int
    b: int
    common: int
    agreed: int
    kappa: float
    chance: float = 0.0  # the agreement expected by chance over the shared issues

    @property
    def observed(self) -> float:
        return self.agreed / self.common if self.common else 0.0

    @property
    def corrected(self) -> bool:
        """Whether chance correction is meaningful: enough shared issues, and chance agreement below 1."""
        return self.common >= KAPPA_MIN_COMMON and self.chance < 1.0

    @property
    def score(self) -> float:
        """kappa where chance correction is meaningful, else plain agreement rescaled to -1..1."""
        return self.kappa if self.corrected else round(2 * self.observed - 1, 4)


def expected_agreement(matrix: StanceMatrix) -> dict[str, float]:
    """Chance agreement per issue: the probability that two actors drawn at random take the same side."""
    expected: dict[str, float] = {}
    for issue_id in matrix.issues:
        support = oppose = 0
        for cell in matrix.iter_cells(issue_id):
            if cell.position == SUPPORT:
                support += 1
            elif cell.position == OPPOSE:
                oppose += 1
        total = support + oppose
        expected[issue_id] = ((support / total) ** 2 + (oppose / total) ** 2) if total else 1.0
    return expected


def _mask_sum(weights: list[float], chunk: int = 10) -> Callable[[int], float]:
    """A fast sum of the weights whose bits are set in a mask, via lookup tables of ``chunk`` bits each."""
    tables = []
    for start in range(0, len(weights), chunk):
        part = weights[start : start + chunk]
        tables.append([sum(w for bit, w in enumerate(part) if mask >> bit & 1) for mask in range(1 << len(part))])
    low = (1 << chunk) - 1

    def total(mask: int) -> float:
        result = 0.0
        for table in tables:
            result += table[mask & low]
            mask >>= chunk
        return result

    return total


def pairwise_agreement(matrix: StanceMatrix, min_common: int | None = None) -> list[Agreement]:
    """Chance-corrected agreement for every pair of actors sharing at least ``min_common`` issues.

    Positions are held as bit masks over the issues, so 300 actors x 20 issues (45,000 pairs) take a fraction of
    a second in pure Python. ``min_common`` defaults to 2 (1 when the analysis covers a single issue).
    """
    issue_ids = list(matrix.issues)
    if min_common is None:
        min_common = min(2, len(issue_ids))
    expected = expected_agreement(matrix)
    weights = [expected[i] for i in issue_ids]

    chance = _mask_sum(weights)

    masks: list[tuple[int, int, int]] = []  # (actor id, support mask, oppose mask)
    for actor_id in matrix.positioned_actors():
        support = oppose = 0
        for bit, issue_id in enumerate(issue_ids):
            position = matrix.position(actor_id, issue_id)
            if position == SUPPORT:
                support |= 1 << bit
            elif position == OPPOSE:
                oppose |= 1 << bit
        masks.append((actor_id, support, oppose))

    result: list[Agreement] = []
    for index, (a, sa, oa) in enumerate(masks):
        either_a = sa | oa
        for b, sb, ob in masks[index + 1 :]:
            common_mask = either_a & (sb | ob)
            common = common_mask.bit_count()
            if common < min_common:
                continue
            agreed = ((sa & sb) | (oa & ob)).bit_count()
            pe = chance(common_mask) / common
            observed = agreed / common
            kappa = 0.0 if pe >= 1.0 else (observed - pe) / (1.0 - pe)
            result.append(Agreement(a, b, common, agreed, round(kappa, 4), round(pe, 4)))
    return result
