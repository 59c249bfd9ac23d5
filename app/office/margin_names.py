"""A population margin named as the questionnaire names it (``age_band=70+`` → 年龄段 70岁及以上)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import current_language
from survey.models import Unit, Wave


def margin_namer(session: Session, wave_id: int | None) -> Callable[[str, str], str] | None:
    """``name(variable, category)`` in the reader's language from the wave's questionnaire
    (question labels, choice labels, unit names); None when the wave is gone."""
    from survey.evaluation.inputs import load_definition

    wave = session.get(Wave, wave_id) if wave_id else None
    if wave is None:
        return None
    definition = load_definition(session, wave.questionnaire_version_id)
    lang = current_language()

    def part(variable: str, category: str) -> tuple[str, str]:
        try:
            question = definition.question(variable)
        except KeyError:
            return variable, category
        label = definition.label(question, lang)
        if category and question.list_name:
            choices = {c.name: c for c in definition.choices(question.list_name)}
            if category in choices:
                category = definition.label(choices[category], lang)
        elif category and question.unit_kind:
            unit = session.scalar(select(Unit).where(Unit.code == category))
            category = unit.name if unit is not None else category
        return label, category

    def name(variable: str, category: str) -> str:
        variables = variable.split("*")
        categories = category.split("*") if category else [""] * len(variables)
        if len(categories) != len(variables):
            return f"{variable} {category}".strip()
        words = [part(v, c) for v, c in zip(variables, categories, strict=True)]
        return "、".join(f"{label} {value}".strip() for label, value in words)

    return name
