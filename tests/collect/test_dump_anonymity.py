"""Anonymity survives the database (DESIGN §10): a dump cannot join a code or a device to answers.

Submissions go in through the product (the JSON API) in a known random order. Then the database
is dumped the ways someone could take it — the SQLite file itself (WAL checkpointed, server
stopped) and ``sqlite3``'s ``.dump``, or ``pg_dump`` on PostgreSQL — and an attacker who knows
the submissions' order (ids, times) tries to put the used invitations and the devices in the
same order by their place in the dump, their ids and their times. The test knows the truth and
measures the attack: a Spearman correlation and the number of exact matches, which must look
like chance (|rho| < 0.35 for 80 pairs is 3 standard deviations of chance; exact matches by
position average 1 under chance).
"""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from survey.models import DeviceBucket, Invitation, Submission
from tests.collect.factory import body, issue_code

PAIRS = 80
MAX_RHO = 0.35
MAX_EXACT = 5


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = float(rank)
    return ranks


def _spearman(a: Sequence[float], b: Sequence[float]) -> float:
    ra, rb = _ranks(a), _ranks(b)
    n = len(ra)
    mean = (n - 1) / 2
    cov = sum((x - mean) * (y - mean) for x, y in zip(ra, rb, strict=True))
    var = sum((x - mean) ** 2 for x in ra)
    return cov / var


def attack(position: Mapping[str, float], truth: Mapping[str, int]) -> tuple[float, int]:
    """Order the keys by ``position`` and pair the k-th with the k-th submission: the rank
    correlation with the true submission order, and how many pairs come out exactly right."""
    keys = [k for k in truth if k in position]
    assert len(keys) == len(truth), "every used key must be found in the dump"
    guessed = _ranks([position[k] for k in keys])
    actual = _ranks([truth[k] for k in keys])
    exact = sum(1 for g, a in zip(guessed, actual, strict=True) if g == a)
    return _spearman([position[k] for k in keys], [truth[k] for k in keys]), exact


def _submit_in_random_order(client, db, city) -> tuple[dict[str, int], dict[str, int]]:
    """Submit PAIRS invitation codes and PAIRS devices in a random order; returns, for each
    code hash and each device hash, the rank of its submission."""
    from survey.hashing import keyed_hash
    from survey.invitations import code_hash
    from tests.conftest import TEST_SECRET

    rng = random.Random(20261204)
    invite, open_wave = city.waves["invite"], city.waves["open"]
    codes = list(city.codes["invite"]) + [issue_code(db, invite) for _ in range(PAIRS * 2)]
    db.commit()
    rng.shuffle(codes)
    codes = codes[:PAIRS]
    devices = [f"{rng.getrandbits(128):032x}" for _ in range(PAIRS)]
    jobs = [("code", c) for c in codes] + [("device", d) for d in devices]
    rng.shuffle(jobs)
    code_rank: dict[str, int] = {}
    device_rank: dict[str, int] = {}
    for n, (kind, value) in enumerate(jobs):
        citizen = {"REMOTE_ADDR": f"10.0.{n // 200}.{n % 200 + 1}"}  # one address each
        if kind == "code":
            response = client.post(f"/api/v1/waves/{invite}/submissions", json=body(value),
                                   environ_base=citizen)
            code_rank[code_hash(TEST_SECRET, value)] = n
        else:
            client.set_cookie("minyi_device", value)
            response = client.post(f"/api/v1/waves/{open_wave}/submissions", json=body(),
                                   environ_base=citizen)
            client.delete_cookie("minyi_device")
            device_rank[keyed_hash(TEST_SECRET, "device", value)] = n
        assert response.status_code == 201, response.get_json()
    db.expire_all()
    # the submissions' own order, as the attacker sees it, is the truth's order
    ids = db.scalars(select(Submission.id).order_by(Submission.submitted_at, Submission.id)).all()
    assert ids == sorted(ids) and len(ids) == 2 * PAIRS
    return code_rank, device_rank


def _positions_in(text: str, keys: Sequence[str]) -> dict[str, float]:
    return {k: float(i) for k in keys if (i := text.find(k)) >= 0}


def _check(label: str, position: Mapping[str, float], truth: Mapping[str, int]) -> None:
    rho, exact = attack(position, truth)
    assert abs(rho) < MAX_RHO, f"{label}: rank correlation {rho:.2f} joins dump order to answers"
    assert exact <= MAX_EXACT, f"{label}: {exact} of {len(truth)} pairs matched exactly"


def _attacks_by_id_and_time(db, code_rank: Mapping[str, int]) -> None:
    rows = db.execute(select(Invitation.code_hash, Invitation.id, Invitation.used_at)
                      .where(Invitation.used_at.is_not(None))).all()
    assert {r.code_hash for r in rows} == set(code_rank)
    _check("invitation ids", {r.code_hash: float(r.id) for r in rows}, code_rank)
    days = {r.used_at for r in rows}
    assert all(d.hour == d.minute == d.second == d.microsecond == 0 for d in days), \
        "an invitation keeps the day of its use, never the time"
    submitted = set(db.scalars(select(Submission.submitted_at)))
    assert not days & submitted


def test_a_sqlite_dump_and_file_cannot_join_codes_or_devices_to_answers(app, client, db, city):
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("the PostgreSQL dump is tested below")
    code_rank, device_rank = _submit_in_random_order(client, db, city)
    _attacks_by_id_and_time(db, code_rank)
    db.close()
    app.extensions["minyi_engine"].dispose()  # the last connection checkpoints the WAL
    keys = [*code_rank, *device_rank]
    with sqlite3.connect(url.database) as conn:
        dump = "\n".join(conn.iterdump())
    _check(".dump codes", _positions_in(dump, list(code_rank)), code_rank)
    _check(".dump devices", _positions_in(dump, list(device_rank)), device_rank)
    raw = Path(url.database).read_bytes().decode("latin-1")
    positions = _positions_in(raw, keys)
    _check("file codes", positions, code_rank)
    _check("file devices", positions, device_rank)
    assert not re.search(r"participation", dump)


def test_a_pg_dump_cannot_join_codes_or_devices_to_answers(app, client, db, city):
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only")
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump (Debian's postgresql-client) is needed for this test"
    code_rank, device_rank = _submit_in_random_order(client, db, city)
    _attacks_by_id_and_time(db, code_rank)
    db.commit()
    out = subprocess.run(
        [pg_dump, "--data-only", "--no-owner", "-h", url.host or "127.0.0.1",
         "-p", str(url.port or 5432), "-U", url.username or "postgres", url.database],
        capture_output=True, text=True, check=True, timeout=120).stdout
    _check("pg_dump codes", _positions_in(out, list(code_rank)), code_rank)
    _check("pg_dump devices", _positions_in(out, list(device_rank)), device_rank)
    # the buckets hold the devices, in lists sorted by value
    lists = db.scalars(select(DeviceBucket.hashes)).all()
    assert all(h == sorted(h) for h in lists) and sum(map(len, lists)) == PAIRS
