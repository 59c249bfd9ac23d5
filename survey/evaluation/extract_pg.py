"""The PostgreSQL reader of :mod:`survey.evaluation.extract`: binary COPY into numpy.

A million responses mean about eleven million rating rows. They are pivoted in SQL (one row per
submission and unit, the item answers packed 4 bits each with ``bit_or``) and streamed as
fixed-width binary ``COPY`` tuples that numpy reads without a Python object per value. The
ratings are read in submission-id ranges on parallel connections; every connection imports the
snapshot the caller's transaction exported, so all queries see the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sqlalchemy import Engine, Integer, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from survey.evaluation.extract import (
    CHANNELS,
    STATUSES,
    RawWave,
    Window,
    conditions,
    first_seen_codes,
    first_seen_labels,
)
from survey.models import Submission

#: Connections reading rating ranges at once (the server does the pivot in parallel).
RATING_PARTS = 2
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _sql(stmt: Any) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def parse_binary_copy(data: bytes, kinds: Sequence[str]) -> np.ndarray:
    """Fixed-width tuples of a binary COPY (``kinds``: numpy codes '>i4', '>i8', '>f8')."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PostgreSQL binary COPY stream")
    ext = int.from_bytes(data[15:19], "big")
    offset = 19 + ext
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for k, kind in enumerate(kinds):
        fields += [(f"len{k}", ">i4"), (f"v{k}", kind)]
    dtype = np.dtype(fields)
    body = len(data) - offset - 2  # trailer: int16 -1
    if body % dtype.itemsize:
        raise ValueError("binary COPY rows are not fixed-width (a NULL value?)")
    rows = np.frombuffer(data, dtype=dtype, count=body // dtype.itemsize, offset=offset)
    for k, kind in enumerate(kinds):
        if rows.size and (rows[f"len{k}"] != np.dtype(kind).itemsize).any():
            raise ValueError(f"column {k}: unexpected NULL or width in binary COPY")
    return np.stack([rows[f"v{k}"].astype(np.float64 if kind == ">f8" else np.int64)
                     for k, kind in enumerate(kinds)], axis=1) if rows.size else np.zeros((0, len(kinds)))


def _in_snapshot(engine: Engine, snapshot: str, work: Callable[[Any], Any]) -> Any:
    """Run ``work(cursor)`` on a pooled connection inside the exported ``snapshot``."""
    import psycopg

    fairy = engine.raw_connection()
    conn = fairy.driver_connection
    if conn is None:  # only a connection the pool has invalidated has none
        fairy.close()
        raise RuntimeError("the pooled connection has no driver connection")
    try:
        conn.rollback()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cur:
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            # JIT compilation costs more than it saves on these scans (measured on 1 M responses)
            cur.execute("SET LOCAL jit = off")
            return work(cur)
    finally:
        conn.rollback()
        conn.isolation_level = None
        fairy.close()


def _copy(sql: str) -> Callable[[Any], bytes]:
    def work(cur: Any) -> bytes:
        buffer = bytearray()
        with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT binary)") as copy:
            for chunk in copy:
                buffer += chunk
        return bytes(buffer)

    return work


def _fetch(sql: str) -> Callable[[Any], list]:
    def work(cur: Any) -> list:
        cur.execute(sql)
        return cur.fetchall()

    return work


