"""Answer validation shared by the web form, the JSON API and the interview import.

``validate_answers`` checks a whole submission (respondent answers plus one block of ratings per
unit), collects every error as ``(question path, message)`` and returns cleaned values; answers to
questions that are not relevant (skip logic) or not asked (after a screen-out) are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from survey.i18n import _

from .answer_values import clean_value, is_empty
from .definition import UNIT_TYPES, Definition, Question
from .expr_eval import evaluate_condition


@dataclass
class ValidationResult:
    """Cleaned answers and ratings, every error, and how the interview went."""

    answers: dict[str, Any] = field(default_factory=dict)
    ratings: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    screened_out: str | None = None  # the question whose screen-out ended the interview
    rateable_units: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def cleaned(self) -> dict[str, Any]:
        return {"answers": self.answers, "ratings": self.ratings}


def is_relevant(definition: Definition, question: Question, env: Mapping[str, object]) -> bool:
    """Whether ``question`` is asked given the answers in ``env`` (section, groups, own rule)."""
    compiled = definition.compiled.get(question.name)
    return compiled is None or all(evaluate_condition(c, env) for c in compiled.conditions)


def relevant_questions(
    definition: Definition,
    section: str,
    answers: Mapping[str, object],
    unit_answers: Mapping[str, object] | None = None,
) -> list[Question]:
    """Questions of ``section`` to show, given the (cleaned) answers so far.

    Server-side skip logic between pages: ``answers`` are the respondent answers given so far and
    ``unit_answers`` the answers for the unit being rated (unit sections). Questions whose
    conditions depend on unanswered questions are hidden.
    """
    env = {**answers, **(unit_answers or {})}
    return [q for q in definition.section(section).questions if is_relevant(definition, q, env)]


def screened_out_by(definition: Definition, answers: Mapping[str, object]) -> str | None:
    """The first respondent question whose screen-out fires on the cleaned ``answers``."""
    for q in definition.respondent_questions:
        compiled = definition.compiled.get(q.name)
        if (compiled and compiled.screen_out is not None and q.name in answers
                and evaluate_condition(compiled.screen_out, answers, answers[q.name])):
            return q.name
    return None


class _Run:
    def __init__(self, definition: Definition, language: str | None,
                 allowed_units: Collection[str] | None, unit_kinds: Mapping[str, str] | None,
                 sections: Collection[str] | None) -> None:
        self.definition = definition
        self.language = language
        self.allowed_units = allowed_units
        self.unit_kinds = unit_kinds
        self.sections = sections
        self.result = ValidationResult()

    def error(self, path: str, message: str) -> None:
        self.result.errors.append((path, message))

    def block(self, questions: tuple[Question, ...], raw: Mapping[str, Any], env: dict[str, Any],
              prefix: str, *, screen: bool) -> dict[str, Any]:
        """Validate one block of answers in question order; returns the cleaned answers."""
        cleaned: dict[str, Any] = {}
        for q in questions:
            if self.result.screened_out and screen:
                break
            path = prefix + q.name
            checked = self.sections is None or q.section in self.sections
            if not is_relevant(self.definition, q, env):
                continue
            value = raw.get(q.name)
            if q.type == "note":
                if not is_empty(value) and checked:
                    self.error(path, _("This is a note; it takes no answer."))
                continue
            value, message = clean_value(self.definition, q, value,
                                         allowed_units=self.allowed_units,
                                         unit_kinds=self.unit_kinds)
            if message:
                if checked:
                    self.error(path, message)
                continue
            if value is None:
                if q.required and checked:
                    self.error(path, _("This question is required."))
                continue
            compiled = self.definition.compiled[q.name]
            if compiled.constraint is not None and not evaluate_condition(
                    compiled.constraint, env, value):
                if checked:
                    self.error(path, self.definition.label(q.constraint_message, self.language)
                               or _("This answer is not allowed here."))
                continue
            cleaned[q.name] = env[q.name] = value
            if screen and compiled.screen_out is not None and evaluate_condition(
                    compiled.screen_out, env, value):
                self.result.screened_out = q.name
        return cleaned

    def unknown(self, raw: Mapping[str, Any], known: Collection[str], prefix: str, *,
                elsewhere: Collection[str], hint: Callable[[], str]) -> None:
        """Report answers to questions not in ``known`` (``hint()`` for those in ``elsewhere``;
        a callable, so a valid submission translates nothing)."""
        for key in raw:
            if key in known:
                continue
            path = prefix + str(key)
            if key in elsewhere:
                self.error(path, hint())
            else:
                self.error(path, _("Unknown question %(name)s.", name=str(key)[:80]))


def validate_answers(
    definition: Definition,
    answers: Any,
    ratings: Any = None,
    *,
    allowed_units: Collection[str] | None = None,
    unit_kinds: Mapping[str, str] | None = None,
    invitation_district: str | None = None,
    language: str | None = None,
    sections: Collection[str] | None = None,
) -> ValidationResult:
    """Check a submission against ``definition`` and collect every error.

    ``answers`` maps respondent question names to values, ``ratings`` maps unit codes to
    ``{unit question name: value}``. ``allowed_units`` are the wave's unit codes (None: any code),
    ``unit_kinds`` maps codes to district/department. The units that may be rated are the district
    of residence (or ``invitation_district``) and the units chosen in unit questions; when the
    questionnaire has no unit question and no invitation district, every allowed unit may be rated.
    ``sections`` limits the reported errors to those sections (validating one page). Error paths
    are question names for respondent answers and ``ratings.<unit>.<name>`` for ratings; a body
    that is not an object is reported on ``answers`` / ``ratings``.
    """
    run = _Run(definition, language, allowed_units, unit_kinds, sections)
    result = run.result
    if not isinstance(answers, Mapping):
        run.error("answers", _("The answers must be an object of question names and values."))
        answers = {}
    if ratings is None:
        ratings = {}
    if not isinstance(ratings, Mapping):
        run.error("ratings", _("The ratings must be an object of unit codes and answers."))
        ratings = {}
    respondent = definition.respondent_questions
    unit_qs = definition.unit_questions
    env: dict[str, Any] = {}
    result.answers = run.block(respondent, answers, env, "", screen=True)
    run.unknown(answers, {q.name for q in respondent}, "", elsewhere={q.name for q in unit_qs},
                hint=lambda: _("This question is asked for each unit: send it under ratings."))
    result.rateable_units = [] if result.screened_out else _rateable(
        definition, result.answers, invitation_district, allowed_units, ratings)
    for code in ratings:
        if code not in result.rateable_units:
            run.error("ratings", _(
                "Unit %(code)s may not be rated: it is neither your district nor a unit you chose.",
                code=str(code)[:80]))
    if not unit_qs:
        return result
    for code in result.rateable_units:
        raw = ratings.get(code, {})
        prefix = f"ratings.{code}."
        if not isinstance(raw, Mapping):
            run.error(f"ratings.{code}", _("The answers for a unit must be an object."))
            raw = {}
        unit_env = dict(result.answers)
        result.ratings[code] = run.block(unit_qs, raw, unit_env, prefix, screen=False)
        run.unknown(raw, {q.name for q in unit_qs}, prefix, elsewhere={q.name for q in respondent},
                    hint=lambda: _("This question is asked once, not per unit: send it under answers."))
    return result


def rateable_units(
    definition: Definition,
    answers: Mapping[str, Any],
    *,
    invitation_district: str | None = None,
    allowed_units: Collection[str] | None = None,
) -> list[str]:
    """Units whose unit sections are asked, given the cleaned respondent ``answers``.

    The district of residence (or ``invitation_district`` when it is not answered) and the units
    chosen in unit questions, in that order, limited to ``allowed_units``; none after a screen-out.
    A questionnaire without unit questions and without an invitation district rates every allowed
    unit (sorted).
    """
    if screened_out_by(definition, answers):
        return []
    pool = sorted(allowed_units) if allowed_units is not None else []
    return _rateable(definition, answers, invitation_district, allowed_units,
                     dict.fromkeys(pool))


def _rateable(definition: Definition, answers: Mapping[str, Any], invitation_district: str | None,
              allowed_units: Collection[str] | None, ratings: Mapping[str, Any]) -> list[str]:
    unit_questions = [q for q in definition.respondent_questions if q.type in UNIT_TYPES]
    if not unit_questions and invitation_district is None:
        pool = allowed_units if allowed_units is not None else list(ratings)
        return [code for code in ratings if code in pool]
    units: list[str] = []
    residence = definition.residence_question
    if invitation_district and (residence is None or residence.name not in answers):
        units.append(invitation_district)
    for q in unit_questions:
        value = answers.get(q.name)
        for code in value if isinstance(value, list) else [value] if value else []:
            if code not in units:
                units.append(code)
    if allowed_units is not None:
        units = [code for code in units if code in allowed_units]
    return units
