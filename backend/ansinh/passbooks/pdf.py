"""The printable passbook (sổ BHXH, quá trình đóng): fpdf2 with embedded DejaVu fonts and the signed QR.

CPU-bound and synchronous: callers run :func:`render_passbook` in a worker thread.
"""

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import qrcode
import qrcode.constants
import qrcode.image.pure
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from ansinh.passbooks.statement import Statement, StatementRow
from ansinh.records.tables import FUNDS

FONT = "DejaVu"
REGULAR_FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"
QR_SIDE_MM = 55.0  # ~0.55 mm a module for a version-18 code: read by phone cameras at arm's length
QR_BOX_PX = 8  # pixels a module in the embedded image; viewers scale it, so only crispness matters
COLUMN_WIDTHS = (28, 15, 40, 21, 24, 23, 23, 16)  # mm, 190 in all: A4 less 10 mm margins
LABEL_MM = 48  # the label column of the summary

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "title": "SỔ BẢO HIỂM XÃ HỘI — QUÁ TRÌNH ĐÓNG",
        "holder": "Họ và tên",
        "si_code": "Mã số BHXH",
        "birth_date": "Ngày sinh",
        "issued": "Ngày cấp",
        "period": "Giai đoạn",
        "totals": "Tổng hợp",
        "paid_months": "Số tháng đã đóng theo quỹ",
        "arrears_months": "Số tháng nợ đóng",
        "no_rows": "Không có quá trình đóng trong giai đoạn này.",
        "col_months": "Từ – đến",
        "col_count": "Số tháng",
        "col_employer": "Đơn vị",
        "col_salary": "Mức lương đóng",
        "col_funds": "Quỹ",
        "col_employer_amount": "Đơn vị đóng/tháng",
        "col_employee_amount": "NLĐ đóng/tháng",
        "col_status": "Trạng thái",
        "voluntary": "BHXH tự nguyện",
        "paid": "Đã đóng",
        "arrears": "Nợ đóng",
        "funds_legend": (
            "Quỹ: RS hưu trí, tử tuất · SM ốm đau, thai sản · OA tai nạn lao động, bệnh nghề nghiệp · "
            "UI bảo hiểm thất nghiệp · HI bảo hiểm y tế. Số tiền tính theo tháng, đơn vị đồng."
        ),
        "caption": "Quét mã QR (hoặc mở {verify}) để kiểm tra sổ do AnSinh cấp và chưa bị sửa đổi.",
        "fingerprint": "Mã băm SHA-256 của sổ",
        "page": "Trang {page}/{pages}",
    },
    "en": {
        "title": "SOCIAL INSURANCE PASSBOOK — CONTRIBUTION HISTORY",
        "holder": "Full name",
        "si_code": "SI code",
        "birth_date": "Date of birth",
        "issued": "Issued on",
        "period": "Period",
        "totals": "Totals",
        "paid_months": "Paid months per fund",
        "arrears_months": "Months in arrears",
        "no_rows": "No contributions on record in this period.",
        "col_months": "From – to",
        "col_count": "Months",
        "col_employer": "Employer",
        "col_salary": "Salary base",
        "col_funds": "Funds",
        "col_employer_amount": "Employer per month",
        "col_employee_amount": "Employee per month",
        "col_status": "Status",
        "voluntary": "Voluntary SI",
        "paid": "Paid",
        "arrears": "Arrears",
        "funds_legend": (
            "Funds: RS retirement and survivorship · SM sickness and maternity · OA occupational accident and "
            "disease · UI unemployment insurance · HI health insurance. Amounts per month, in VND."
        ),
        "caption": "Scan the QR code (or open {verify}) to check this passbook was issued by AnSinh, unaltered.",
        "fingerprint": "SHA-256 of the statement",
        "page": "Page {page}/{pages}",
    },
}


@dataclass(frozen=True, slots=True)
class Passbook:
    """What the PDF shows besides the statement: language, issue date, the QR text and the verifier's address."""

    statement: Statement
    lang: str
    issued_on: date
    qr_text: str
    verify_hint: str  # the verifier's address, printed in the caption