def read_wave_pg(session: Session, window: Window, items: Sequence[str]) -> RawWave:
    """The PostgreSQL reader; same result as ``read_wave_portable``."""
    conds = conditions(window)
    engine = session.get_bind().engine
    snapshot = session.connection().exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    strata = (select(Submission.strata, (func.dense_rank().over(order_by=Submission.strata) - 1).label("code"))
              .where(*conds).group_by(Submission.strata).subquery())
    channel = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CHANNELS))
    status = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES))
    subs_sql = _sql(
        select(Submission.id, literal_column("extract(epoch from submission.submitted_at)::float8"),
               literal_column("submission.design_weight::float8"),
               literal_column("coalesce(submission.duration_s, 'NaN')::float8"),
               literal_column(f"(CASE submission.channel {channel} END)::int4"),
               literal_column(f"(CASE submission.status {status} END)::int4"),
               cast(strata.c.code, Integer))
        .join(strata, strata.c.strata == Submission.strata).where(*conds))
    values_sql = _sql(select(Submission.strata).where(*conds).group_by(Submission.strata)
                      .order_by(Submission.strata))
    hash_sql = _sql(select(literal_column(
        "encode(sha256(convert_to(string_agg(submission.body_sha256 || ':' || submission.status, "
        "E'\\n' ORDER BY submission.submitted_at, submission.id), 'UTF8')), 'hex')")).where(*conds))
    linkage_sql = _sql(select(Submission.id, Submission.linkage_key)
                       .where(*conds, Submission.linkage_key.is_not(None)))
    groups_sql = _sql(select(Submission.id, Submission.source_hash, Submission.interviewer_id)
                      .where(*conds, (Submission.source_hash.is_not(None)) | (Submission.interviewer_id.is_not(None))))
    flags_sql = _sql(select(Submission.id, literal_column("submission.flags::text"))
                     .where(*conds, literal_column("submission.flags::text NOT IN ('[]', 'null')")))
    bounds = session.execute(select(func.min(Submission.id), func.max(Submission.id))
                             .where(Submission.wave_id.in_(window.wave_ids))).one()
    low, high = (int(bounds[0] or 0), int(bounds[1] or 0) + 1)
    edges = np.linspace(low, high, RATING_PARTS + 1).round().astype(int)
    packed = " ".join(f"WHEN '{name.replace(chr(39), chr(39) * 2)}' THEN "
                      f"(coalesce(choice_index, -1) + 1)::int8 << {4 * j}" for j, name in enumerate(items))
    wave_list = ", ".join(str(int(w)) for w in window.wave_ids)
    rating_sqls = [
        f"SELECT submission_id::int4, unit_id::int4, bit_or(CASE item {packed} ELSE 0::int8 END)::int8 "
        f"FROM rating WHERE wave_id IN ({wave_list}) AND submission_id >= {int(a)} "
        f"AND submission_id < {int(b)} GROUP BY submission_id, unit_id"
        for a, b in zip(edges[:-1], edges[1:], strict=True)]
    with ThreadPoolExecutor(max_workers=RATING_PARTS + 2) as pool:
        rating_jobs = [pool.submit(_in_snapshot, engine, snapshot, _copy(sql)) for sql in rating_sqls]

        def submissions(cur: Any) -> tuple:
            return _copy(subs_sql)(cur), _fetch(values_sql)(cur)

        def small(cur: Any) -> tuple:
            return (_fetch(hash_sql)(cur), _fetch(linkage_sql)(cur), _fetch(flags_sql)(cur),
                    _fetch(groups_sql)(cur))

        subs_job = pool.submit(_in_snapshot, engine, snapshot, submissions)
        small_job = pool.submit(_in_snapshot, engine, snapshot, small)
        subs_data, values = subs_job.result()
        digest, linkage_rows, flag_rows, group_rows = small_job.result()
        parts = [job.result() for job in rating_jobs]
    subs = parse_binary_copy(subs_data, (">i4", ">f8", ">f8", ">f8", ">i4", ">i4", ">i4"))
    order = np.lexsort((subs[:, 0], subs[:, 1]))
    subs = subs[order]
    ids = subs[:, 0].astype(np.int64)
    keys = _by_submission(ids, [(r[0], r[1]) for r in linkage_rows])
    sources = _by_submission(ids, [(r[0], r[1]) for r in group_rows])
    interviewers = _by_submission(ids, [(r[0], r[2]) for r in group_rows])
    ratings = np.vstack([parse_binary_copy(p, (">i4", ">i4", ">i8")).astype(np.int64) for p in parts])
    answers = (ratings[:, 2:3] >> (4 * np.arange(len(items)))) & 15
    table = np.hstack([ratings[:, :2], answers - 1])
    table = table[np.lexsort((table[:, 1], table[:, 0]))]
    hash_value = digest[0][0] if digest and digest[0][0] else None
    return RawWave(
        ids=ids, status=subs[:, 5].astype(np.int64), design_weight=subs[:, 2], duration=subs[:, 3],
        channel=subs[:, 4].astype(np.int64), strata_code=subs[:, 6].astype(np.int64),
        strata_values=[r[0] for r in values], linkage=first_seen_codes(keys),
        flags={int(i): [str(f) for f in json.loads(text)] for i, text in flag_rows if json.loads(text)},
        input_sha256=hash_value or _empty_hash(), ratings=table, submitted_at=subs[:, 1],
        source=first_seen_codes(sources), interviewer=first_seen_codes(interviewers),
        interviewer_ids=first_seen_labels(interviewers),
    )


def _by_submission(ids: np.ndarray, pairs: list[tuple[int, object]]) -> list[object]:
    """Values of (submission id, value) pairs placed at their submission's position (None elsewhere)."""
    values: list[object] = [None] * ids.size
    if pairs:
        by_id = np.argsort(ids)
        positions = np.searchsorted(ids, [p[0] for p in pairs], sorter=by_id)
        for pos, (_id, value) in zip(positions, pairs, strict=True):
            values[int(by_id[pos])] = value
    return values


def _empty_hash() -> str:
    from survey.evaluation.extract import hash_lines

    return hash_lines([])
