"""Tiers (优秀 / 良好 / 一般 / 较差) in the reader's language.

Tiers are stored in Chinese, as the assessment names them; an English page says them in
English. A provisional placement (``优秀(待复核)``) keeps its mark of review.
"""

from __future__ import annotations

from analysis.placement import REVIEW_SUFFIX
from analysis.ranking import EXCELLENT, FAIR, GOOD, POOR
from survey.i18n import N_, _

TIER_WORDS = {EXCELLENT: N_("Excellent"), GOOD: N_("Good"), FAIR: N_("Fair"), POOR: N_("Poor")}


def tier_name(tier: str | None) -> str:
    """``tier`` in words of the request's language; ``—`` for none, unknown tiers as stored.

    Examples
    --------
    >>> tier_name("良好"), tier_name("较差(待复核)"), tier_name(None)
    ('Good', 'Poor (to be reviewed)', '—')
    """
    if not tier:
        return "—"
    base = tier.removesuffix(REVIEW_SUFFIX)
    if base not in TIER_WORDS:
        return tier
    words = _(TIER_WORDS[base])
    return _("%(tier)s (to be reviewed)", tier=words) if tier != base else words


def tier_names(tiers: list[str | None] | set[str | None]) -> dict[str, str]:
    """``{stored tier: words}`` for the tiers given (for a chart's labels)."""
    return {t: tier_name(t) for t in tiers if t}
