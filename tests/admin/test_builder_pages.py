"""The builder's pages show exactly what is stored: posting every edit form back unchanged
leaves the definition identical (the demo questionnaire, through the real HTML)."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from survey.models import QuestionnaireVersion
from survey.versions import new_version


class FormReader(HTMLParser):
    """The fields of the form whose action is ``action`` (or the first post form)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.forms = 0
        self.inside = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and a.get("class", "") != "inline":
            self.forms += 1
            self.inside = self.forms == 1
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[a["name"]] = a.get("value", "on")
            elif a.get("type") != "submit":
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
            self.fields.setdefault(self._select or "", "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def _fields(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return reader.fields


def _paths(items: list, prefix: str) -> list[str]:
    out = []
    for index, item in enumerate(items):
        path = f"{prefix}.{index}"
        out.append(path)
        if item.get("type") == "group":
            out += _paths(item["items"], path)
    return out


def test_every_edit_form_posted_back_unchanged_keeps_the_definition(client, auth, db, city) -> None:
    draft = new_version(db, db.get(QuestionnaireVersion, city["version"]), "test")
    db.commit()
    original = dict(draft.definition)
    auth.login_as("admin")
    base = f"/admin/versions/{draft.id}/builder"
    overview = client.get(base)
    assert overview.status_code == 200
    assert "sat_overall" in overview.get_data(as_text=True)
    nodes = [str(i) for i in range(len(original["sections"]))]
    for i, section in enumerate(original["sections"]):
        nodes += _paths(section["items"], str(i))
    pages = [f"{base}/nodes/{node}" for node in nodes]
    pages += [f"{base}/lists/{name}" for name in original["choice_lists"]]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        fields = _fields(response.get_data(as_text=True))
        assert "csrf_token" in fields, page
        posted = client.post(page, data=fields)
        assert posted.status_code == 303, (page, posted.get_data(as_text=True)[-2000:])
        db.expire_all()
        assert db.get(QuestionnaireVersion, draft.id).definition == original, page
    preview = client.get(f"/admin/versions/{draft.id}/preview").get_data(as_text=True)
    assert "您的年龄是？" in preview and 'class="phone-frame preview"' in preview
    assert preview.count("<fieldset") >= 5


def test_published_versions_and_new_version_listing(client, auth, db, city) -> None:
    auth.login_as("admin")
    page = client.get("/admin/questionnaires").get_data(as_text=True)
    assert "city_satisfaction_2026" in page
    assert db.scalar(select(QuestionnaireVersion.status)).value == "published"
