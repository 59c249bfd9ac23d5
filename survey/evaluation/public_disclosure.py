"""The AAPOR-style disclosure of a published run, in plain words for citizens.

Sponsor, fieldwork dates, population, mode, sample size, response rate, weighting and margin of
error (AAPOR Transparency Initiative, "disclosure elements"), and the few method facts the
public page explains: the questions scored, the minimum sample, the confidence level. The data
come from the office's disclosure (:func:`survey.evaluation.report.disclosure`); the words are
for a reader without statistics.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey.evaluation.inputs import load_definition
from survey.evaluation.report import disclosure
from survey.i18n import N_, _
from survey.models import EvaluationRun, Wave
from survey.questionnaire import Definition

#: How each channel of collection is said (DESIGN §4: web, phone, paper, kiosk).
MODE_WORDS = {"web": N_("online questionnaire"), "phone": N_("telephone interview"),
              "paper": N_("paper questionnaire"), "kiosk": N_("self-service kiosk")}
ACCESS_WORDS = {"open": N_("open survey: anyone could answer, once"),
                "invitation": N_("invited sample: single-use invitation codes")}
#: Answers left out of the index, in words (the run's ``excluding_flags``).
EXCLUSION_WORDS = {
    "DUPLICATE": N_("answers sent twice by the same person"),
    "HONEYPOT": N_("automated submissions"),
    "INSUFFICIENT_ITEMS": N_("ratings with too few questions answered"),
    "STAFF_OF_UNIT": N_("ratings of a unit by its own staff"),
    "SPEEDING": N_("questionnaires answered too fast to have been read"),
    "STRAIGHTLINE": N_("the same answer given to every question at high speed"),
    "BURST": N_("bursts of submissions from one source"),
}


@dataclass(frozen=True)
class PublicDisclosure:
    sponsor: str
    fieldwork: tuple[str, str] | None  #: first and last day (local dates, ISO 8601)
    population: str
    access: str
    modes: tuple[tuple[str, int], ...]  #: (mode in words, accepted questionnaires)
    responses: int | None  #: accepted questionnaires
    set_aside: int | None  #: questionnaires quarantined or excluded (not counted)
    ratings: int  #: valid ratings of units counted in the index
    response_rate: str
    weighting: str
    margin_of_error: str
    margin_median: float | None  #: half-width of the 95% interval of the median unit (SI points)
    margin_min: float | None
    margin_max: float | None
    confidence: float
    questions: tuple[str, ...]  #: the scored questions (their text)
    n_min: int | None
    exclusions: tuple[str, ...]  #: answers left out, in words


def _variable_label(definition: Definition | None, name: str, lang: str) -> str:
    labels = []
    for part in name.split("*"):
        try:
            labels.append(definition.label(definition.question(part), lang) if definition else part)
        except KeyError:
            labels.append(part)
    return " × ".join(labels)


def _margin_words(half_widths: list[float], confidence: float) -> tuple[str, float | None, float | None, float | None]:
    if not half_widths:
        return _("Not available: no unit has an interval."), None, None, None
    median, low, high = statistics.median(half_widths), min(half_widths), max(half_widths)
    text = _("±%(median)s points on the 0–100 index for the median unit (from ±%(low)s to "
             "±%(high)s), at %(level)s%% confidence; each unit's own interval is in the table.",
             median=f"{median:.1f}", low=f"{low:.1f}", high=f"{high:.1f}", level=f"{confidence * 100:g}")
    return text, median, low, high


def public_disclosure(session: Session, run: EvaluationRun, sponsor: str, lang: str) -> PublicDisclosure:
    """The disclosure of ``run`` in words of the request's language."""
    info = disclosure(session, run, sponsor)
    wave = session.get(Wave, run.wave_id) if run.wave_id else None
    definition = load_definition(session, wave.questionnaire_version_id) if wave else None
    scoring = (run.config or {}).get("scoring", {})
    confidence = float(scoring.get("confidence_level") or 0.95)
    half_widths = [(r.si_ci_high - r.si_ci_low) / 2 for r in run.results
                   if r.si_ci_low is not None and r.si_ci_high is not None]
    margin_text, median, low, high = _margin_words(half_widths, confidence)
    responses = info.submissions.get("accepted") if info.submissions else None
    set_aside = sum(v for k, v in info.submissions.items() if k != "accepted") if info.submissions else None
    if info.response_rate:
        used, issued = info.response_rate
        rate = _("%(rate)s%% (%(used)s of %(issued)s invitation codes were used to answer)",
                 rate=f"{100 * used / issued:.1f}", used=used, issued=issued)
    elif run.kind == "year":
        rate = _("See the quarterly results of the year.")
    else:
        rate = _("Not applicable: the survey was open to everyone, so there is no list of invited "
                 "people to compute a rate from.")
    weighting = info.weighting or {}
    variables = sorted({variable for variable, _category, _share in info.margins})
    if weighting.get("raked") and variables:
        weights = _("Weighted so that respondents match the population by %(variables)s (raking); "
                    "no weight is below %(low)s or above %(high)s times the average.",
                    variables=", ".join(_variable_label(definition, v, lang) for v in variables),
                    low=f"{float(scoring.get('trim_low') or 0):g}", high=f"{float(scoring.get('trim_high') or 0):g}")
    elif run.kind == "year":
        weights = _("Each quarter is weighted as published; the year is the mean of its quarters.")
    else:
        weights = _("Not weighted to population figures: every valid rating counts the same.")
    questions: tuple[str, ...] = ()
    if definition is not None:
        questions = tuple(definition.label(definition.question(item.name), lang)
                          for item in definition.scored_items)
    return PublicDisclosure(
        sponsor=info.sponsor, fieldwork=info.fieldwork, population=info.population,
        access=_(ACCESS_WORDS[info.access]) if info.access in ACCESS_WORDS else (info.access or "—"),
        modes=tuple((_(MODE_WORDS.get(k, k)), n) for k, n in info.channels.items()),
        responses=responses, set_aside=set_aside,
        ratings=sum(r.n_valid for r in run.results), response_rate=rate, weighting=weights,
        margin_of_error=margin_text, margin_median=median, margin_min=low, margin_max=high,
        confidence=confidence, questions=questions,
        n_min=int(scoring["n_min"]) if scoring.get("n_min") is not None else None,
        exclusions=tuple(_(EXCLUSION_WORDS[f]) for f in scoring.get("excluding_flags") or ()
                         if f in EXCLUSION_WORDS))
