"""Reading a wave's submissions and ratings out of the database as plain numpy arrays.

Two readers give the same :class:`RawWave`: a portable one (plain SQLAlchemy Core selects, used
on SQLite and whenever the fast path does not apply) and a PostgreSQL one that streams
fixed-width binary ``COPY`` output straight into numpy, reading the ratings in id ranges on
parallel connections that share one exported snapshot. Ratings are always pivoted in SQL to one
row per (submission, unit); the PostgreSQL reader packs the item answers of a row into one
integer (4 bits per item). The input hash is the same on both: sha256 over
``body_sha256:status`` lines of every submission in submission order (submitted_at, then id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from survey.models import Channel, Rating, Submission, SubmissionStatus

STATUSES: tuple[str, ...] = tuple(s.value for s in SubmissionStatus)
CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)


@dataclass(frozen=True)
class Window:
    """Which submissions to read: waves, and optionally a submitted_at range (rolling runs)."""

    wave_ids: tuple[int, ...]
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, eq=False)
class RawWave:
    """Every submission of a window (submission order) and the pivoted ratings."""

    ids: np.ndarray  #: (N,) submission ids
    status: np.ndarray  #: (N,) index into STATUSES
    design_weight: np.ndarray
    duration: np.ndarray  #: NaN where unknown
    channel: np.ndarray  #: index into CHANNELS
    strata_code: np.ndarray  #: index into strata_values
    strata_values: list[str]
    linkage: np.ndarray  #: codes by first appearance, -1 = no key
    flags: dict[int, list[str]]  #: submission id → flags, only where there are any
    input_sha256: str
    ratings: np.ndarray  #: (R, 2 + J): submission id, unit id, option index per item (-1 = none)
    submitted_at: np.ndarray | None = None  #: (N,) seconds since the epoch
    source: np.ndarray | None = None  #: (N,) codes of the source hash by first appearance, -1 = none
    interviewer: np.ndarray | None = None  #: (N,) codes of interviewer_id by first appearance, -1 = none
    interviewer_ids: tuple[str, ...] = ()  #: interviewer_id of each code


def hash_lines(lines: Sequence[tuple[str, str]]) -> str:
    """sha256 over ``body_sha256:status`` lines joined by newlines (DESIGN §9)."""
    return hashlib.sha256("\n".join(f"{b}:{s}" for b, s in lines).encode("utf-8")).hexdigest()


def first_seen_codes(keys: Sequence[object]) -> np.ndarray:
    """Integer codes of keys in order of first appearance; None → -1."""
    seen: dict[object, int] = {}
    return np.array([-1 if k is None else seen.setdefault(k, len(seen)) for k in keys], dtype=np.int64)


def first_seen_labels(keys: Sequence[object]) -> tuple[str, ...]:
    """The distinct keys in order of first appearance (the labels of :func:`first_seen_codes`)."""
    return tuple(str(k) for k in dict.fromkeys(k for k in keys if k is not None))


def conditions(window: Window) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Submission.wave_id.in_(window.wave_ids)]
    if window.since is not None:
        conds.append(Submission.submitted_at >= window.since)
    if window.until is not None:
        conds.append(Submission.submitted_at < window.until)
    return conds


def read_wave(session: Session, window: Window, items: Sequence[str], max_options: int) -> RawWave:
    """The window's data as arrays, by the fastest reader that applies."""
    if session.get_bind().dialect.name == "postgresql" and len(items) <= 15 and max_options <= 15:
        from survey.evaluation.extract_pg import read_wave_pg

        return read_wave_pg(session, window, items)
    return read_wave_portable(session, window, items)


def _value(member: object) -> str:
    return str(getattr(member, "value", member))


def read_wave_portable(session: Session, window: Window, items: Sequence[str]) -> RawWave:
    """Plain SQLAlchemy Core reader (any database)."""
    rows = session.execute(
        select(Submission.id, Submission.body_sha256, Submission.status, Submission.linkage_key,
               Submission.channel, Submission.duration_s, Submission.design_weight,
               Submission.strata, Submission.flags, Submission.submitted_at, Submission.source_hash,
               Submission.interviewer_id)
        .where(*conditions(window)).order_by(Submission.submitted_at, Submission.id)
    ).all()
    statuses = [_value(r[2]) for r in rows]
    strata = [r[7] or "" for r in rows]
    values = sorted(set(strata))
    index = {v: i for i, v in enumerate(values)}
    flags = {}
    for r in rows:
        raw = r[8]
        listed = json.loads(raw) if isinstance(raw, str) else raw
        if listed:
            flags[int(r[0])] = [str(f) for f in listed]
    cols = [func.max(case((Rating.item == name, Rating.choice_index))) for name in items]
    rat_rows = session.execute(
        select(Rating.submission_id, Rating.unit_id, *cols)
        .where(Rating.wave_id.in_(window.wave_ids))
        .group_by(Rating.submission_id, Rating.unit_id)
        .order_by(Rating.submission_id, Rating.unit_id)
    ).all()
    ratings = (np.array([[-1 if v is None else v for v in r] for r in rat_rows], dtype=np.int64)
               if rat_rows else np.zeros((0, 2 + len(items)), dtype=np.int64))
    return RawWave(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        status=np.array([STATUSES.index(s) for s in statuses], dtype=np.int64),
        design_weight=np.array([r[6] for r in rows], dtype=float),
        duration=np.array([np.nan if r[5] is None else r[5] for r in rows], dtype=float),
        channel=np.array([CHANNELS.index(_value(r[4])) for r in rows], dtype=np.int64),
        strata_code=np.array([index[s] for s in strata], dtype=np.int64), strata_values=values,
        linkage=first_seen_codes([r[3] for r in rows]), flags=flags,
        input_sha256=hash_lines([(r[1], s) for r, s in zip(rows, statuses, strict=True)]),
        ratings=ratings,
        submitted_at=np.array([r[9].timestamp() for r in rows], dtype=float),
        source=first_seen_codes([r[10] for r in rows]), interviewer=first_seen_codes([r[11] for r in rows]),
        interviewer_ids=first_seen_labels([r[11] for r in rows]),
    )
