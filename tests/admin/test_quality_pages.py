"""The quality pages as an administrator sees them (issue 13): the monitoring page linked from the
menu and the wave, the interviewers table with its one-action decisions, and the review list of
every flagged response with its flags and answers in words."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from survey.interviews import import_interviews
from survey.models import AuditLog, QualityReview, Submission, SubmissionStatus
from tests.conftest import TEST_SECRET, csrf_from

HEADER = ("interview_id,unit_code,channel,interview_date,duration_s,design_weight,linkage_key,"
          "interviewer_id,district,age_band,sex,gov_staff,departments,sat_overall,sat_attitude,"
          "sat_efficiency,sat_integrity,sat_openness")
#: The wave's minimum plausible duration is 60 s: P3 (30 s) is flagged SPEEDING, and accepted.
ROWS = [
    "P1,D01,phone,2026-11-20,300,1,,IV-1,D01,30-39,f,no,B01,4,5,4,3,9",
    "P1,B01,phone,2026-11-20,300,1,,IV-1,D01,30-39,f,no,B01,3,3,4,4,4",
    "P2,D01,phone,2026-11-20,200,1,,IV-1,D01,60-69,m,no,,5,4,5,4,5",
    "P3,D01,phone,2026-11-21,30,1,,IV-1,D01,18-29,f,no,,1,2,1,2,1",
    "P4,D02,phone,2026-11-21,400,1,,IV-2,D02,40-49,m,no,,4,3,4,3,4",
]
SPEEDING_ZH = "答题时间不到该渠道中位时间的三分之一"
SPEEDING_EN = "Answered in under a third of the channel&#39;s median time"


class TableReader(HTMLParser):
    """The cell texts of each row of the table labelled ``label``."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label, self.rows, self.inside, self.cell = label, [], False, None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.inside = dict(attrs).get("aria-labelledby") == self.label
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def interviewer_rows(html: str) -> list[list[str]]:
    reader = TableReader("interviewers")
    reader.feed(html)
    return reader.rows[1:]  # without the header


def load(db, wave_id: int) -> dict[str, int]:
    data = ("\n".join([HEADER, *ROWS]) + "\n").encode()
    import_interviews(db, wave_id, "cati.csv", data, secret=TEST_SECRET, actor="test")
    db.commit()
    return dict(db.execute(select(Submission.interview_id, Submission.id)).all())


def page(wave_id: int) -> str:
    return f"/admin/waves/{wave_id}/monitoring"


def decide(client, wave_id: int, interviewer: str, action: str, reason: str):
    token = csrf_from(client.get(page(wave_id)).get_data(as_text=True))
    return client.post(f"/admin/waves/{wave_id}/interviewers/{interviewer}/review",
                       data={"csrf_token": token, "action": action, "reason": reason})


def test_the_menu_and_the_wave_page_link_to_monitoring(client, auth, wave_id):
    auth.login_as("admin")
    for path in ("/admin/", "/admin/waves", f"/admin/waves/{wave_id}"):
        assert 'href="/admin/monitoring"' in client.get(path).get_data(as_text=True), path
    assert f'href="{page(wave_id)}"' in client.get(f"/admin/waves/{wave_id}").get_data(as_text=True)
    index = client.get("/admin/monitoring").get_data(as_text=True)
    assert f'href="{page(wave_id)}"' in index and 'href="/admin/monitoring"' in index


def test_an_accepted_speeding_response_is_on_the_review_list_in_words(client, auth, db, wave_id):
    ids = load(db, wave_id)
    speeding = db.get(Submission, ids["P3"])
    assert speeding.flags == ["SPEEDING"] and speeding.status == SubmissionStatus.ACCEPTED
    auth.login_as("admin")
    html = client.get(page(wave_id)).get_data(as_text=True)
    assert f"答卷 {ids['P3']}" in html and SPEEDING_ZH in html and "SPEEDING</" not in html
    assert "总的来说，您对该单位的工作是否满意？" in html and "很不满意" in html  # sat_overall 1
    assert f"答卷 {ids['P4']}" not in html  # no flag, accepted: nothing to review
    client.get("/lang/en?next=/")
    html = client.get(page(wave_id)).get_data(as_text=True)
    assert f"Response {ids['P3']}" in html and SPEEDING_EN in html
    assert "Overall, how satisfied are you with the work of this unit?" in html
    assert "Very dissatisfied" in html and "Accepted" in html
    # the filter: only the responses with one flag, and back to all flags
    only = client.get(page(wave_id) + "?flag=HONEYPOT").get_data(as_text=True)
    assert f"Response {ids['P3']}" not in only and f'href="{page(wave_id)}#review"' in only
    assert f"Response {ids['P3']}" in client.get(page(wave_id) + "?flag=SPEEDING").get_data(
        as_text=True)


