"""An acknowledged submission survives kill -9 (DESIGN §6), on SQLite and on PostgreSQL.

gunicorn serves the app as ``make run`` does (2 workers) over the migrated test database with an
open invitation wave. Client threads submit through the JSON API, one invitation code each, and
record every acknowledgement (201, or 200 for a replay) with its client_submission_id, code and
submission id; a request that gets no answer (connection refused, reset, cut) is sent again, the
same body, until it gets one, as a real client would. Meanwhile the controller SIGKILLs a worker,
and then the whole server (master and workers at once), several times, each time once more
submissions have been acknowledged, and restarts the server on the same port. Afterwards:

- every acknowledged submission is stored exactly once, under the id that was acknowledged,
  with all its ratings, and nothing unacknowledged is stored;
- the invitations used are exactly those of the acknowledged submissions, one submission each;
- SQLite's ``PRAGMA integrity_check`` says ok (and no foreign key is dangling).
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from survey.db import make_engine
from survey.models import Invitation, Rating, Submission
from survey.submissions import invitation_code_hash
from tests.collect.factory import body, build_city, issue_code
from tests.conftest import TEST_SECRET
from tests.servers import Gunicorn

pytestmark = pytest.mark.slow

CLIENTS = 6
#: Kill cycles: each SIGKILLs one worker, then the whole server.
CYCLES = 5
#: Acknowledgements awaited before each kill, and before the load stops.
ACKS_BETWEEN_KILLS = 15
CODES = 500
#: A submission sent this many times without an answer fails the test.
MAX_ATTEMPTS = 40
WAIT_S = 120.0
#: Statuses that acknowledge a submission: stored now, or stored before (an identical replay).
ACKNOWLEDGED = (200, 201)
NO_ANSWER = (OSError, http.client.HTTPException)


@dataclass
class Ledger:
    """What the clients were told, shared between the client threads and the controller."""

    acked: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # csid -> (code, id, status)
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (csid, status, body)
    unanswered: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def ack(self, csid: str, code: str, submission_id: int, status: int) -> None:
        with self.changed:
            self.acked[csid] = (code, submission_id, status)
            self.changed.notify_all()

    def refuse(self, csid: str, status: int, text_: str) -> None:
        with self.changed:
            self.refused.append((csid, status, text_[:300]))
            self.changed.notify_all()

    def wait_acks(self, count: int) -> None:
        with self.changed:
            ok = self.changed.wait_for(lambda: len(self.acked) >= count or self.refused, WAIT_S)
        assert ok, f"only {len(self.acked)} of {count} submissions acknowledged in {WAIT_S:.0f} s"
        assert not self.refused, f"submissions refused: {self.refused[:5]}"


class Load:
    """Client threads submitting one invitation code each until told to stop."""

    def __init__(self, server: Gunicorn, wave_id: int, codes: list[str]) -> None:
        self.server, self.path = server, f"/api/v1/waves/{wave_id}/submissions"
        self.codes: queue.SimpleQueue[str] = queue.SimpleQueue()
        for code in codes:
            self.codes.put(code)
        self.ledger = Ledger()
        self.up, self.stop = threading.Event(), threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(CLIENTS)]

    def _post(self, payload: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            connection.request("POST", self.path, body=payload,
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def _client(self) -> None:
        while not self.stop.is_set() and not self.ledger.refused:
            try:
                code = self.codes.get_nowait()
            except queue.Empty:
                return
            submission = body(code)
            csid, payload = submission["client_submission_id"], json.dumps(submission).encode()
            for _attempt in range(MAX_ATTEMPTS):
                if not self.up.wait(WAIT_S):  # the server is down: wait for its restart
                    self.ledger.refuse(csid, 0, "the server did not come back")
                    return
                try:
                    status, answer = self._post(payload)
                except NO_ANSWER:
                    with self.ledger.changed:
                        self.ledger.unanswered += 1
                    continue  # no answer: maybe stored, maybe not; the same body again
                if status in ACKNOWLEDGED:
                    self.ledger.ack(csid, code, json.loads(answer)["submission_id"], status)
                else:
                    self.ledger.refuse(csid, status, answer.decode("utf-8", "replace"))
                break
            else:
                self.ledger.refuse(csid, 0, f"no answer after {MAX_ATTEMPTS} attempts")
                return

    def run(self) -> list[str]:
        """Start the clients, kill and restart the server, stop the clients; the kills done."""
        kills: list[str] = []
        self.up.set()
        for thread in self.threads:
            thread.start()
        try:
            for _cycle in range(CYCLES):
                self.ledger.wait_acks(len(self.ledger.acked) + ACKS_BETWEEN_KILLS)
                kills.append(f"worker {self.server.kill_worker()}")
                self.ledger.wait_acks(len(self.ledger.acked) + ACKS_BETWEEN_KILLS)
                self.up.clear()  # before the kill: a client that loses its answer waits for the restart
                self.server.kill_all()
                kills.append("server")
                self.server.start()
                self.up.set()
            self.ledger.wait_acks(len(self.ledger.acked) + ACKS_BETWEEN_KILLS)
        finally:
            self.stop.set()
            self.up.set()
            for thread in self.threads:
                thread.join(WAIT_S)
        assert not any(t.is_alive() for t in self.threads), "a client is still waiting for an answer"
        return kills


def stored(db: Session, wave_id: int) -> tuple[Counter[str], dict[str, int], Counter[int], set[str]]:
    """(client ids stored with their count, id of each, ratings per submission, used code hashes)."""
    db.expire_all()
    rows = db.execute(select(Submission.client_submission_id, Submission.id)
                      .where(Submission.wave_id == wave_id)).all()
    ratings = Counter(dict(db.execute(select(Rating.submission_id, func.count(Rating.id))
                                      .where(Rating.wave_id == wave_id).group_by(Rating.submission_id)).all()))
    used = set(db.scalars(select(Invitation.code_hash).where(Invitation.wave_id == wave_id,
                                                             Invitation.used_at.is_not(None))))
    return Counter(r[0] for r in rows), {r[0]: r[1] for r in rows}, ratings, used


def test_acknowledged_submissions_survive_kill_9_of_workers_and_server(database_url, db):
    city = build_city(db)
    wave_id = city.waves["invite"]
    codes = [issue_code(db, wave_id) for _ in range(CODES)]
    db.commit()
    server = Gunicorn({"MINYI_ENV": "production", "MINYI_DATABASE_URL": database_url,
                       "MINYI_SECRET_KEY": TEST_SECRET, "MINYI_REDIS_URL": "memory://",
                       "MINYI_SUBMIT_RATE_LIMIT": "100000 per minute"})
    load = Load(server.start(), wave_id, codes)
    try:
        kills = load.run()
    finally:
        server.stop()
    ledger = load.ledger
    assert not ledger.refused, ledger.refused[:5]
    assert kills.count("server") == CYCLES and len(kills) == 2 * CYCLES
    assert len(ledger.acked) >= (2 * CYCLES + 1) * ACKS_BETWEEN_KILLS

    counts, ids, ratings, used = stored(db, wave_id)
    duplicated = [csid for csid, n in counts.items() if n != 1]
    lost = sorted(set(ledger.acked) - set(counts))
    assert not lost, f"{len(lost)} acknowledged submissions are not stored: {lost[:5]}"
    assert not duplicated, f"stored more than once: {duplicated[:5]}"
    # every request was repeated until answered, so nothing stored went unacknowledged
    assert set(counts) == set(ledger.acked)
    wrong_id = [c for c, (_code, sid, _s) in ledger.acked.items() if ids[c] != sid]
    assert not wrong_id, f"stored under another id than acknowledged: {wrong_id[:5]}"
    assert set(ratings) == set(ids.values()) and set(ratings.values()) == {10}
    acked_codes = {invitation_code_hash(TEST_SECRET, code) for code, _sid, _s in ledger.acked.values()}
    assert used == acked_codes, "the invitations used are not those of the acknowledged submissions"
    assert len(used) == len(counts)

    if database_url.startswith("sqlite"):
        engine = make_engine(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        engine.dispose()
    print(f"\nkill test on {database_url.split(':', 1)[0]}: {len(kills)} kills ({', '.join(kills)}), "
          f"{len(ledger.acked)} acknowledged ({sum(s == 200 for *_x, s in ledger.acked.values())} "
          f"as replays after a lost answer), {ledger.unanswered} requests without an answer, 0 lost")
