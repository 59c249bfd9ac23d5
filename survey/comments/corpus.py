"""A wave's comments and their analysis, computed once per content and reused (DESIGN §13).

Extracting a wave's comments reads every accepted submission, weighting them recomputes the
published run's weights, and the analysis segments every comment: seconds for a large wave. The
results are cached in the process, keyed by what they depend on — the database, the wave, its
submissions (a new response, or a quarantine, is a new key), its published run and the
segmenter's dictionary — so a cached answer is never stale; any worker computes the same thing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.comments.explore import Comment, UnitComments, analyse
from survey.comments.dictionary import current_dictionary, segmenter_for
from survey.comments.extract import CommentRecord, WaveComments, extract_wave_comments
from survey.comments.visibility import K_MIN, visible_comments
from survey.comments.weights import published_run_of, run_comment_weights
from survey.models import EvaluationRun, QualityReview, RunStatus, Submission, Wave

CACHE_SIZE = 8
T = TypeVar("T")
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _fingerprint(session: Session, wave: Wave) -> tuple[Any, ...]:
    """What a wave's comments depend on, in two aggregate queries: its submissions (how many,
    the last id, the smallest and largest body hash), the last quality decision on them (every
    change of status writes one), and its published run."""
    n, last_id, low, high = session.execute(
        select(func.count(Submission.id), func.max(Submission.id), func.min(Submission.body_sha256),
               func.max(Submission.body_sha256)).where(Submission.wave_id == wave.id)).one()
    last_review = session.scalar(
        select(func.max(QualityReview.id)).join(Submission, Submission.id == QualityReview.submission_id)
        .where(Submission.wave_id == wave.id))
    run = published_run_of(session, wave)
    return (str(session.get_bind().engine.url), wave.id, n, last_id, low, high, last_review,
            run.id if run is not None else None)


def wave_comments(session: Session, wave: Wave, fingerprint: tuple[Any, ...] | None = None) -> WaveComments:
    """The wave's redacted comments and cells, weighted by its published run when it has one."""
    key = fingerprint or _fingerprint(session, wave)
    run_id = key[-1]

    def compute() -> WaveComments:
        run = session.get(EvaluationRun, run_id) if run_id is not None else None
        weights = run_comment_weights(session, wave, run) if run is not None else None
        return extract_wave_comments(session, wave, weights,
                                     weight_run_id=run_id if weights is not None else None)

    return _cached(("comments", *key), compute)


def previous_wave(session: Session, wave: Wave, published_only: bool) -> Wave | None:
    """The latest wave of an earlier period (with a published run when ``published_only``)."""
    stmt = select(Wave).where(Wave.period < wave.period, Wave.id != wave.id)
    if published_only:
        stmt = stmt.where(Wave.id.in_(select(EvaluationRun.wave_id).where(
            EvaluationRun.status == RunStatus.PUBLISHED)))
    return session.scalar(stmt.order_by(Wave.period.desc(), Wave.opens_at.desc()).limit(1))


@dataclass(frozen=True)
class CommentAnalysis:
    """The analysed comments of a wave for one audience (everything, or what units may see)."""

    wave_comments: WaveComments
    #: the comments analysed, in the order the analysis indexes them (its examples)
    comments: tuple[CommentRecord, ...]
    units: Mapping[str, UnitComments]
    previous_period: str | None
    k: int | None

    def unit_comments(self, unit_code: str) -> list[CommentRecord]:
        return [c for c in self.comments if c.unit_code == unit_code]


def comment_analysis(session: Session, wave: Wave, *, k: int | None = K_MIN, top: int = 20
                     ) -> CommentAnalysis:
    """Keywords, dissatisfied / satisfied terms and rising themes of every unit of ``wave``.

    With ``k`` (the unit portal) only the comments units may see are analysed, in this period
    and the previous one, so nothing hidden leaks through a keyword or an example; with
    ``k=None`` (the office) every comment is.
    """
    now_key = _fingerprint(session, wave)
    current = wave_comments(session, wave, now_key)
    previous = previous_wave(session, wave, published_only=k is not None)
    before_key = _fingerprint(session, previous) if previous is not None else None
    before = wave_comments(session, previous, before_key) if previous is not None else None
    dictionary = current_dictionary(session)
    key = ("analysis", now_key, before_key, dictionary, k, top)

    def compute() -> CommentAnalysis:
        corpus = visible_comments(current, k) if k is not None else current.comments
        earlier: tuple[CommentRecord, ...] = ()
        if before is not None:
            earlier = visible_comments(before, k) if k is not None else before.comments
        units = analyse([_comment(c, current.period) for c in corpus],
                        previous=[_comment(c, before.period) for c in earlier] if before else (),
                        segmenter=segmenter_for(dictionary), top=top)
        return CommentAnalysis(current, tuple(corpus), units, before.period if before else None, k)

    return _cached(key, compute)


def _comment(record: CommentRecord, period: str) -> Comment:
    return Comment(unit=record.unit_code, text=record.text, weight=record.weight, score=record.score,
                   dissatisfied=record.dissatisfied, period=period, stratum=record.stratum)