def test_the_interviewers_table_counts_each_interviewer_per_unit(client, auth, db, wave_id):
    ids = load(db, wave_id)
    db.get(Submission, ids["P2"]).status = SubmissionStatus.QUARANTINED
    db.commit()
    auth.login_as("admin")
    html = client.get(page(wave_id)).get_data(as_text=True)
    rows = interviewer_rows(html)
    # interviewer, unit, accepted, set aside, median duration (then the decision form)
    assert rows[0][:5] == ["IV-1", "B01 市公安局", "1", "0", "300"]
    assert rows[1][:4] == ["D01 东城区", "2", "1", "200"]  # P1 300 s, P2 200 s, P3 30 s
    assert rows[2][:5] == ["IV-2", "D02 西城区", "1", "0", "400"]
    # P2 is set aside without a flag: on the review list, but not among the flagged ones only
    assert f"答卷 {ids['P2']}" in html and f"答卷 {ids['P3']}" in html
    flagged = client.get(page(wave_id) + "?flag=any").get_data(as_text=True)
    assert f"答卷 {ids['P2']}" not in flagged and f"答卷 {ids['P3']}" in flagged


def test_one_decision_sets_aside_and_restores_an_interviewer(client, auth, db, wave_id):
    ids = load(db, wave_id)
    auth.login_as("admin")
    response = decide(client, wave_id, "IV-1", "quarantine", "padding suspected")
    assert response.status_code == 303 and response.headers["Location"].endswith("#interviewers")
    db.expire_all()
    status = {k: db.get(Submission, v).status for k, v in ids.items()}
    assert status == {"P1": SubmissionStatus.QUARANTINED, "P2": SubmissionStatus.QUARANTINED,
                      "P3": SubmissionStatus.QUARANTINED, "P4": SubmissionStatus.ACCEPTED}
    reviews = db.scalars(select(QualityReview).order_by(QualityReview.submission_id)).all()
    assert [(r.submission_id, r.reason, r.actor) for r in reviews] == [
        (ids["P1"], "padding suspected", "admin1"), (ids["P2"], "padding suspected", "admin1"),
        (ids["P3"], "padding suspected", "admin1")]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "访问员 IV-1 的 3 份访问记录已隔离。" in html
    assert interviewer_rows(html)[1][:4] == ["D01 东城区", "0", "3", "200"]
    restored = decide(client, wave_id, "IV-1", "restore", "the agency explained")
    assert restored.status_code == 303
    db.expire_all()
    assert {db.get(Submission, v).status for v in ids.values()} == {SubmissionStatus.ACCEPTED}
    actions = db.scalars(select(AuditLog.action).where(AuditLog.action.like("interviewer.%"))
                         .order_by(AuditLog.id)).all()
    assert actions == ["interviewer.quarantine", "interviewer.restore"]


