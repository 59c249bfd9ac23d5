"""``parse_definition``: check a Minyi JSON document and build a :class:`Definition`.

Every problem is collected (with its location, e.g. ``sections[1].items[0].list``) and raised
together as a :class:`DefinitionError`; nothing is built from an invalid document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.i18n import _

from .definition import FORMAT, SECTION_KINDS, Choice, Compiled, Definition, Group, Item, Section
from .errors import DefinitionError, DefinitionIssue
from .expressions import Node
from .fields import (
    CHOICE_NAME,
    LANGUAGE,
    MAX_NAME,
    check_bool,
    check_identifier,
    check_number,
    check_text,
    check_texts,
)
from .question_rules import QuestionBuilder

MAX_GROUP_DEPTH = 8
MAX_QUESTIONS = 2000
MAX_CHOICES = 1000
TOP_FIELDS = frozenset({"format", "form_id", "version_label", "title", "introduction",
                        "languages", "default_language", "choice_lists", "sections"})
CHOICE_FIELDS = frozenset({"name", "label", "score", "missing"})
SECTION_FIELDS = frozenset({"name", "kind", "title", "relevant", "items"})
GROUP_FIELDS = frozenset({"type", "name", "label", "relevant", "items"})


@dataclass
class Context:
    """State shared while walking the document."""

    languages: tuple[str, ...] = ()
    default: str = ""
    issues: list[DefinitionIssue] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # name → location of first use

    def report(self, location: str, message: str) -> None:
        self.issues.append(DefinitionIssue(location, message))

    def texts(self, value: Any, location: str, *, required: bool) -> dict[str, str]:
        return check_texts(value, location, self.report, self.languages, self.default,
                           required=required)

    def unknown_fields(self, data: dict[str, Any], allowed: frozenset[str], location: str) -> None:
        for key in data:
            if key not in allowed:
                self.report(f"{location}.{key}" if location else str(key),
                            _("Unknown field %(field)s.", field=repr(key)[:60]))

    def claim_name(self, name: str | None, location: str) -> None:
        if name is None:
            return
        if name in self.names:
            self.report(location, _(
                "The name %(name)s is already used by another question, group or section.",
                name=name))
        else:
            self.names[name] = location


def parse_definition(data: Any) -> Definition:
    """Validate ``data`` (a decoded Minyi JSON document) and return the :class:`Definition`.

    Raises :class:`DefinitionError` listing every issue found.
    """
    ctx = Context()
    if not isinstance(data, dict):
        raise DefinitionError([DefinitionIssue("", _("The definition must be a JSON object."))])
    ctx.unknown_fields(data, TOP_FIELDS, "")
    if data.get("format") != FORMAT:
        ctx.report("format", _("Unsupported format %(value)s; expected %(expected)s.",
                               value=repr(data.get("format"))[:60], expected=FORMAT))
    form_id = check_identifier(data.get("form_id"), "form_id", ctx.report)
    version_label = check_text(data.get("version_label", ""), "version_label", ctx.report,
                               max_length=100) or ""
    _languages(data, ctx)
    title = ctx.texts(data.get("title"), "title", required=True)
    introduction = ctx.texts(data.get("introduction"), "introduction", required=False)
    choice_lists = _choice_lists(data.get("choice_lists"), ctx)
    builder = QuestionBuilder(ctx, choice_lists)
    sections = _sections(data.get("sections"), ctx, builder)
    compiled = builder.finish()
    if ctx.issues:
        raise DefinitionError(ctx.issues)
    return Definition(
        form_id=form_id or "", title=title, languages=ctx.languages, default_language=ctx.default,
        choice_lists=choice_lists, sections=tuple(sections), version_label=version_label,
        compiled=compiled, introduction=introduction,
    )


def _languages(data: dict[str, Any], ctx: Context) -> None:
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages:
        ctx.report("languages", _("List the questionnaire's languages, e.g. [\"zh\", \"en\"]."))
        languages = []
    valid: list[str] = []
    for i, lang in enumerate(languages):
        if not isinstance(lang, str) or not LANGUAGE.fullmatch(lang):
            ctx.report(f"languages[{i}]", _("%(value)s is not a language code such as zh or en.",
                                            value=repr(lang)[:40]))
        elif lang in valid:
            ctx.report(f"languages[{i}]", _("Language %(lang)s is listed twice.", lang=lang))
        else:
            valid.append(lang)
    ctx.languages = tuple(valid)
    default = data.get("default_language")
    if default not in valid:
        ctx.report("default_language",
                   _("The default language must be one of the languages (%(languages)s).",
                     languages=", ".join(valid)))
        default = valid[0] if valid else ""
    ctx.default = default


def _choice_lists(value: Any, ctx: Context) -> dict[str, tuple[Choice, ...]]:
    out: dict[str, tuple[Choice, ...]] = {}
    if value is None:
        value = {}
    if not isinstance(value, dict):
        ctx.report("choice_lists", _("choice_lists must map list names to lists of choices."))
        return out
    for list_name, choices in value.items():
        location = f"choice_lists.{list_name}"
        if check_identifier(list_name, location, ctx.report) is None:
            continue
        if not isinstance(choices, list) or not choices:
            ctx.report(location, _("A choice list needs at least one choice."))
            out[list_name] = ()
            continue
        if len(choices) > MAX_CHOICES:
            ctx.report(location, _("A choice list has at most %(max)s choices.", max=MAX_CHOICES))
            choices = choices[:MAX_CHOICES]
        seen: set[str] = set()
        parsed: list[Choice] = []
        for i, raw in enumerate(choices):
            choice = _choice(raw, f"{location}[{i}]", ctx, list_name, seen)
            if choice is not None:
                parsed.append(choice)
        out[list_name] = tuple(parsed)
    return out


def _choice(raw: Any, location: str, ctx: Context, list_name: str, seen: set[str]) -> Choice | None:
    if not isinstance(raw, dict):
        ctx.report(location, _("A choice must be an object with a name and a label."))
        return None
    ctx.unknown_fields(raw, CHOICE_FIELDS, location)
    name = raw.get("name")
    if isinstance(name, int) and not isinstance(name, bool):
        name = str(name)
    if not isinstance(name, str) or not CHOICE_NAME.fullmatch(name) or len(name) > MAX_NAME:
        ctx.report(f"{location}.name", _(
            "%(value)s is not a valid choice name (no spaces or quotes, at most %(max)s "
            "characters).", value=repr(name)[:80], max=MAX_NAME))
        name = None
    elif name in seen:
        ctx.report(f"{location}.name", _("Duplicate choice %(name)s in list %(list)s.",
                                         name=name, list=list_name))
    seen.add(name or "")
    label = ctx.texts(raw.get("label"), f"{location}.label", required=True)
    score = check_number(raw.get("score"), f"{location}.score", ctx.report)
    if score is not None and not 0 <= score <= 100:
        ctx.report(f"{location}.score", _("A score must be between 0 and 100."))
    missing = check_bool(raw.get("missing"), f"{location}.missing", ctx.report)
    if missing and score is not None:
        ctx.report(f"{location}.score", _("A missing-code choice (don't know) has no score."))
    if name is None:
        return None
    return Choice(name=name, label=label, score=score, missing=missing)


def _sections(value: Any, ctx: Context, builder: QuestionBuilder) -> list[Section]:
    if not isinstance(value, list) or not value:
        ctx.report("sections", _("A questionnaire needs at least one section."))
        return []
    sections: list[Section] = []
    seen_unit = False
    for i, raw in enumerate(value):
        location = f"sections[{i}]"
        if not isinstance(raw, dict):
            ctx.report(location, _("A section must be an object."))
            continue
        ctx.unknown_fields(raw, SECTION_FIELDS, location)
        name = check_identifier(raw.get("name"), f"{location}.name", ctx.report)
        ctx.claim_name(name, f"{location}.name")
        kind = raw.get("kind")
        if kind not in SECTION_KINDS:
            ctx.report(f"{location}.kind", _("A section's kind is respondent or unit."))
            kind = "respondent"
        elif kind == "respondent" and seen_unit:
            ctx.report(f"{location}.kind",
                       _("Respondent sections must come before the unit sections."))
        seen_unit = seen_unit or kind == "unit"
        title = ctx.texts(raw.get("title"), f"{location}.title", required=True)
        relevant = builder.condition(raw.get("relevant"), f"{location}.relevant", kind)
        builder.enter(name or location, kind, relevant)
        items = _items(raw.get("items"), f"{location}.items", ctx, builder, depth=0)
        builder.leave()
        sections.append(Section(name=name or "", kind=kind, title=title, items=tuple(items),
                                relevant=relevant[0] if relevant else None))
    return sections


def _items(value: Any, location: str, ctx: Context, builder: QuestionBuilder, depth: int) -> list[Item]:
    if not isinstance(value, list) or not value:
        ctx.report(location, _("A section or group needs at least one item."))
        return []
    items: list[Item] = []
    for i, raw in enumerate(value):
        item_location = f"{location}[{i}]"
        if not isinstance(raw, dict):
            ctx.report(item_location, _("An item must be an object."))
            continue
        if raw.get("type") == "group":
            group = _group(raw, item_location, ctx, builder, depth + 1)
            if group is not None:
                items.append(group)
            continue
        if len(builder.questions) >= MAX_QUESTIONS:
            ctx.report(item_location, _("A questionnaire has at most %(max)s questions.",
                                        max=MAX_QUESTIONS))
            break
        question = builder.question(raw, item_location)
        if question is not None:
            items.append(question)
    return items


def _group(raw: dict[str, Any], location: str, ctx: Context, builder: QuestionBuilder,
           depth: int) -> Group | None:
    if depth > MAX_GROUP_DEPTH:
        ctx.report(location, _("Groups are nested too deeply (at most %(max)s levels).",
                               max=MAX_GROUP_DEPTH))
        return None
    ctx.unknown_fields(raw, GROUP_FIELDS, location)
    name = check_identifier(raw.get("name"), f"{location}.name", ctx.report)
    ctx.claim_name(name, f"{location}.name")
    label = ctx.texts(raw.get("label"), f"{location}.label", required=True)
    relevant = builder.condition(raw.get("relevant"), f"{location}.relevant", builder.kind)
    builder.enter(name or location, builder.kind, relevant)
    items = _items(raw.get("items"), f"{location}.items", ctx, builder, depth)
    builder.leave()
    return Group(name=name or "", label=label, items=tuple(items),
                 relevant=relevant[0] if relevant else None)


__all__ = ["parse_definition", "Context", "Node", "Compiled"]
