"""The method of a run and its AAPOR-style disclosure in plain words, for the 通报 and 公示.

Everything here is said as a reader understands it, from the run's stored settings: no setting
names, flag codes or unit codes (``raking`` becomes "weighted to the population's shares by sex
and age", ``excluding_flags`` the reasons a questionnaire was not counted).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from analysis.config import SCALE_PRESETS
from survey.evaluation.inputs import load_definition
from survey.evaluation.report import Disclosure
from survey.evaluation.report_summary import CityIndex, joined_names, joined_sentences
from survey.i18n import N_, _
from survey.models import EvaluationResult, EvaluationRun, Wave
from survey.monitoring import FLAG_WORDS as QUALITY_WORDS

POINTS_WORDS = {
    "M1": N_("Social points are the index scaled to at most %(max)s points."),
    "M2": N_("Social points place each unit between %(low)s and %(high)s points by where its index "
             "lies between the lowest and the highest of its peer group (efficacy coefficient "
             "method); a group whose indices lie close together is not stretched over the whole "
             "range."),
    "M3": N_("Social points place each unit between %(low)s and %(high)s points by how far its "
             "index lies from its peer group's mean, in standard deviations."),
    "M4": N_("Social points place each unit between %(low)s and %(high)s points by its rank in its "
             "peer group: the first gets %(high)s, the last %(low)s."),
    "M5": N_("Social points follow the tier: %(tiers)s."),
}
INTERVAL_WORDS = {
    "logit_t": N_("The 95%% confidence interval of a unit's index is computed on the logit scale "
                  "with Student's t, so it stays between 0 and 100."),
    "t": N_("The 95%% confidence interval of a unit's index is the index plus or minus Student's "
            "t times its standard error."),
    "wald": N_("The 95%% confidence interval of a unit's index is the index plus or minus %(z)s "
               "times its standard error."),
}
CHANNEL_WORDS = {"web": N_("online questionnaires: %(n)s"), "phone": N_("telephone interviews: %(n)s"),
                 "paper": N_("paper questionnaires: %(n)s"), "kiosk": N_("self-service kiosks: %(n)s")}


def date_words(day: date) -> str:
    """2026年12月20日 / 2026-12-20."""
    return _("%(year)s-%(month)02d-%(day)02d", year=day.year, month=day.month, day=day.day)


def _num(value: Any, digits: int = 1) -> str:
    if isinstance(value, int | float) and math.isfinite(value):
        text = f"{value:.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "—"


def _scoring(run: EvaluationRun) -> dict[str, Any]:
    return dict((run.config or {}).get("scoring") or {})


def scale_sentence(session: Session, wave: Wave | None, scoring: dict[str, Any], language: str) -> str:
    """How an answer is scored, with the questionnaire's own option labels where known."""
    options = ""
    if wave is not None:
        definition = load_definition(session, wave.questionnaire_version_id)
        item = definition.overall_item or next(iter(definition.scored_items), None)
        if item is not None:
            choices = definition.choices(definition.question(item.name).list_name or "")
            scored = [(c, p) for c, p in zip(choices, item.option_points, strict=True) if not math.isnan(p)]
            preset = scoring.get("option_points") or SCALE_PRESETS.get(str(scoring.get("scale")))
            if preset and len(preset) == len(scored):
                ranked = sorted(scored, key=lambda cp: -cp[1])
                scored = [(c, float(p)) for (c, _p), p in zip(ranked, preset, strict=True)]
            missing = [definition.label(c, language) for c in choices if c.missing or c.score is None]
            options = joined_names([_("%(option)s %(points)s", option=definition.label(c, language),
                                      points=_num(p)) for c, p in scored])
            if missing:
                options = _("%(options)s; %(missing)s not scored", options=options,
                            missing=joined_names(missing))
    text = _("Each answer is scored from 0 to 100, and a respondent's score for a unit is the "
             "weighted mean of the scored questions; a unit's satisfaction index (0–100) is the "
             "weighted mean of its respondents' scores.")
    if options:
        text = joined_sentences([text, _("Points per answer: %(options)s.", options=options)])
    return text