def test_a_decision_without_a_reason_is_refused_next_to_its_form(client, auth, db, wave_id):
    ids = load(db, wave_id)
    auth.login_as("admin")
    response = decide(client, wave_id, "IV-2", "quarantine", "   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    form = html[html.index(f'action="/admin/waves/{wave_id}/interviewers/IV-2/review"'):]
    assert re.search(r'class="field-error"[^>]*>请填写作出该决定的理由。', form[:1500]), form[:1500]
    assert db.get(Submission, ids["P4"]).status == SubmissionStatus.ACCEPTED
    client.get("/lang/en?next=/")
    response = decide(client, wave_id, "IV-2", "restore", "typed reason kept")
    assert response.status_code == 409  # nothing of IV-2 was set aside by a decision
    html = response.get_data(as_text=True)
    assert 'value="typed reason kept"' in html and "nothing to restore" in html
    assert decide(client, wave_id, "IV-99", "quarantine", "a reason").status_code == 404
    assert not db.scalars(select(AuditLog).where(AuditLog.action.like("interviewer.%"))).all()


def test_the_decisions_need_an_admin_and_a_csrf_token(client, auth, db, wave_id):
    load(db, wave_id)
    url = f"/admin/waves/{wave_id}/interviewers/IV-1/review"
    assert client.post(url, data={"action": "quarantine", "reason": "x"}).status_code in (302, 400)
    auth.login_as("admin")
    assert client.post(url, data={"action": "quarantine", "reason": "x"}).status_code == 400
    auth.logout()
    auth.login_as("office")
    token = auth.csrf("/")
    assert client.post(url, data={"csrf_token": token, "action": "quarantine",
                                  "reason": "x"}).status_code == 403
    db.expire_all()
    assert {s.status for s in db.scalars(select(Submission))} == {SubmissionStatus.ACCEPTED}


def test_an_interviewer_whose_answers_differ_is_named_with_the_evidence(client, auth, db, wave_id):
    """Unit D01: IV-A and IV-B answer honestly (mixed); IV-C's 12 interviews are all 5 on every item."""
    import random

    rng = random.Random(4)
    rows = []
    for i in range(36):
        who = ("IV-A", "IV-B", "IV-C")[i % 3]
        answers = ["5"] * 5 if who == "IV-C" else [rng.choice("2345") for _ in range(5)]
        rows.append(f"Q{i},D01,phone,2026-11-20,{300 + i},1,,{who},D01,30-39,f,no,,{','.join(answers)}")
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    import_interviews(db, wave_id, "cati.csv", data, secret=TEST_SECRET, actor="test")
    db.commit()
    auth.login_as("admin")
    client.get("/lang/en")
    assert "No evaluation run yet." in client.get(page(wave_id)).get_data(as_text=True)
    html = client.get(page(wave_id) + "?tests=1").get_data(as_text=True)  # tested as it stands
    assert "Interviewers whose answer patterns differ" in html
    assert "100% of the 12 interviews about" in html and "by IV-C answered 非常满意 to every item" in html
    assert "by IV-A" not in html.split('id="findings"')[1].split('id="review"')[0]
    # a run records the same finding, and the page shows it from the run without testing again
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings

    run = evaluate_wave_run(db, wave_id, RunSettings.from_dict({"scoring": {"raking": False}}), "office1")
    db.commit()
    stored = client.get(page(wave_id)).get_data(as_text=True)
    assert f"As recorded by evaluation run {run.id}." in stored and "by IV-C answered 非常满意" in stored


def test_an_evaluation_no_longer_counts_an_interviewer_set_aside(db, wave_id):
    """The one-action decision reaches the numbers: D01's ratings by IV-1 leave the next run."""
    from survey.evaluation.runs import evaluate_wave_run
    from survey.evaluation.settings import RunSettings
    from survey.quality import quarantine_interviewer, restore_interviewer

    load(db, wave_id)
    settings = RunSettings.from_dict({"scoring": {"raking": False, "n_min": 1}})

    def counted() -> dict[str, int]:
        run = evaluate_wave_run(db, wave_id, settings, "test")
        return {r.unit_code: r.n_valid for r in run.results if r.n_valid}, run.summary["submissions"]

    before, statuses = counted()
    quarantine_interviewer(db, wave_id, "IV-1", "录入异常，待核实", "admin1")
    db.commit()  # PostgreSQL's reader sees committed data only (its parallel COPYs share a snapshot)
    after, statuses_after = counted()
    # IV-1 made P1 (D01 and B01), P2 and P3 (D01): only IV-2's P4 (D02) is left
    assert before == {"D01": 3, "B01": 1, "D02": 1} and after == {"D02": 1}
    assert statuses_after.get("quarantined") == 3
    restore_interviewer(db, wave_id, "IV-1", "核实无误", "admin1")
    db.commit()
    assert counted()[0] == before
