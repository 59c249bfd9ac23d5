"""The administrator's extension of the comment segmenter: place and government terms that
must stay one word, and stop words that must not count (DESIGN §13)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from survey.db import Base, UTCDateTime, utcnow
from survey.models._types import enum_column


class TermKind(enum.StrEnum):
    #: A word of the user dictionary (kept whole by the segmenter, e.g. 城东区, 不动产登记).
    WORD = "word"
    #: A stop word (never a keyword, e.g. 希望, 感觉).
    STOP = "stop"


class CommentTerm(Base):
    """One term added by an administrator; a term is either a word or a stop word, not both."""

    __tablename__ = "comment_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[TermKind] = mapped_column(enum_column(TermKind, "term_kind"))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
