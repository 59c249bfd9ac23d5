"""Reading the comment pages and files as their reader does."""

from __future__ import annotations

import csv
import html
import io
import re


def visible_text(page: str) -> str:
    """The text a person reads: tags removed, entities decoded, whitespace collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def xlsx_rows(data: bytes) -> list[dict[str, object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def breakdown_rows(page: str, caption: str) -> dict[str, str]:
    """``label → cells text`` of the breakdown table under the heading ``caption``."""
    section = page.split(f"<h2>{caption}</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', section, flags=re.S)
    return {html.unescape(label): visible_text(cells).strip() for label, cells in rows}


def use_english(client) -> None:
    client.get("/lang/en?next=/")
