"""The office decides what the data cannot (DESIGN §7e): provisional placements are confirmed or
cleared with a reason before publication; the decision is audited, frozen with the run, replayed
by verify-run, and never passed off as a statistical result."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from survey.errors import InvalidTransition, ValidationFailed
from tests.office.fixtures import decide_all, golden_draft


@pytest.fixture
def draft(db):
    return golden_draft(db)


def rows(run):
    return {r.unit_code: r for r in run.results}


def test_publication_is_refused_while_a_provisional_placement_is_undecided(db, draft):
    from survey.evaluation.decisions import pending_placements
    from survey.evaluation.runs import publish_run

    pending = {(p.unit_code, p.scope) for p in pending_placements(draft)}
    # golden example: C's social 优秀 and A's total 优秀 lack evidence; B (n = 4) is LOW_N
    assert pending == {("C", "social"), ("B", "social"), ("A", "total"), ("B", "total")}
    with pytest.raises(InvalidTransition) as refused:
        publish_run(db, draft.id, "office1")
    assert "4" in refused.value.message and "乙单位" in refused.value.message
    decide_all(db, draft)
    assert publish_run(db, draft.id, "office1").status.value == "published"


def test_decisions_need_a_reason_and_a_provisional_placement(db, draft):
    from survey.evaluation.decisions import decide_placement

    with pytest.raises(ValidationFailed) as error:
        decide_placement(db, draft.id, "B", "social", "confirm", "   ", "office1")
    assert [f for f, _m in error.value.errors] == ["reason"]
    with pytest.raises(ValidationFailed) as error:
        decide_placement(db, draft.id, "B", "nonsense", "maybe", "x", "office1")
    assert {f for f, _m in error.value.errors} == {"scope", "decision"}
    with pytest.raises(ValidationFailed):  # A's social 良好 is final: nothing to decide
        decide_placement(db, draft.id, "A", "social", "confirm", "x", "office1")
    assert rows(draft)["B"].social_tier == "较差(待复核)"


def test_confirm_clear_and_change_of_mind_are_recorded_and_audited(db, draft):
    from survey.evaluation.decisions import decide_placement
    from survey.models import AuditLog

    b = decide_placement(db, draft.id, "B", "social", "confirm", "样本虽少但问题属实", "office1")
    assert (b.social_tier, b.social_tier_status) == ("较差", "confirmed")
    b = decide_placement(db, draft.id, "B", "social", "clear", "复核后改为一般", "office2")
    assert (b.social_tier, b.social_tier_status) == ("一般", "cleared")
    record = b.decisions["social"]
    assert (record["from"], record["to"], record["decision"], record["by"]) == ("较差(待复核)", "一般", "clear", "office2")
    c = decide_placement(db, draft.id, "C", "social", "clear", "样本不足", "office1")
    assert (c.social_tier, c.social_tier_status) == ("良好", "cleared")
    db.commit()
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "run.decide")).all()
    assert [(a.actor, a.new["unit"], a.new["decision"]) for a in audit] == [
        ("office1", "B", "confirm"), ("office2", "B", "clear"), ("office1", "C", "clear")]
    assert audit[1].old["tier"] == "较差" and audit[1].new["reason"] == "复核后改为一般"


def test_decisions_are_frozen_with_the_run_and_replayed_by_verify(db, draft, runner, raw_sql):
    from survey.evaluation.decisions import decide_placement
    from survey.evaluation.runs import publish_run

    decide_all(db, draft, "clear")
    publish_run(db, draft.id, "office1")
    db.commit()
    with pytest.raises(InvalidTransition):
        decide_placement(db, draft.id, "B", "social", "confirm", "too late", "office1")
    with pytest.raises(DBAPIError):
        raw_sql("UPDATE evaluation_result SET decisions = NULL WHERE run_id = :id", id=draft.id)
    result = runner.invoke(args=["verify-run", str(draft.id)])
    assert result.exit_code == 0, result.output
    assert "identical" in result.output


def test_dashboard_counts_the_placements_left_to_decide(client, auth, db, draft):
    from survey.evaluation.decisions import decide_placement

    auth.login_as("office")
    client.get("/lang/en")
    html = client.get("/office/").get_data(as_text=True)
    assert "4 placements to decide" in html
    decide_placement(db, draft.id, "B", "social", "confirm", "属实", "office1")
    db.commit()
    assert "3 placements to decide" in client.get("/office/").get_data(as_text=True)


def test_run_page_says_in_words_which_placements_are_final_and_which_the_office_decided(client, auth, db, draft):
    from survey.evaluation.decisions import decide_placement

    auth.login_as("office")
    html = client.get(f"/office/runs/{draft.id}").get_data(as_text=True)
    assert "名次置信集" in html and "95% 置信集" in html
    assert "待复核：由目督办决定" in html and "确定" in html
    assert "样本不足：需" in html  # B and C (n = 4 < n_min = 5) with the n they would need
    decide_placement(db, draft.id, "B", "social", "confirm", "群众反映问题属实", "office1")
    db.commit()
    html = client.get(f"/office/runs/{draft.id}").get_data(as_text=True)
    assert "目督办确认" in html and "群众反映问题属实" in html


def test_a_run_reports_how_many_ratings_each_flag_kept_out(client, auth, draft):
    # golden example: B5 answers too few items; C5 (a second interview of person h22) was
    # already quarantined as DUPLICATE at import, so it never reaches the run
    assert draft.summary["excluded_by_flag"] == {"DUPLICATE": 0, "HONEYPOT": 0, "INSUFFICIENT_ITEMS": 1,
                                                 "STAFF_OF_UNIT": 0}
    assert draft.summary["padding"] == {"tests": 0, "findings": []}  # no interviewers, no sources
    auth.login_as("office")
    html = client.get(f"/office/runs/{draft.id}").get_data(as_text=True)
    assert "数据质量" in html and "未计入的评价数" in html


def test_the_dashboard_names_states_and_kinds_in_chinese(client, auth, draft):
    auth.login_as("office")
    html = client.get("/office/").get_data(as_text=True)
    assert "<td>closed</td>" not in html and "<td>quarter</td>" not in html
    assert "<td>已结束</td>" in html  # the golden wave is closed
