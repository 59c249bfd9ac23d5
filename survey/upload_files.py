"""Reading uploaded tables defensively: CSV (UTF-8 with or without BOM, then GB18030) or the
first sheet of an .xlsx (openpyxl, read-only, cached values: formulas are never evaluated).

Rows come back keyed by their (lower-cased, stripped) header, with their 1-based file row
number, so that validators can report ``row N, column X`` (DESIGN §8, §11). Every way a file can
be unreadable is a ``ValidationFailed`` with a message (and the row, where there is one): a
workbook that unpacks too large (checked before parsing), a damaged sheet, a CSV cell over
128 KiB, a control character, more than :data:`MAX_ROWS` rows (counted while reading).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from survey.errors import ValidationFailed
from survey.export_text import first_control_character
from survey.i18n import _

#: The largest table file accepted (the web layer also caps request bodies).
MAX_TABLE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
#: The most an .xlsx may unpack to (all its parts). A 5 MB workbook of ordinary data unpacks to
#: about 65 MB (measured: 100,000 rows × 12 columns, 4.3 MB → 55 MB of sheet XML); a zip bomb
#: of repeated rows unpacks to hundreds of MB and would be parsed for minutes.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


@dataclass
class Table:
    """Header names and rows (``(row number, {header: text})``) of an uploaded table."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def decode_text(data: bytes) -> str:
    """Decode an uploaded text file: UTF-8 (BOM allowed), then GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationFailed(
            [("file", _("The file is neither UTF-8 nor GB18030 text."))]) from None


def read_table(filename: str, data: bytes, *, max_bytes: int = MAX_TABLE_BYTES,
               on_row: Callable[[int], None] | None = None) -> Table:
    """Read a .csv or .xlsx upload into a :class:`Table`; ``ValidationFailed`` when unreadable.

    Rows are counted while they are read: a file over :data:`MAX_ROWS` is refused at its row
    ``MAX_ROWS + 2`` without reading further. A cell with a control character (NUL...) is
    refused with its row and column, as is a CSV cell over 128 KiB or a damaged sheet.
    ``on_row(number)`` is called after each row read (a background import's progress).
    """
    _refuse_too_large(data, max_bytes)
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(decode_text(data))
    else:
        raise ValidationFailed([("file", _("Upload a .csv or .xlsx file."))])
    header: list[str] | None = None
    table = Table(header=[])
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:
            raise ValidationFailed([("file", _("The file has more than %(max)s rows.", max=MAX_ROWS))])
        if header is None:
            if not any(cell.strip() for cell in row):
                break
            header = table.header = [cell.strip().lower().lstrip("\ufeff") for cell in row]
            _refuse_control_characters(number, header, header)
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines are ignored
        _refuse_control_characters(number, row, header)
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header) if h}
        table.rows.append((number, values))
        if on_row is not None:
            on_row(number)
    if header is None:
        raise ValidationFailed([("file", _("The file is empty: the first row must name the "
                                           "columns."))])
    return table


def _refuse_control_characters(number: int, row: list[str], header: list[str]) -> None:
    for index, cell in enumerate(row):
        found = first_control_character(cell)
        if found is not None:
            column = header[index] if index < len(header) and header[index] else str(index + 1)
            raise ValidationFailed([("file", _(
                "Row %(row)s, column %(column)s contains the control character %(char)s, which "
                "cannot be stored: remove it and upload the file again.",
                row=number, column=column, char=found))])


def _csv_rows(text: str) -> Iterator[list[str]]:
    """The records of a CSV text, one by one; a record Python's csv module refuses (a field
    over 128 KiB) is a ValidationFailed naming its row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                message = _("Row %(row)s has a cell longer than %(max)s characters (128 KiB): "
                            "shorten it or check the file's quotes.",
                            row=number + 1, max=f"{csv.field_size_limit():,}")
            else:
                message = _("Row %(row)s cannot be read as CSV: check its quotes.", row=number + 1)
            raise ValidationFailed([("file", message)]) from None
        number += 1
        yield row


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    """The rows of the first sheet, streamed by openpyxl (read-only, cached values)."""
    from openpyxl import load_workbook

    _refuse_zip_bomb(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # read-only mode stops at the sheet's declared <dimension>, which a file may state
        # wrongly (rows after it were silently dropped); the rows are counted here instead
        sheet.reset_dimensions()
    except Exception:  # an untrusted file: any failure of the reader means "not a workbook"
        raise ValidationFailed([("file", _("The file is not a readable .xlsx workbook."))]) from None
    number = 0
    try:
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # malformed sheet XML, a bad cell type or reference...
                raise ValidationFailed([("file", _(
                    "The workbook is damaged at row %(row)s (its sheet cannot be read from there "
                    "on): save it again from the spreadsheet program, or upload a .csv file.",
                    row=number + 1))]) from None
            number += 1
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def check_upload_size(filename: str, data: bytes, *, max_bytes: int = MAX_TABLE_BYTES) -> None:
    """Refuse in milliseconds a file over ``max_bytes``, or a workbook that is no zip archive
    or unpacks to more than :data:`MAX_UNPACKED_BYTES` (from its directory alone): what a
    request checks before a background job reads a large workbook."""
    _refuse_too_large(data, max_bytes)
    if filename.lower().endswith(".xlsx"):
        _refuse_zip_bomb(data)


def _refuse_too_large(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ValidationFailed([("file", _("The file is too large (at most %(max)s MB).",
                                           max=max_bytes // (1024 * 1024)))])


def _refuse_zip_bomb(data: bytes) -> None:
    """Refuse a workbook that unpacks to more than :data:`MAX_UNPACKED_BYTES`, before parsing:
    a few hundred kilobytes of repeated rows can unpack to millions of rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValidationFailed([("file", _("The file is not a readable .xlsx workbook."))]) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationFailed([("file", _(
            "The workbook unpacks to %(size)s MB, more than the %(max)s MB accepted: split it "
            "into smaller files or upload it as .csv.",
            size=unpacked // (1024 * 1024), max=MAX_UNPACKED_BYTES // (1024 * 1024)))])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
