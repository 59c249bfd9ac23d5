"""The interface is Chinese by default, English on request, and remembers the choice."""

from __future__ import annotations


def test_landing_page_is_chinese(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "市民满意度调查" in page
    assert "English" in page  # the visible switch


def test_switch_to_english_and_back(client) -> None:
    response = client.get("/lang/en?next=/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Citizen satisfaction survey" in page
    assert 'lang="en"' in page
    client.get("/lang/zh_CN?next=/")
    assert "市民满意度调查" in client.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client) -> None:
    client.get("/lang/xx?next=/")
    assert "市民满意度调查" in client.get("/").get_data(as_text=True)


def test_switch_never_redirects_off_site(client) -> None:
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_domain_messages_follow_the_request_language(app) -> None:
    from survey.i18n import _

    with app.test_request_context("/?lang=en"):
        assert _("Only a draft version can be published.") == "Only a draft version can be published."
    with app.test_request_context("/"):
        assert _("Only a draft version can be published.") == "只有草稿版本可以发布。"
