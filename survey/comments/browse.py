"""Reading a list of comments: by satisfaction, by a word they contain, a page at a time.

Comments are listed from the least satisfied up (then by text), never in the order they were
submitted, so that a list's order says nothing about when or by whom a comment was written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from survey.comments.extract import CommentRecord

MOODS = ("all", "dissatisfied", "satisfied")
PAGE_SIZE = 50
MAX_TERM_LENGTH = 40


@dataclass(frozen=True)
class CommentPage:
    comments: list[CommentRecord]
    total: int  #: comments matching the filter
    page: int
    pages: int


def listing_order(comments: Sequence[CommentRecord]) -> list[CommentRecord]:
    """Least satisfied first (comments without a score last), then by text."""
    return sorted(comments, key=lambda c: (c.score is None, c.score or 0.0, c.text, c.question))


def browse(comments: Sequence[CommentRecord], mood: str = "all", term: str = "", page: int = 1,
           page_size: int = PAGE_SIZE) -> CommentPage:
    """One page of ``comments`` filtered by ``mood`` (:data:`MOODS`) and by ``term`` (a text
    they contain, case-insensitive); an unknown mood is ``all``, a page out of range the last."""
    term = term.strip()[:MAX_TERM_LENGTH].casefold()
    chosen = [c for c in comments
              if (mood != "dissatisfied" or c.dissatisfied is True)
              and (mood != "satisfied" or c.dissatisfied is False)
              and (not term or term in c.text.casefold())]
    ordered = listing_order(chosen)
    pages = max(1, math.ceil(len(ordered) / page_size))
    page = min(max(1, page), pages)
    return CommentPage(ordered[(page - 1) * page_size: page * page_size], len(ordered), page, pages)