def weighting_sentence(session: Session, wave: Wave | None, scoring: dict[str, Any],
                       info: Disclosure, language: str) -> str:
    weighting = info.weighting or {}
    if not weighting.get("raked"):
        text = _("The answers were not weighted to population figures; only the sample's design "
                 "weights were used.")
    else:
        variables: list[str] = []
        for variable, _category, _share in info.margins:
            label = variable
            if wave is not None:
                definition = load_definition(session, wave.questionnaire_version_id)
                try:
                    label = definition.label(definition.question(variable), language) or variable
                except KeyError:
                    label = variable
            if label not in variables:
                variables.append(label)
        text = _("So that the sample matches the city's population, the answers were weighted to "
                 "the population's shares by %(variables)s; no weight is below %(low)s or above "
                 "%(high)s times the average.", variables=joined_names(variables) or "—",
                 low=_num(scoring.get("trim_low"), 2), high=_num(scoring.get("trim_high"), 2))
    if weighting.get("n_eff") and weighting.get("n"):
        text = joined_sentences([text, _(
            "Unequal weights make the sample of %(n)s respondents as precise as %(n_eff)s equally "
            "weighted ones (design effect %(deff)s).", n=weighting.get("n"),
            n_eff=_num(weighting.get("n_eff"), 0), deff=_num(weighting.get("deff"), 2))])
    return text


def exclusion_sentence(scoring: dict[str, Any]) -> str | None:
    reasons = [_(QUALITY_WORDS[f]) for f in scoring.get("excluding_flags") or [] if f in QUALITY_WORDS]
    if "INSUFFICIENT_ITEMS" in (scoring.get("excluding_flags") or []):
        reasons.append(_("fewer than half of the scored questions answered"))
    if not reasons:
        return None
    return _("Not counted: %(reasons)s.", reasons=_("; ").join(reasons))


def points_sentence(scoring: dict[str, Any]) -> str:
    method = str(scoring.get("method") or "M2")
    low, high = _num(scoring.get("band_low")), _num(scoring.get("band_high"))
    tiers = joined_names([_("%(option)s %(points)s", option=t, points=_num(p))
                          for t, p in zip(("优秀", "良好", "一般", "较差"), scoring.get("m5_points") or [],
                                          strict=False)])
    text = _(POINTS_WORDS.get(method, POINTS_WORDS["M2"]), max=_num(scoring.get("social_max")), low=low,
             high=high, tiers=tiers)
    if scoring.get("points_basis", "shrunk") == "shrunk":
        text = joined_sentences([text, _(
            "Points are computed on an index adjusted for sample size (a small sample is drawn "
            "toward its peer group's mean), so that chance does not hand out points.")])
    return text


def method_paragraphs(session: Session, run: EvaluationRun, info: Disclosure, waves: Sequence[Wave],
                      has_totals: bool, language: str) -> list[tuple[str, str]]:
    """The method as (heading, paragraph) pairs."""
    scoring = _scoring(run)
    wave = waves[-1] if waves else None
    n_min = scoring.get("n_min", 30)
    z = _num(_z(scoring), 2)
    index = [scale_sentence(session, wave, scoring, language)]
    excluded = exclusion_sentence(scoring)
    if excluded:
        index.append(excluded)
    out = [
        (_("Who was asked"), info.population),
        (_("From answers to an index"), joined_sentences(index)),
        (_("Weighting"), weighting_sentence(session, wave, scoring, info, language)),
        (_("Precision"), joined_sentences([
            _(INTERVAL_WORDS.get(str(scoring.get("ci_method")), INTERVAL_WORDS["logit_t"]), z=z),
            _("Standard errors take the weights as fixed (linearization).")])),
        (_("Points"), points_sentence(scoring)),
        (_("Ranks and tiers"), joined_sentences([
            _("Units are ranked within their peer group by their points. The first 30 per cent of "
              "the ranks are 优秀, the last 10 per cent (at least one unit) 较差, ranks up to 70 per "
              "cent 良好 and the rest 一般."),
            _("The brackets after a rank give the ranks the unit may hold once sampling error is "
              "taken into account (95 per cent confidence set).")])),
        (_("How sure a tier is"), joined_sentences([
            _("A unit is placed 优秀 (较差) as final only when its index is significantly above "
              "(below) that of every unit outside the tier and it has at least %(n_min)s valid "
              "ratings; otherwise the placement is provisional, and the office confirms or clears "
              "it, giving its reason.", n_min=n_min),
            _("A unit with fewer than %(n_min)s valid ratings gets a middle tier as indicative "
              "only.", n_min=n_min)])),
        (_("Changes and the city-wide index"), _(
            "The city-wide index is the plain mean of the units' indices. A change against the "
            "previous published period is significant when it is larger than %(z)s times the "
            "standard error of the difference (the two periods' standard errors combined); the "
            "city-wide change is taken over the units evaluated in both periods.", z=z)),
    ]
    if run.kind == "year":
        out.append((_("The annual result"), _(
            "A unit's annual index is the mean of its indices in the year's published quarters.")))
    if has_totals:
        out.append((_("Comprehensive score"), _(
            "The comprehensive score adds the base score (at most %(base)s points), the "
            "differential score (at most %(diff)s), the social points (at most %(social)s) and "
            "bonus points (at most %(bonus)s), less deductions; a veto item makes the tier 较差.",
            base=_num(scoring.get("base_max")), diff=_num(scoring.get("diff_max")),
            social=_num(scoring.get("social_max")), bonus=_num(scoring.get("bonus_cap")))))
    return out


