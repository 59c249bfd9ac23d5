"""The segmenter's user dictionary as the administrator extends it (DESIGN §13).

Words are kept whole by the segmenter (place and government terms: 城东区, 不动产登记, 一窗通办);
stop words never count as keywords. Every unit's name is a word as well, without being listed.
Each change is audited. The segmenter is built once per distinct dictionary (cached by content).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.comments.segment import Segmenter, shared_segmenter
from survey import audit
from survey.errors import NotFound, ValidationFailed
from survey.i18n import _
from survey.models import CommentTerm, TermKind, Unit

MAX_TERM_LENGTH = 40
MAX_TERMS_AT_ONCE = 500
_TERM = re.compile(r"^[^\s\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Dictionary:
    """What the segmenter is given beyond its built-in dictionary."""

    words: tuple[str, ...]
    stop_words: tuple[str, ...]


def list_terms(session: Session) -> list[CommentTerm]:
    return list(session.scalars(select(CommentTerm).order_by(CommentTerm.kind, CommentTerm.term)))


def current_dictionary(session: Session) -> Dictionary:
    """The administrator's words and every unit's name, and the administrator's stop words."""
    terms = session.execute(select(CommentTerm.term, CommentTerm.kind)).all()
    names = session.scalars(select(Unit.name)).all()
    words = sorted({t for t, k in terms if k == TermKind.WORD} | {n for n in names if n})
    stops = sorted(t for t, k in terms if k == TermKind.STOP)
    return Dictionary(tuple(words), tuple(stops))


def segmenter_for(dictionary: Dictionary) -> Segmenter:
    """A segmenter with ``dictionary`` (one per distinct dictionary and process)."""
    return shared_segmenter(dictionary.words, dictionary.stop_words)


def add_terms(session: Session, text: str, kind: str, actor: str) -> list[CommentTerm]:
    """Add the terms of ``text`` (one per line) as words or stop words; every error is listed
    with its line and nothing is added when there is one. A term already listed as the same
    kind is skipped; as the other kind, it is an error."""
    try:
        term_kind = TermKind(kind)
    except ValueError:
        raise ValidationFailed([("kind", _("Choose whether the terms are words or stop words."))]) from None
    lines = [(i, line.strip()) for i, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    errors: list[tuple[str, str]] = []
    if not lines:
        errors.append(("terms", _("Type at least one term, one per line.")))
    elif len(lines) > MAX_TERMS_AT_ONCE:
        errors.append(("terms", _("At most %(n)s terms at once.", n=MAX_TERMS_AT_ONCE)))
    existing = {t.term: t.kind for t in session.scalars(
        select(CommentTerm).where(CommentTerm.term.in_([term for _i, term in lines])))}
    new: dict[str, int] = {}
    for number, term in lines:
        if len(term) > MAX_TERM_LENGTH:
            errors.append(("terms", _("Line %(line)s: a term has at most %(n)s characters.",
                                      line=number, n=MAX_TERM_LENGTH)))
        elif not _TERM.match(term):
            errors.append(("terms", _("Line %(line)s: a term has no spaces; put one term on each line.",
                                      line=number)))
        elif term in existing and existing[term] != term_kind:
            errors.append(("terms", _("Line %(line)s: %(term)s is already listed as a %(kind)s; "
                                      "remove it there first.", line=number, term=term,
                                      kind=kind_words(existing[term]))))
        elif term not in existing:
            new.setdefault(term, number)
    if errors:
        raise ValidationFailed(errors)
    rows = [CommentTerm(term=term, kind=term_kind, added_by=actor) for term in new]
    session.add_all(rows)
    session.flush()
    if rows:
        audit.record(session, actor, "comment_term.add", "comment_term", None,
                     new={"kind": term_kind.value, "terms": [r.term for r in rows]})
    return rows


def remove_term(session: Session, term_id: int, actor: str) -> CommentTerm:
    term = session.get(CommentTerm, term_id)
    if term is None:
        raise NotFound(_("This term is not in the dictionary."))
    session.delete(term)
    session.flush()
    audit.record(session, actor, "comment_term.remove", "comment_term", term_id,
                 old={"term": term.term, "kind": term.kind.value})
    return term


def kind_words(kind: TermKind) -> str:
    return _("word") if kind == TermKind.WORD else _("stop word")
