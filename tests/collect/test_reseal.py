"""``reseal-wave``: a wave's participation records rewritten together (docs/privacy.md)."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import AuditLog, Invitation
from survey.privacy import distinct_writers
from tests.collect.factory import body


def test_resealing_gives_every_used_invitation_one_writer(app, client, db, city, runner):
    wave = city.waves["invite"]
    for n, code in enumerate(city.codes["invite"][:6]):
        response = client.post(f"/api/v1/waves/{wave}/submissions", json=body(code),
                               environ_base={"REMOTE_ADDR": f"10.1.0.{n + 1}"})
        assert response.status_code == 201
    postgres = db.get_bind().dialect.name == "postgresql"
    db.commit()
    if postgres:  # each submission's transaction wrote its invitation: six writers to join by
        assert distinct_writers(db, wave) == 6
    result = runner.invoke(args=["reseal-wave", str(wave)])
    assert result.exit_code == 0, result.output
    assert f"wave {wave}: 6 used invitations and 0 device lists rewritten together" in result.output
    db.expire_all()
    if postgres:
        assert distinct_writers(db, wave) == 1
        assert "transactions behind the used invitations: 1" in result.output
    used = db.scalars(select(Invitation.used_at).where(Invitation.used_at.is_not(None))).all()
    assert len(used) == 6 and all(u.hour == 0 for u in used)  # the values are unchanged
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "wave.reseal")).one()
    assert audit.new == {"invitations": 6, "device_lists": 0}


def test_an_unknown_wave_is_refused_with_a_message(runner, db):
    result = runner.invoke(args=["reseal-wave", "999"])
    assert result.exit_code != 0
    assert "999" in result.output