def qr_code(text: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    """The passbook QR: error correction M, the smallest version that holds ``text``."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=QR_BOX_PX, border=4)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return code


def qr_png(text: str) -> bytes:
    """The QR as a black-and-white PNG (qrcode's pure writer; Pillow is not needed to draw it)."""
    buffer = io.BytesIO()
    qr_code(text).make_image(image_factory=qrcode.image.pure.PyPNGImage).save(buffer)
    return buffer.getvalue()


def _money(amount: int, lang: str) -> str:
    grouped = f"{amount:,}"
    return grouped.replace(",", ".") if lang == "vi" else grouped


def _month(month: str) -> str:
    year, mon = month.split("-")
    return f"{mon}/{year}"


def _date(day: date, lang: str) -> str:
    return f"{day:%d/%m/%Y}" if lang == "vi" else day.isoformat()


def _birth(text: str, lang: str) -> str:
    return _date(date.fromisoformat(text), lang) if len(text) == 10 else text


class _PassbookPdf(FPDF):
    """A4 pages whose header repeats the title and the holder, and whose footer numbers the pages."""

    def __init__(self, passbook: Passbook) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.passbook = passbook
        self.texts = TEXTS[passbook.lang]
        self.set_margins(10, 10, 10)
        self.set_auto_page_break(auto=True, margin=15)

    def header(self) -> None:
        statement = self.passbook.statement
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, self.texts["title"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 8)
        period = f"{_month(statement.period_from)} – {_month(statement.period_to)}"
        self.cell(
            0,
            5,
            f"{statement.holder_name} · {self.texts['si_code']} {statement.si_code} · {self.texts['period']} {period}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7)
        page = self.texts["page"].format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"AnSinh · {_date(self.passbook.issued_on, self.passbook.lang)} · {page}", align="R")


def _row_cells(row: StatementRow, texts: dict[str, str], lang: str) -> tuple[str, ...]:
    employer = f"{row.employer_name} ({row.employer_code})" if row.employer_code else texts["voluntary"]
    return (
        f"{_month(row.from_month)} – {_month(row.to_month)}",
        str(row.months),
        employer,
        _money(row.salary_base, lang),
        " ".join(row.funds),
        _money(row.employer_amount, lang),
        _money(row.employee_amount, lang),
        texts["paid"] if row.status == "paid" else texts["arrears"],
    )


def _labelled(pdf: FPDF, label: str, value: str, width: float) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.cell(LABEL_MM, 6, f"{label}:")
    pdf.set_font(FONT, "B", 9)
    pdf.cell(width - LABEL_MM, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _summary(pdf: _PassbookPdf) -> None:
    """Holder, issue date, period and totals on the left; the QR on the right; the caption under both."""
    passbook, texts, lang = pdf.passbook, pdf.texts, pdf.passbook.lang
    statement = passbook.statement
    top = pdf.get_y()
    left_width = pdf.epw - QR_SIDE_MM - 5
    pdf.image(
        io.BytesIO(qr_png(passbook.qr_text)),
        x=pdf.w - pdf.r_margin - QR_SIDE_MM,
        y=top,
        w=QR_SIDE_MM,
        h=QR_SIDE_MM,
        alt_text=texts["caption"].format(verify=passbook.verify_hint),
    )
    _labelled(pdf, texts["holder"], statement.holder_name, left_width)
    _labelled(pdf, texts["si_code"], statement.si_code, left_width)
    _labelled(pdf, texts["birth_date"], _birth(statement.birth_date, lang), left_width)
    _labelled(pdf, texts["issued"], _date(passbook.issued_on, lang), left_width)
    period = f"{_month(statement.period_from)} – {_month(statement.period_to)}"
    _labelled(pdf, texts["period"], period, left_width)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(left_width, 6, texts["totals"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    paid = " · ".join(f"{fund} {statement.totals.paid_months[fund]}" for fund in FUNDS)
    _labelled(pdf, texts["paid_months"], paid, left_width)
    _labelled(pdf, texts["arrears_months"], str(statement.totals.arrears_months), left_width)
    pdf.set_y(max(pdf.get_y(), top + QR_SIDE_MM) + 2)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, texts["caption"].format(verify=passbook.verify_hint), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 6.5)
    pdf.multi_cell(0, 3.5, f"{texts['fingerprint']}: {statement.sha256()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _table(pdf: _PassbookPdf) -> None:
    texts, lang = pdf.texts, pdf.passbook.lang
    rows = pdf.passbook.statement.rows
    if not rows:
        pdf.set_font(FONT, "", 9)
        pdf.cell(0, 6, texts["no_rows"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font(FONT, "", 7.5)
    headings = tuple(
        texts[key]
        for key in (
            "col_months",
            "col_count",
            "col_employer",
            "col_salary",
            "col_funds",
            "col_employer_amount",
            "col_employee_amount",
            "col_status",
        )
    )
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        width=sum(COLUMN_WIDTHS),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
        headings_style=FontFace(family=FONT, emphasis="BOLD", fill_color=(230, 236, 245)),
        line_height=4,
        padding=1,
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for row in rows:
            table.row(_row_cells(row, texts, lang))
    pdf.ln(2)
    pdf.set_font(FONT, "", 7)
    pdf.multi_cell(0, 3.5, texts["funds_legend"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_passbook(passbook: Passbook, *, fonts_dir: Path) -> bytes:
    """The passbook as PDF bytes, DejaVu embedded (subset) so every Vietnamese letter prints."""
    pdf = _PassbookPdf(passbook)
    pdf.add_font(FONT, "", str(fonts_dir / REGULAR_FONT))
    pdf.add_font(FONT, "B", str(fonts_dir / BOLD_FONT))
    pdf.set_lang(passbook.lang)
    pdf.set_title(TEXTS[passbook.lang]["title"])
    pdf.set_author("AnSinh")
    pdf.set_subject(f"{passbook.statement.si_code} {passbook.statement.period_from}..{passbook.statement.period_to}")
    pdf.set_creator("AnSinh")
    pdf.add_page()
    _summary(pdf)
    _table(pdf)
    return bytes(pdf.output())
