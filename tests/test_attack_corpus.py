"""An attack corpus over every administration and office form field and every import cell
(issue 17): XSS, SQL and template injection, path traversal, oversize, RTL override, zero-width,
4-byte emoji, lone surrogates, NUL, spreadsheet formulas, huge ids and deep nesting.

What must hold: no 5xx; what is stored is inert (no template evaluated, no SQL run); every page
shows it escaped; every export neutralises it (formulas get an apostrophe). The forms are found
by crawling the pages of a city with one row of every kind (``tests.web_walk``), so a form added
later is attacked too. The citizens' forms and the submission API belong to the collection path.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.office.fixtures import GOLDEN_COMPONENTS, golden_city, golden_interviews_csv
from tests.web_walk import build_world, concrete_url, login, routes

#: (name, payload). Markers ("zq", "cmd|", "onerror=alert") make them findable in pages and files.
PAYLOADS: list[tuple[str, str]] = [
    ("xss script", "<script>alert('zq1')</script>"),
    ("xss attribute", "\"><img src=x onerror=alert('zq2')>"),
    ("xss url", "javascript:alert('zq3')"),
    ("sql quote", "zq' OR '1'='1"),
    ("sql statement", "1; DROP TABLE unit; --"),
    ("template jinja", "{{ 'zq' * 3 }}{% if 1 %}zqif{% endif %}"),
    ("template format", "%(zq)s %s {0} ${zq}"),
    ("path traversal", "../../../../etc/passwd"),
    ("windows path", "..\\..\\windows\\win.ini"),
    ("oversize", "长" * 70_000),
    ("rtl override", "zq\u202egnp.exe"),
    ("zero width", "z\u200bq\u200d\ufeff"),
    ("emoji", "😀🇨🇳👨‍👩‍👧 zq"),
    ("formula cmd", "=cmd|' /C calc'!A0"),
    ("formula at", "@SUM(1+1)*cmd|zq"),
    ("formula plus", "+1-1"),
    ("huge id", "99999999999999999999"),
    ("negative", "-1"),
    ("not a number", "NaN"),
    ("infinite", "1e400"),
    ("deep nesting", "[" * 5_000 + "]" * 5_000),
    ("json nesting", '{"a":' * 1_000 + "1" + "}" * 1_000),
    ("empty", ""),
    ("spaces", "   "),
    ("newlines", "zq\r\nline\nline"),
]
#: Sent as raw bytes: NUL and a UTF-8-encoded lone surrogate (U+D800), which no str can carry.
RAW_PAYLOADS: list[tuple[str, str]] = [("nul", "%00zq"), ("lone surrogate", "%ED%A0%80zq"),
                                        ("invalid utf-8", "%FF%FEzq")]
RAW_MARKUP = ("<script>alert('zq1')", "<img src=x onerror=alert('zq2')>")
#: Forms whose accepted request is expensive (a PDF or DOCX notice, an evaluation run, a scrypt
#: password check) get one payload of each kind, not all of them.
EXPENSIVE = re.compile(r"/notice$|/runs/new|/account/password")
FEW = ("xss attribute", "template jinja", "oversize", "formula cmd", "huge id", "infinite",
       "deep nesting", "empty")


@dataclass
class Form:
    """A form of a page: where it posts and its fields with their first values."""

    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    has_file: bool = False

    def key(self) -> tuple[str, tuple[str, ...]]:
        return self.action, tuple(sorted({name for name, _value in self.fields}))


class FormParser(HTMLParser):
    """The POST forms of a page (inputs, textareas, selects with their first option)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(action=a.get("action") or self.page_url)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form.has_file = True
            elif kind not in ("submit", "button", "image", "reset") and (
                    kind not in ("checkbox", "radio") or "checked" in a):
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.fields.append((a["name"], ""))
        elif tag == "option" and self._select is not None:
            name, value = self._form.fields[-1]
            if name == self._select and not value:
                self._form.fields[-1] = (name, a.get("value", ""))
        elif tag == "button" and a.get("name"):
            self._form.fields.append((a["name"], a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


#: Forms not attacked here: signing out (ends the session), the citizens' pages.
SKIP_ACTIONS = ("/logout", "/s/", "/api/v1/waves/")


def crawl_forms(client: FlaskClient, urls: list[str]) -> list[Form]:
    forms: dict[tuple[str, tuple[str, ...]], Form] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = FormParser(url)
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            path = urlsplit(form.action).path
            if not path.startswith(SKIP_ACTIONS):
                forms.setdefault(form.key(), form)
    return list(forms.values())


def _get_pages(app: Flask, world) -> list[str]:
    return [concrete_url(rule, world) for endpoint, rule in routes(app)
            if "GET" in rule.methods and endpoint.split(".")[0] in ("admin", "office", "unit", "auth")
            and endpoint != "auth.logout"]


def _body(fields: list[tuple[str, str]], target: str, raw: str) -> bytes:
    """A urlencoded body with ``target`` set to the raw percent-encoded ``raw``."""
    parts = [f"{quote(n)}={raw if n == target else quote(v)}" for n, v in fields]
    return "&".join(parts).encode("ascii")


def _post(client: FlaskClient, form: Form, target: str, value: str | None, raw: str | None,
          token: str):
    fields = [(n, token if n == "csrf_token" else (value if n == target and value is not None else v))
              for n, v in form.fields]
    if raw is not None:
        return client.post(form.action, data=_body(fields, target, raw),
                           content_type="application/x-www-form-urlencoded")
    if form.has_file:
        data: dict[str, object] = {}
        for n, v in fields:
            data.setdefault(n, v)
        return client.post(form.action, data=data, content_type="multipart/form-data")
    return client.post(form.action, data=MultiDict(fields))


def _token(client: FlaskClient) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/account/password").get_data(as_text=True))


def assert_rendered_inert(client: FlaskClient, urls: list[str]) -> int:
    """Every page: markup from the payloads shows escaped, no template was evaluated."""
    checked = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        for markup in RAW_MARKUP:
            assert markup not in page, (url, markup)
        assert "zqzqzq" not in page and not re.search(r"(?<!%\})zqif", page), url
        checked += 1
    return checked


@pytest.mark.slow
def test_every_form_field_survives_the_corpus(app: Flask, db) -> None:
    """As an administrator, who reaches every administration, office and unit form."""
    world = build_world(db)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # count every 500 (Flask logs its traceback)
    client = app.test_client()
    role = "admin"
    login(client, app, role)
    pages = _get_pages(app, world)
    forms = crawl_forms(client, pages)
    assert len(forms) >= 40, [f.action for f in forms]
    server_errors: list[str] = []
    attacked = 0
    for form in forms:
        payloads = [p for p in PAYLOADS if p[0] in FEW] if EXPENSIVE.search(form.action) else PAYLOADS
        for target, _value in form.fields:
            if target == "csrf_token":
                continue
            for name, payload in payloads:
                response = _post(client, form, target, payload, None, _token(client))
                attacked += 1
                if response.status_code >= 500:
                    server_errors.append(f"{form.action} {target}={name}: {response.status_code}")
            for name, raw in RAW_PAYLOADS:
                response = _post(client, form, target, None, raw, _token(client))
                attacked += 1
                if response.status_code >= 500:
                    server_errors.append(f"{form.action} {target}={name}: {response.status_code}")
            if client.get("/account/password").status_code != 200:
                login(client, app, role)  # an attacked form signed us out (or ended the session)
    assert server_errors == []
    assert attacked > 2000
    assert assert_rendered_inert(client, pages) >= 10
    # runs started by an attacked settings form: refused by validation, or failed with a reason
    # (a weighting that cannot converge), never with an unexpected error
    from sqlalchemy import select

    from app.office._jobs import UNEXPECTED
    from survey.models import Job

    db.expire_all()
    unexpected = [job.id for job in db.scalars(select(Job)) if (job.error or {}).get("message") == UNEXPECTED]
    assert unexpected == []


def test_nul_and_control_characters_in_a_form_are_refused_with_a_message(client, auth, db) -> None:
    golden_city(db)
    db.commit()
    auth.login_as("admin")
    client.get("/lang/en?next=/")
    token = auth.csrf("/admin/units/new")
    response = client.post("/admin/units/new", data={"csrf_token": token, "code": "Z1",
                                                     "name": "bad\x00name", "kind": "district",
                                                     "peer_group": "G"})
    assert response.status_code == 400
    assert ("The field name contains the control character U+0000, which cannot be stored"
            in response.get_data(as_text=True))
    assert client.get("/admin/units").get_data(as_text=True).count("bad") == 0
    response = client.get("/admin/monitoring?flag=%1b")
    assert response.status_code == 400


# --- import cells ----------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _imports(wave_id: int) -> dict[str, tuple[str, str, list[list[str]]]]:
    """upload name → (URL, page with its form, a valid file as rows)."""
    interviews = list(csv.reader(io.StringIO(golden_interviews_csv().decode())))
    components = list(csv.reader(io.StringIO(GOLDEN_COMPONENTS)))
    return {
        "units": ("/admin/units/import", "/admin/units/import",
                  [["code", "name", "name_en", "kind", "peer_group"], ["Z1", "新单位", "New", "district", "G"]]),
        "interviews": (f"/admin/waves/{wave_id}/interviews/import",
                       f"/admin/waves/{wave_id}/interviews/import", interviews[:2]),
        "margins": (f"/admin/waves/{wave_id}/margins", f"/admin/waves/{wave_id}",
                    [["variable", "category", "share"], ["district", "A", "0.5"], ["district", "B", "0.3"],
                     ["district", "C", "0.2"]]),
        "components": ("/office/components", "/office/components", components[:2]),
    }


def _upload(client: FlaskClient, auth, url: str, page: str, filename: str, data: bytes):
    return client.post(url, data={"csrf_token": auth.csrf(page), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.mark.slow
def test_every_import_cell_survives_the_corpus(client, auth, db) -> None:
    wave = golden_city(db)
    db.commit()
    client.application.config["PROPAGATE_EXCEPTIONS"] = False  # count every 500
    auth.login_as("admin")
    server_errors: list[str] = []
    stored: list[str] = []
    for name, (url, page, rows) in _imports(wave.id).items():
        assert _upload(client, auth, url, page, "valid.csv", _csv(rows)).status_code == 303, name
        header, valid = rows[0], rows[1]
        for column in range(len(header)):
            for label, payload in PAYLOADS + [("nul", "\x00zq"), ("escape", "\x1bzq")]:
                row = list(valid)
                row[column] = payload
                if name == "interviews" and column != 0:
                    row[0] = f"attack-{column}-{label}"  # a new interview each time
                response = _upload(client, auth, url, page, "attack.csv", _csv([header, row]))
                if response.status_code >= 500:
                    server_errors.append(f"{name}.{header[column]}={label}: {response.status_code}")
                elif response.status_code == 303:
                    stored.append(f"{name}.{header[column]}={label}")
                else:
                    assert response.status_code == 422, (name, header[column], label)
    assert server_errors == []
    assert stored, "some payloads are valid values (names, comments): they must be stored inert"
    pages = ["/admin/units", f"/admin/waves/{wave.id}", f"/admin/waves/{wave.id}/monitoring",
             "/office/components", "/admin/waves", "/office/"]
    assert assert_rendered_inert(client, pages) == len(pages)
    for fmt in ("csv", "xlsx"):
        export = client.get(f"/admin/waves/{wave.id}/responses.{fmt}")
        assert export.status_code == 200
        assert_exported_neutralised(export.data, fmt)


def assert_exported_neutralised(data: bytes, fmt: str) -> None:
    """Every exported text cell holding a payload formula starts with an apostrophe."""
    if fmt == "csv":
        cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    formulas = [c for c in cells if "cmd|" in c]
    assert all(c.startswith("'") for c in formulas), formulas
    assert not any("\x00" in c or "\x1b" in c for c in cells)
