"""The citizen's path through a questionnaire, and save-and-resume against an invitation.

A survey is a list of pages (*steps*): each respondent section that still has a question to ask,
then every unit section once per rated unit (the district of residence — or the invitation's
district — and the departments chosen). Skip logic is applied between pages from the answers
given so far, so the plan is recomputed after every page. Invited citizens' answers are saved
per page in :class:`Draft` and restored when the code is entered again; the draft is deleted in
the transaction that stores the submission.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Draft
from survey.questionnaire import Definition, Question, screened_out_by, validate_answers
from survey.questionnaire.answers import is_relevant

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


@dataclass(frozen=True)
class Step:
    """One page: a section, and the unit it rates (None for respondent sections)."""

    section: str
    unit: str | None = None


def rateable_units(definition: Definition, answers: Mapping[str, Any], allowed: Mapping[str, int],
                   kinds: Mapping[str, str], invitation_district: str | None) -> list[str]:
    """The units this respondent rates, in the order asked (the validator's own rule)."""
    result = validate_answers(definition, dict(answers), {}, allowed_units=allowed,
                              unit_kinds=kinds, invitation_district=invitation_district,
                              sections=())
    return result.rateable_units


def page_questions(definition: Definition, section: str, answers: Mapping[str, Any],
                   unit_answers: Mapping[str, Any] | None = None) -> list[Question]:
    """Questions to show on a page: relevant given the answers so far, plus those whose
    relevance depends on another question of the same page (decided when the page is sent)."""
    names = {q.name for q in definition.section(section).questions}
    env = {**answers, **(unit_answers or {})}
    shown = []
    for q in definition.section(section).questions:
        depends_here = bool(q.relevant and set(_REFERENCE.findall(q.relevant)) & names)
        if depends_here or is_relevant(definition, q, env):
            shown.append(q)
    return shown


def survey_steps(definition: Definition, answers: Mapping[str, Any], units: list[str]) -> list[Step]:
    """The pages of the survey given the (cleaned) respondent ``answers`` and rated ``units``."""
    steps: list[Step] = []
    screened = screened_out_by(definition, answers)
    for section in definition.sections:
        if section.kind != "respondent":
            continue
        if page_questions(definition, section.name, answers):
            steps.append(Step(section.name))
        if screened and screened in {q.name for q in section.questions}:
            return steps
    unit_sections = [s.name for s in definition.sections if s.kind == "unit"]
    steps += [Step(name, code) for code in units for name in unit_sections]
    return steps


def save_draft(session: Session, invitation_id: int, state: dict[str, Any], section: str) -> Draft:
    """Create or replace the invitation's draft (answers so far and the page reached)."""
    draft = session.scalar(select(Draft).where(Draft.invitation_id == invitation_id))
    if draft is None:
        draft = Draft(invitation_id=invitation_id)
        session.add(draft)
    draft.answers = state
    draft.section = section
    session.flush()
    return draft


def load_draft(session: Session, invitation_id: int) -> Draft | None:
    return session.scalar(select(Draft).where(Draft.invitation_id == invitation_id))
