"""The administrator creates unit users and binds them to units, and extends the segmenter's
dictionary; both audited. The command line creates unit users too."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import AuditLog, CommentTerm, Role, TermKind, User
from tests.comments.city import build_comment_city
from tests.comments.web import use_english, visible_text


def test_the_administrator_creates_a_unit_user_who_then_signs_in(client, auth, db) -> None:
    city = build_comment_city(db, publish=False)
    auth.login_as("admin")
    use_english(client)
    token = auth.csrf("/admin/unit-users")
    response = client.post("/admin/unit-users", data={
        "csrf_token": token, "username": "liaison1", "password": "", "units": ["D1", "D2"]})
    assert response.status_code == 201
    text = visible_text(response.get_data(as_text=True))
    assert "Unit user liaison1 created for D1, D2." in text
    password = text.split("The password of the new user, shown only now:", 1)[1].split()[0]
    db.expire_all()
    user = db.scalar(select(User).where(User.username == "liaison1"))
    assert user.role == Role.UNIT and [u.code for u in user.units] == ["D1", "D2"]
    audit = db.scalar(select(AuditLog).where(AuditLog.action == "user.create", AuditLog.object_id == str(user.id)))
    assert audit.new["units"] == ["D1", "D2"] and audit.actor == "admin1"
    auth.logout()
    assert auth.login("liaison1", password).status_code == 303
    assert client.get(f"/unit/{city.units['D1']}/").status_code == 200


def test_a_refused_unit_user_form_keeps_what_was_typed(client, auth, db) -> None:
    build_comment_city(db, publish=False)
    auth.login_as("admin")
    use_english(client)
    response = client.post("/admin/unit-users", data={
        "csrf_token": auth.csrf("/admin/unit-users"), "username": "x", "password": "short", "units": ["D2"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A username has 3 to 64 letters" in page and "A password needs at least 10 characters." in page
    assert 'value="x"' in page and 'value="D2" checked' in page
    assert db.scalar(select(User).where(User.username == "x")) is None


def test_the_administrator_changes_a_unit_users_units(client, auth, db) -> None:
    from tests.comments.city import create_unit_user

    city = build_comment_city(db, publish=False)
    create_unit_user(db, "east1", ["D1"])
    user_id = db.scalar(select(User.id).where(User.username == "east1"))
    auth.login_as("admin")
    response = client.post(f"/admin/unit-users/{user_id}/units", data={
        "csrf_token": auth.csrf(f"/admin/unit-users/{user_id}/units"), "units": ["D2"]})
    assert response.status_code == 303
    db.expire_all()
    assert [u.code for u in db.get(User, user_id).units] == ["D2"]
    change = db.scalar(select(AuditLog).where(AuditLog.action == "user.units"))
    assert change.old == {"units": ["D1"]} and change.new == {"units": ["D2"]}
    auth.logout()
    auth.login("east1")
    assert client.get(f"/unit/{city.units['D1']}/").status_code == 403
    assert client.get(f"/unit/{city.units['D2']}/").status_code == 200
    # an admin or office account is not a unit user: no units page for it
    admin_id = db.scalar(select(User.id).where(User.username == "admin1"))
    auth.logout()
    auth.login("admin1")
    assert client.get(f"/admin/unit-users/{admin_id}/units").status_code == 404


def test_the_administrator_extends_the_dictionary_and_errors_keep_the_text(client, auth, db) -> None:
    auth.login_as("admin")
    use_english(client)
    token = auth.csrf("/admin/comment-terms")
    response = client.post("/admin/comment-terms", data={"csrf_token": token, "kind": "word",
                                                          "terms": "老马社区\n一窗通办\n老马社区\n"})
    assert response.status_code == 303
    assert sorted(db.scalars(select(CommentTerm.term))) == ["一窗通办", "老马社区"]
    bad = client.post("/admin/comment-terms", data={"csrf_token": token, "kind": "stop",
                                                     "terms": "感觉\n老马社区\n两 个词"})
    assert bad.status_code == 422
    page = visible_text(bad.get_data(as_text=True))
    assert "Line 2: 老马社区 is already listed as a word; remove it there first." in page
    assert "Line 3: a term has no spaces; put one term on each line." in page
    assert "两 个词" in bad.get_data(as_text=True)  # the typed text is kept
    db.expire_all()
    assert db.scalar(select(CommentTerm).where(CommentTerm.term == "感觉")) is None  # nothing added
    term = db.scalar(select(CommentTerm).where(CommentTerm.term == "老马社区"))
    assert term.kind == TermKind.WORD and term.added_by == "admin1"
    removed = client.post(f"/admin/comment-terms/{term.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    actions = [a.action for a in db.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions[-2:] == ["comment_term.add", "comment_term.remove"]


def test_an_added_word_is_kept_whole_by_the_analysis(db) -> None:
    from survey.comments.dictionary import add_terms, current_dictionary, segmenter_for

    before = segmenter_for(current_dictionary(db)).tokens("老马社区的路灯不亮")
    add_terms(db, "老马社区", "word", "admin1")
    after = segmenter_for(current_dictionary(db)).tokens("老马社区的路灯不亮")
    assert "老马社区" not in before and after[0] == "老马社区"


def test_create_user_command_binds_a_unit_user(runner, db) -> None:
    build_comment_city(db, publish=False)
    result = runner.invoke(args=["create-user", "liaison2", "--role", "unit", "--units", "D1,D2"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.username == "liaison2"))
    assert [u.code for u in user.units] == ["D1", "D2"]
    unknown = runner.invoke(args=["create-user", "liaison3", "--role", "unit", "--units", "D9"])
    assert unknown.exit_code == 1 and "Unknown unit code D9." in unknown.output
    wrong = runner.invoke(args=["create-user", "office2", "--role", "office", "--units", "D1"])
    assert wrong.exit_code == 1 and "Only a user with the role unit is bound to units." in wrong.output
