"""``flask seed-demo`` builds the demo city once, deterministically."""

from __future__ import annotations

from sqlalchemy import func, select

from survey.models import (
    PeerGroup,
    PopulationMargin,
    QuestionnaireVersion,
    Rating,
    Submission,
    Unit,
    UnitKind,
    User,
    VersionStatus,
    Wave,
    WaveState,
)


def count(db, column) -> int:
    return db.scalar(select(func.count(column)))


def test_seed_demo_counts_and_idempotence(runner, db) -> None:
    result = runner.invoke(args=["seed-demo", "--responses", "2000"])
    assert result.exit_code == 0, result.output
    assert "login: admin / " in result.output and "login: office / " in result.output
    assert "login: liaison / " in result.output  # the unit portal's demo login
    assert count(db, Unit.id) == 42
    assert db.scalar(select(func.count()).where(Unit.kind == UnitKind.DISTRICT)) == 12
    assert count(db, PeerGroup.id) == 3
    assert count(db, Submission.id) == 2000
    ratings_per_submission = count(db, Rating.id) / 2000 / 5
    assert 1.5 < ratings_per_submission < 3.5  # the district plus about one department
    version = db.scalar(select(QuestionnaireVersion))
    assert version.status == VersionStatus.PUBLISHED
    assert {"zh", "en"} <= set(version.definition["languages"])
    states = sorted(w.state for w in db.scalars(select(Wave)))
    assert states == sorted([WaveState.CLOSED, WaveState.OPEN])
    assert {m.variable for m in db.scalars(select(PopulationMargin))} == {"age_band", "sex", "district"}
    assert {u.role.value for u in db.scalars(select(User))} == {"admin", "office", "unit"}

    again = runner.invoke(args=["seed-demo", "--responses", "2000"])
    assert again.exit_code == 0
    assert "nothing created" in again.output
    assert "login: admin / " in again.output  # the logins are printed again
    db.expire_all()
    assert count(db, Submission.id) == 2000
    assert count(db, Unit.id) == 42


def test_demo_sample_is_biased_so_weighting_matters(runner, db) -> None:
    runner.invoke(args=["seed-demo", "--responses", "3000"])
    strata = db.scalars(select(Submission.strata)).all()
    old = sum("age_band=60-69" in s or "age_band=70+" in s for s in strata) / len(strata)
    women = sum("sex=f" in s for s in strata) / len(strata)
    assert old > 0.35  # population share of 60+ is 0.23
    assert women > 0.56  # population share is 0.49


def test_demo_login_works(runner, client) -> None:
    result = runner.invoke(args=["seed-demo", "--responses", "200"])
    line = next(x for x in result.output.splitlines() if x.startswith("login: admin /"))
    password = line.split(" / ")[1].split(" ")[0]
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "admin", "password": password, "csrf_token": token})
    assert response.status_code == 303
