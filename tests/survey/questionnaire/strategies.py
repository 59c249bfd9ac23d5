"""Hypothesis strategies for valid Minyi questionnaire documents (reusable by other tests).

``definition_documents()`` draws JSON-ready dicts that :func:`parse_definition` accepts: every
question type, nested groups, scored unit items with exactly one ``overall``, strata asked before
the first screen-out, and well-typed expressions using every operator and function of the
expression language (``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``and``, ``or``, ``not()``,
``+``, ``-``, ``*``, ``div``, ``mod``, unary ``-``, ``selected()``, ``count-selected()``,
``string-length()``, ``.``). ``definitions()`` gives the parsed :class:`Definition`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from survey.questionnaire import Definition, parse_definition
from survey.questionnaire.expressions import (
    Binary,
    Call,
    Current,
    Negate,
    Node,
    Number,
    Ref,
    String,
    unparse,
)

TEXT_ALPHABET = "满意度您的居住区县部门服务ABCxyz0123 =+-'\"_()?!，。"
CHOICE_NAMES = ["1", "2", "3", "5", "9", "a", "b", "yes", "no", "18-29", "70+", "x_y", "D01"]
QUESTION_TYPES = ["select_one", "select_multiple", "integer", "decimal", "text", "note",
                  "select_one_unit", "select_multiple_unit"]
COMPARISONS = ["=", "!=", "<", "<=", ">", ">="]
ARITHMETIC = ["+", "-", "*", "div", "mod"]

texts_text = st.text(alphabet=TEXT_ALPHABET, min_size=1, max_size=16).map(str.strip).filter(bool)
plain_numbers = st.one_of(
    st.just(0),
    st.integers(min_value=-10_000, max_value=10_000),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
)


@dataclass
class _Ref:
    name: str
    type: str  # number | string | multi
    choices: list[str] | None = None


@dataclass
class _State:
    languages: list[str]
    default: str
    lists: dict[str, list[dict[str, Any]]]
    counter: int = 0
    respondent_refs: list[_Ref] = field(default_factory=list)
    unit_refs: list[_Ref] = field(default_factory=list)
    screened: bool = False
    residence: bool = False
    selector: bool = False
    overall: bool = False

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


@st.composite
def labels(draw: st.DrawFn, state: _State, *, required: bool = True) -> dict[str, str]:
    out = {}
    for lang in state.languages:
        if (lang == state.default and required) or draw(st.booleans()):
            out[lang] = draw(texts_text)
    return out


# --- expressions -----------------------------------------------------------------------------


@st.composite
def number_expr(draw: st.DrawFn, refs: list[_Ref], current: _Ref | None, depth: int) -> Node:
    numeric = [r for r in refs if r.type == "number"]
    multi = [r for r in refs if r.type == "multi"]
    strings = [r for r in refs if r.type == "string"]
    options: list[str] = ["literal"]
    if numeric:
        options.append("ref")
    if multi:
        options.append("count")
    if strings or (current and current.type == "string"):
        options.append("length")
    if current and current.type == "number":
        options.append("current")
    if depth > 0:
        options += ["arith", "negate"]
    kind = draw(st.sampled_from(options))
    if kind == "literal":
        return Number(draw(st.one_of(st.integers(0, 1000),
                                     st.sampled_from([0.5, 2.25, 10.75]))))
    if kind == "ref":
        return Ref(draw(st.sampled_from(numeric)).name)
    if kind == "count":
        return Call("count-selected", (Ref(draw(st.sampled_from(multi)).name),))
    if kind == "length":
        targets: list[Node] = [Ref(r.name) for r in strings]
        if current and current.type == "string":
            targets.append(Current())
        return Call("string-length", (draw(st.sampled_from(targets)),))
    if kind == "current":
        return Current()
    if kind == "negate":
        return Negate(draw(number_expr(refs, current, depth - 1)))
    return Binary(draw(st.sampled_from(ARITHMETIC)), draw(number_expr(refs, current, depth - 1)),
                  draw(number_expr(refs, current, depth - 1)))


@st.composite
def condition(draw: st.DrawFn, refs: list[_Ref], current: _Ref | None = None, depth: int = 2) -> Node:
    """A well-typed condition over ``refs`` (and ``.`` when ``current`` is given)."""
    strings = [r for r in refs if r.type == "string"]
    if current is not None and current.type == "string":
        strings = [*strings, current]
    choosable = [r for r in refs if r.choices is not None]
    if current is not None and current.choices is not None:
        choosable = [*choosable, current]
    options = ["numbers"]
    if strings:
        options.append("text")
    if choosable:
        options.append("selected")
    if depth > 0:
        options += ["and", "or", "not"]
    kind = draw(st.sampled_from(options))
    if kind == "numbers":
        return Binary(draw(st.sampled_from(COMPARISONS)), draw(number_expr(refs, current, 1)),
                      draw(number_expr(refs, current, 1)))
    if kind == "text":
        ref = draw(st.sampled_from(strings))
        node: Node = Current() if ref is current else Ref(ref.name)
        if ref.choices:
            literal = draw(st.sampled_from([*ref.choices, ""]))
            return Binary(draw(st.sampled_from(["=", "!="])), node, String(literal))
        literal = draw(st.text(alphabet="abc满意 ", max_size=5))
        op = draw(st.sampled_from(COMPARISONS if literal else ["=", "!="]))
        return Binary(op, node, String(literal))
    if kind == "selected":
        ref = draw(st.sampled_from(choosable))
        node = Current() if ref is current else Ref(ref.name)
        return Call("selected", (node, String(draw(st.sampled_from(ref.choices or ["x"])))))
    if kind == "not":
        return Call("not", (draw(condition(refs, current, depth - 1)),))
    return Binary(kind, draw(condition(refs, current, depth - 1)),
                  draw(condition(refs, current, depth - 1)))


def _source(node: Node) -> str:
    return unparse(node)


# --- questions, groups, sections -------------------------------------------------------------


def _ref_for(question: dict[str, Any], lists: dict[str, list[dict[str, Any]]]) -> _Ref | None:
    qtype = question["type"]
    if qtype == "note":
        return None
    choices = [c["name"] for c in lists[question["list"]]] if "list" in question else None
    kind = {"integer": "number", "decimal": "number", "select_multiple": "multi",
            "select_multiple_unit": "multi"}.get(qtype, "string")
    return _Ref(question["name"], kind, choices)


@st.composite
def question(draw: st.DrawFn, state: _State, kind: str) -> dict[str, Any]:
    types = [t for t in QUESTION_TYPES if not t.endswith("_unit")]
    if kind == "respondent":
        types += [t for t, used in (("select_one_unit", state.residence),
                                    ("select_multiple_unit", state.selector)) if not used]
        # the residence district is a stratum: it must come before any screen-out
        if state.screened and "select_one_unit" in types:
            types.remove("select_one_unit")
    qtype = draw(st.sampled_from(types))
    if kind == "unit" and draw(st.booleans()):
        qtype = "select_one"  # make scored items common
    q: dict[str, Any] = {"name": state.name("q"), "type": qtype, "label": draw(labels(state))}
    refs = list(state.respondent_refs) + (state.unit_refs if kind == "unit" else [])
    if draw(st.booleans()):
        q["hint"] = draw(labels(state))
    if draw(st.integers(0, 3)) == 0:
        q["relevant"] = _source(draw(condition(refs)))
    if qtype in ("select_one", "select_multiple"):
        plain = [n for n in state.lists if n != "scale"]
        q["list"] = draw(st.sampled_from(plain or ["scale"]))
    elif qtype == "integer":
        bounds = st.integers(-1000, 1000) | st.just(0)
        low, high = sorted(draw(st.lists(bounds, min_size=2, max_size=2)))
        q.update({k: v for k, v in (("min", low), ("max", high)) if draw(st.booleans())})
    elif qtype == "decimal":
        low, high = sorted(draw(st.lists(plain_numbers, min_size=2, max_size=2)))
        q.update({k: v for k, v in (("min", low), ("max", high)) if draw(st.booleans())})
    elif qtype == "text" and draw(st.booleans()):
        q["max_length"] = draw(st.integers(1, 10_000))
    elif qtype == "select_one_unit":
        q["unit_kind"] = "district"
        state.residence = True
    elif qtype == "select_multiple_unit":
        q["unit_kind"] = "department"
        state.selector = True
    if kind == "unit" and qtype == "select_one" and draw(st.booleans()):
        q.update(list="scale", scored=True,
                 weight=draw(st.sampled_from([0.4, 0.15, 1, 2.5, 0.1 + 0.2])))
        if draw(st.booleans()):
            q["dimension"] = draw(texts_text)
        if not state.overall:
            q["overall"] = state.overall = True
    ref = _ref_for(q, state.lists)
    if qtype != "note":
        q["required"] = draw(st.booleans())
        if draw(st.integers(0, 2)) == 0:
            q["constraint"] = _source(draw(condition(refs, ref)))
            if draw(st.booleans()):
                q["constraint_message"] = draw(labels(state))
    if (kind == "respondent" and qtype == "select_one" and not state.screened
            and draw(st.booleans())):
        q["stratum"] = True
    if kind == "respondent" and qtype != "note" and draw(st.integers(0, 4)) == 0:
        q["screen_out"] = _source(draw(condition(refs, ref, depth=1)))
        state.screened = True
    if ref is not None:
        (state.respondent_refs if kind == "respondent" else state.unit_refs).append(ref)
    return q


@st.composite
def items(draw: st.DrawFn, state: _State, kind: str, depth: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            group: dict[str, Any] = {"type": "group", "name": state.name("g"),
                                     "label": draw(labels(state))}
            refs = list(state.respondent_refs) + (state.unit_refs if kind == "unit" else [])
            if draw(st.booleans()):
                group["relevant"] = _source(draw(condition(refs)))
            group["items"] = draw(items(state, kind, depth + 1))
            out.append(group)
        else:
            out.append(draw(question(state, kind)))
    return out


@st.composite
def choice_list(draw: st.DrawFn, state: _State, scored: bool) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(CHOICE_NAMES), min_size=1, max_size=5, unique=True))
    out = []
    for i, name in enumerate(names):
        choice: dict[str, Any] = {"name": name, "label": draw(labels(state))}
        if scored and i == len(names) - 1 and len(names) > 1 and draw(st.booleans()):
            choice["missing"] = True
        elif scored:
            choice["score"] = draw(st.one_of(st.integers(0, 100), st.sampled_from([12.5, 0.1 + 0.2])))
        out.append(choice)
    return out


@st.composite
def definition_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid Minyi JSON document (a fresh dict)."""
    languages = draw(st.sampled_from([["zh", "en"], ["zh"], ["en", "zh"], ["zh", "en", "ug"]]))
    state = _State(languages, draw(st.sampled_from(languages)), {})
    for index in range(draw(st.integers(1, 3))):
        state.lists[f"list{index}"] = draw(choice_list(state, scored=False))
    state.lists["scale"] = draw(choice_list(state, scored=True))
    sections = []
    for kind in ["respondent"] * draw(st.integers(1, 2)) + ["unit"] * draw(st.integers(0, 2)):
        section: dict[str, Any] = {"name": state.name("s"), "kind": kind,
                                   "title": draw(labels(state))}
        if kind == "unit" and state.respondent_refs and draw(st.booleans()):
            section["relevant"] = _source(draw(condition(list(state.respondent_refs))))
        section["items"] = draw(items(state, kind, 0))
        sections.append(section)
    doc: dict[str, Any] = {
        "format": "minyi-questionnaire/1", "form_id": draw(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)),
        "title": draw(labels(state)), "languages": languages, "default_language": state.default,
        "choice_lists": state.lists, "sections": sections,
    }
    if draw(st.booleans()):
        doc["version_label"] = draw(texts_text)
    if draw(st.booleans()):
        doc["introduction"] = draw(labels(state))
    return doc


def definitions() -> st.SearchStrategy[Definition]:
    """Parsed definitions drawn from :func:`definition_documents`."""
    return definition_documents().map(parse_definition)
