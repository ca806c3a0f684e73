"""Reading a D02-LT list uploaded as CSV or XLSX: every row to a declaration line, or a problem by row and column.

Cells are only ever read as text: a cell starting with ``=``, ``+``, ``-`` or ``@`` is kept as text where text is
expected (a name, a position) and is a bad number or month where one is expected; nothing is evaluated. Exports
escape such cells (:func:`escape_cell`).
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import openpyxl
from pydantic import ValidationError

from ansinh.employers.schemas import DeclarationLineIn

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_XLSX_EXPANDED = 100 * 1024 * 1024
MAX_ROWS = 100_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@")

# The D02-LT columns: a header cell names its column by the key in parentheses ("Họ và tên (full_name)") or by the
# key alone. STT (the row number) is read and ignored.
COLUMNS = (
    ("no", "STT"),
    ("full_name", "Họ và tên"),
    ("si_code", "Mã số BHXH"),
    ("position", "Chức vụ"),
    ("salary", "Mức lương"),
    ("allowances", "Phụ cấp"),
    ("from_month", "Từ tháng"),
    ("to_month", "Đến tháng"),
    ("change_type", "Phương án"),
    ("reason", "Lý do"),
    ("date_of_birth", "Ngày sinh"),
    ("sex", "Giới tính"),
    ("citizen_id", "Số CCCD"),
)
REQUIRED = ("si_code", "salary", "from_month", "change_type")
HEADER = [f"{vi} ({key})" for key, vi in COLUMNS]

# Change types (phương án) as declaration software writes them, and the kinds they are; suspensions carry a reason.
CHANGE_TYPES: dict[str, tuple[str, str | None]] = {
    "TM": ("hire", None),  # tăng mới
    "GH": ("leave", None),  # giảm hẳn (the reason column says why)
    "DC": ("salary", None),  # điều chỉnh mức đóng
    "OF": ("suspend", "sickness"),  # nghỉ ốm
    "TS": ("suspend", "maternity"),  # thai sản
    "KL": ("suspend", "unpaid_leave"),  # nghỉ không lương
    "HIRE": ("hire", None),
    "LEAVE": ("leave", None),
    "SALARY": ("salary", None),
    "SUSPEND": ("suspend", None),
}
_NUMBER = re.compile(r"^[0-9]{1,3}([.,][0-9]{3})+$|^[0-9]+$")
_MONTH_SLASH = re.compile(r"^(0?[1-9]|1[0-2])/([0-9]{4})$")
_FIRST_OF_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}-01$")
_DATE_SLASH = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")


def _problem(row: int, column: str, code: str, message: str) -> dict[str, object]:
    return {"row": row, "column": column, "code": code, "message": message}


def _column_key(header: str) -> str | None:
    """The column a header cell names, or None."""
    text = str(header).strip().lstrip("\ufeff")
    inner = re.search(r"\(([a-z_]+)\)\s*$", text)
    key = inner.group(1) if inner else text
    for name, vietnamese in COLUMNS:
        if key == name or text.casefold() == vietnamese.casefold():
            return name
    return None


def _month(value: str) -> str:
    """``YYYY-MM``, ``MM/YYYY`` (as D02-LT writes months) or a date cell's ``YYYY-MM-01`` to ``YYYY-MM``; other text
    is kept for the checks."""
    slash = _MONTH_SLASH.match(value)
    if slash:
        return f"{slash.group(2)}-{int(slash.group(1)):02d}"
    return value[:7] if _FIRST_OF_MONTH.match(value) else value


def _birth_date(value: str) -> str:
    """``dd/mm/yyyy`` to ISO; other text is kept for the checks."""
    slash = _DATE_SLASH.match(value)
    return f"{slash.group(3)}-{int(slash.group(2)):02d}-{int(slash.group(1)):02d}" if slash else value


def read_csv(body: bytes) -> tuple[list[tuple[int, DeclarationLineIn]], list[dict[str, object]]]:
    """The rows of an uploaded D02-LT CSV as lines (with their row numbers), and every problem found reading it."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = body[: exc.start].count(b"\n")  # row 0 is the header
        return [], [_problem(row, "file", "not-utf8", f"the file is not UTF-8 text (byte {exc.start})")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read_table(reader)
    except csv.Error as exc:
        return [], [_problem(reader.line_num, "file", "bad-csv", str(exc))]


def read_xlsx(body: bytes) -> tuple[list[tuple[int, DeclarationLineIn]], list[dict[str, object]]]:
    """The rows of the first sheet of an uploaded D02-LT workbook, as :func:`read_csv` gives them.

    Refused before openpyxl reads it: a file that is not a ZIP, or whose parts expand past MAX_XLSX_EXPANDED.
    Formulas are read as their text (never computed); openpyxl parses the XML through defusedxml.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return [], [_problem(0, "file", "not-xlsx", "the file is not an XLSX workbook")]
    if expanded > MAX_XLSX_EXPANDED:
        limit = MAX_XLSX_EXPANDED // (1024 * 1024)
        return [], [_problem(0, "file", "too-large", f"the workbook expands past {limit} MB")]
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            return _read_table([_xlsx_cell(value) for value in cells] for cells in sheet.iter_rows(values_only=True))
        finally:
            workbook.close()
    except Exception:  # a malformed workbook fails anywhere inside openpyxl: a problem, never a 500
        return [], [_problem(0, "file", "not-xlsx", "the workbook cannot be read")]


def _xlsx_cell(value: object) -> str:
    """A workbook cell as the text a CSV would hold (a date as ISO, a whole number without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_table(rows: Iterable[Sequence[str]]) -> tuple[list[tuple[int, DeclarationLineIn]], list[dict[str, object]]]:
    """A header row, then data rows (row 1 = the first): lines and problems."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        return [], [_problem(0, "file", "empty", "the file is empty")]
    keys = [_column_key(cell) for cell in header]
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        return [], [_problem(0, key, "missing-column", "the header lacks this column") for key in missing]
    lines: list[tuple[int, DeclarationLineIn]] = []
    problems: list[dict[str, object]] = []
    for row, cells in enumerate(iterator, start=1):
        if row > MAX_ROWS:
            return [], [_problem(row, "file", "too-many-rows", f"at most {MAX_ROWS:,} rows per upload")]
        if not any(cell.strip() for cell in cells):
            continue
        values = {key: cell.strip() for key, cell in zip(keys, cells, strict=False) if key}
        line, row_problems = _line(row, values)
        problems += row_problems
        if line is not None:
            lines.append((row, line))
    return lines, problems


def _line(row: int, values: dict[str, str]) -> tuple[DeclarationLineIn | None, list[dict[str, object]]]:
    """One row as a declaration line, or its problems."""
    problems = []
    change = values.get("change_type", "").upper()
    if change not in CHANGE_TYPES:
        allowed = ", ".join(code for code in CHANGE_TYPES if len(code) == 2)
        problems.append(_problem(row, "change_type", "bad-change-type", f"expected one of {allowed}"))
        kind, reason = "hire", None
    else:
        kind, reason = CHANGE_TYPES[change]
    fields: dict[str, Any] = {"kind": kind, "reason": reason or values.get("reason") or None}
    for key in ("salary", "allowances"):
        cell = values.get(key, "")
        if not cell:
            continue
        if not _NUMBER.match(cell):
            problems.append(_problem(row, key, "bad-number", "expected a whole amount of VND, digits only"))
        else:
            fields[key] = int(re.sub(r"[.,]", "", cell))
    for key in ("si_code", "full_name", "position", "sex", "citizen_id"):
        if values.get(key):
            fields[key] = values[key]
    fields["from_month"] = _month(values.get("from_month", ""))
    if values.get("to_month"):
        fields["to_month"] = _month(values["to_month"])
    if values.get("date_of_birth"):
        fields["date_of_birth"] = _birth_date(values["date_of_birth"])
    try:
        line = DeclarationLineIn.model_validate(fields)
    except ValidationError as exc:
        for error in exc.errors():
            column = str(error["loc"][0]) if error["loc"] else "row"
            problems.append(_problem(row, column, "invalid", error["msg"]))
        return None, problems
    return (None if problems else line), problems


def escape_cell(value: object) -> str:
    """A cell for a CSV export: text a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
