"""The stratum variables of a wave and their allowed categories (for quotas and margins)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.i18n import _
from survey.models import Unit, UnitKind, Wave
from survey.questionnaire import Definition, parse_definition


def wave_definition(wave: Wave) -> Definition:
    return parse_definition(wave.questionnaire_version.definition)


def stratum_categories(session: Session, definition: Definition, wave: Wave | None = None,
                       ) -> dict[str, set[str]]:
    """Stratum variable → its categories (choice names; district codes for the residence).

    District codes are the wave's district units, or every district when the wave has none.
    """
    out: dict[str, set[str]] = {}
    for q in definition.stratum_variables:
        if q.list_name is not None:
            out[q.name] = {c.name for c in definition.choices(q.list_name)}
        else:
            units = [u for u in (wave.units if wave is not None else []) if u.kind == UnitKind.DISTRICT]
            if not units:
                units = list(session.scalars(select(Unit).where(Unit.kind == UnitKind.DISTRICT)))
            out[q.name] = {u.code for u in units}
    return out


def explain_variable(definition: Definition, name: str) -> str:
    """Why ``name`` cannot be a weighting variable of this questionnaire."""
    try:
        question = definition.question(name)
    except KeyError:
        return _("The questionnaire does not ask %(name)s.", name=name)
    screen = definition.screen_out_questions
    if screen and definition.questions.index(question) > definition.questions.index(screen[0]):
        return _("%(name)s is asked after the screen-out question %(screen)s; a weighting "
                 "variable must be asked before any screen-out.", name=name, screen=screen[0].name)
    return _("%(name)s is not a stratum variable of the questionnaire (mark it as a stratum).",
             name=name)


def category_labels(session: Session, definition: Definition, lang: str
                    ) -> dict[str, dict[str, str]]:
    """Stratum variable → category → what the respondent saw (choice label, unit name)."""
    out: dict[str, dict[str, str]] = {}
    for q in definition.stratum_variables:
        if q.list_name is not None:
            out[q.name] = {c.name: definition.label(c, lang) for c in definition.choices(q.list_name)}
        else:
            units = list(session.scalars(select(Unit).where(Unit.kind == UnitKind.DISTRICT)))
            out[q.name] = {u.code: u.display_name(lang) for u in units}
    return out