def _z(scoring: dict[str, Any]) -> float:
    from analysis.config import two_sided_z

    return float(two_sided_z(float(scoring.get("confidence_level") or 0.95)))


@dataclass(frozen=True)
class Precision:
    """Margins of error: the city-wide index's and the range of the units' (95% half-widths)."""

    city: float | None
    unit_low: float | None
    unit_high: float | None


def precision(rows: Sequence[EvaluationResult], city: CityIndex | None) -> Precision:
    halves = [(r.si_ci_high - r.si_ci_low) / 2 for r in rows
              if r.si_ci_low is not None and r.si_ci_high is not None]
    return Precision(None if city is None else (city.high - city.low) / 2,
                     min(halves) if halves else None, max(halves) if halves else None)


def disclosure_pairs(info: Disclosure, run: EvaluationRun, ratings: int, margin: Precision
                     ) -> list[tuple[str, str, str]]:
    """The AAPOR-style disclosure as (label, text, literal): sponsor, dates, mode, sample, rate,
    weighting, margins of error, and what makes the run reproducible. A literal (a checksum, a
    version) is shown as it is, after the text; it is empty on every other line."""
    weighting = info.weighting or {}
    submissions = info.submissions or {}
    accepted = int(submissions.get("accepted", 0))
    set_aside = sum(int(v) for k, v in submissions.items() if k != "accepted")
    if info.fieldwork:
        start, end = (date.fromisoformat(d) for d in info.fieldwork)
        fieldwork = _("%(first)s to %(last)s", first=date_words(start), last=date_words(end))
    else:
        fieldwork = "—"
    modes = joined_names([_(CHANNEL_WORDS[c], n=n) for c, n in info.channels.items() if c in CHANNEL_WORDS])
    access = {"open": _("anyone could answer (open access)"),
              "invitation": _("by invitation codes given to a sample")}.get(info.access or "", "")
    if info.response_rate:
        used, issued = info.response_rate
        rate = _("%(rate)s%% (%(used)s of %(issued)s invitations used)",
                 rate=_num(100 * used / issued if issued else math.nan), used=used, issued=issued)
    else:
        rate = _("not computable: anyone could answer, so there is no list of the people invited")
    if margin.city is None:
        errors = "—"
    else:
        errors = _("city-wide index ±%(city)s points; unit indices from ±%(low)s to ±%(high)s points "
                   "(95%% confidence)", city=_num(margin.city), low=_num(margin.unit_low),
                   high=_num(margin.unit_high))
    weighted = (_("weighted to the population's shares") if weighting.get("raked")
                else _("design weights only, not weighted to population figures"))
    if weighting.get("deff"):
        weighted = _("%(how)s; design effect %(deff)s", how=weighted, deff=_num(weighting.get("deff"), 2))
    facts = [
        (_("Sponsor"), info.sponsor),
        (_("Fieldwork"), fieldwork),
        (_("Population and frame"), joined_sentences([info.population, access]) if access else info.population),
        (_("Mode"), modes or "—"),
        (_("Sample size"), _("%(accepted)s questionnaires accepted, %(set_aside)s set aside by the "
                             "quality checks; %(ratings)s valid ratings", accepted=accepted,
                             set_aside=set_aside, ratings=ratings) if submissions
         else _("%(ratings)s valid ratings", ratings=ratings)),
        (_("Response rate"), rate),
        (_("Weighting"), weighted),
        (_("Margins of error"), errors),
    ]
    method = (run.summary or {}).get("method_version") or "—"
    return [(label, text, "") for label, text in facts] + [
        (_("Reproducibility"), _("evaluation run %(id)s; its input checksum and method version:",
                                 id=run.id), f"{info.input_sha256[:12]} · {method}")]
