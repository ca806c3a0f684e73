"""Public services in real Chromium against the demo data: applications, the inbox, the passbook and its verifier.

Staff decisions go through the staff API with a token for the demo staff account (the live server runs with
the development secret), as a back office would; the citizen's side is driven only through the app.
OTP sends are limited per account (5 per 15 minutes), so each persona signs in at most a few times per module.
"""

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
import zxingcpp
from playwright.async_api import Browser, Page, Request, expect

from ansinh.core.settings import DEV_SECRET_KEY
from ansinh.core.tokens import issue_access_token
from ansinh.demo.personas import STAFF_USERNAME
from tests.e2e.conftest import (
    PERSONA_AN,
    PHONE,
    LiveServer,
    SeededCitizen,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PERSONA_LAN = SeededCitizen(
    username="0100000002", citizen_id="001186000002", password="Demo@2026", phone="0901000002", full_name="Trần Thị Lan"
)
PERSONA_MINH = SeededCitizen(
    username="0100000003",
    citizen_id="001207000003",
    password="Demo@2026",
    phone="0901000003",
    full_name="Nguyễn Đức Minh",
)
APPLICATIONS = "/api/v1/me/applications"
NEW_ADDRESS = "Số 3 ngõ 7 phố Láng Hạ, Đống Đa, Hà Nội"


class ApiUser:
    """A citizen's own API session for the test's checks (refreshed when its access token runs out)."""

    def __init__(self, server: LiveServer, citizen: SeededCitizen) -> None:
        self.server = server
        self.tokens = api_sign_in(server, citizen)

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._send(method, path, **kwargs)
        if response.status_code == 401:
            refreshed = httpx.post(
                f"{self.server.url}/api/v1/auth/refresh",
                json={"refresh_token": self.tokens["refresh_token"]},
                timeout=10,
            )
            assert refreshed.status_code == 200, refreshed.text
            self.tokens = refreshed.json()
            response = self._send(method, path, **kwargs)
        return response

    def _send(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        auth = {"Authorization": f"Bearer {self.tokens['access_token']}", **(headers or {})}
        return httpx.request(method, f"{self.server.url}{path}", headers=auth, timeout=10, **kwargs)

    def get(self, path: str) -> Any:
        response = self.call("GET", path)
        assert response.status_code == 200, response.text
        return response.json()


class Staff:
    """The demo staff account, acting through the staff API."""

    def __init__(self, server: LiveServer) -> None:
        [(account_id,)] = server.sql("SELECT id FROM account WHERE username = :u", {"u": STAFF_USERNAME})
        self.server = server
        self.token, _ = issue_access_token(
            secret_key=DEV_SECRET_KEY, issuer=server.url, subject=str(account_id), role="staff"
        )

    def move(self, application_id: int, to: str, **extra: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.server.url}/api/v1/staff/applications/{application_id}/transitions",
            json={"to": to, **extra},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture(scope="module")
def an_api(demo_server: LiveServer) -> ApiUser:
    return ApiUser(demo_server, PERSONA_AN)


@pytest.fixture(scope="module")
def staff(demo_server: LiveServer) -> Staff:
    return Staff(demo_server)


def vn_money(amount: int) -> str:
    return f"{amount:,} ₫".replace(",", ".")


def vn_date(iso: str) -> str:
    year, month, day = iso[:10].split("-")
    return f"{day}/{month}/{year}"


async def step_states(page: Page) -> list[tuple[str | None, str | None]]:
    steps = page.locator(".app-timeline .app-step")
    return [(await s.get_attribute("data-status"), await s.get_attribute("data-state")) for s in await steps.all()]


async def reload(page: Page) -> None:
    await page.reload()
    await page.wait_for_selector("body[data-ready='true']")


# ---- applications ---------------------------------------------------------------------------------


async def test_a_card_reissue_is_filed_and_its_timeline_and_inbox_follow_the_staff_decisions(
    demo_server: LiveServer, page: Page, an_api: ApiUser, staff: Staff
) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_AN, route="applications")
    await expect(page.locator("h1")).to_have_text("Dịch vụ công")
    await expect(page.locator("#applications-list")).to_contain_text("Bạn chưa nộp hồ sơ nào.")
    await page.click("#applications-new")
    await expect(page.locator(".app-kind")).to_have_count(4)
    await assert_accessible(page)
    await page.click("a[data-kind='card_reissue']")
    await expect(page.locator("h1")).to_have_text("Cấp lại thẻ BHYT")
    await page.get_by_label("Thẻ bị hỏng").check()
    await page.get_by_label("Ghi chú (không bắt buộc)").fill("Thẻ bị ướt, mờ chữ")
    await page.click("#app-submit")

    await expect(page.locator("#app-message")).to_contain_text("Đã nộp hồ sơ. Mã hồ sơ:")
    mine = an_api.get(APPLICATIONS)
    assert mine["total"] == 1
    filed = mine["items"][0]
    assert (filed["kind"], filed["status"]) == ("card_reissue", "submitted")
    await expect(page).to_have_url(f"{demo_server.url}/#/applications/{filed['id']}")
    await expect(page.locator("#app-reference")).to_have_text(filed["reference"])
    view = an_api.get(f"{APPLICATIONS}/{filed['id']}")
    assert (view["details"]["reason"], view["details"]["note"]) == ("damaged", "Thẻ bị ướt, mờ chữ")
    await expect(page.locator(".app-details")).to_contain_text("Thẻ bị hỏng")
    assert await step_states(page) == [
        ("submitted", "current"),
        ("in_review", "upcoming"),
        ("approved", "upcoming"),
        ("done", "upcoming"),
    ]
    await expect(page.locator(".app-detail .app-chip")).to_have_text("Đã nộp")
    assert view["can_withdraw"] is True
    await expect(page.locator("#app-withdraw")).to_be_visible()
    await assert_accessible(page)
    await save_screenshot(page, "application-filed")

    # The list shows it with its status chip.
    await page.click("text=‹ Danh sách hồ sơ")
    row = page.locator(f".app-row[data-application-id='{filed['id']}']")
    await expect(row).to_contain_text(filed["reference"])
    await expect(row).to_contain_text("Cấp lại thẻ BHYT")
    await expect(row.locator(".app-chip")).to_have_text("Đã nộp")
    await assert_accessible(page)
    await save_screenshot(page, "applications")

    # Staff take it through review, approval and completion; a reload shows every step with its time.
    staff.move(filed["id"], "in_review", note="Đang kiểm tra hồ sơ")
    staff.move(filed["id"], "approved")
    done = staff.move(filed["id"], "done", note="Thẻ mới gửi qua bưu điện")
    assert done["status"] == "done"
    await row.locator("a").click()
    await expect(page.locator("#app-reference")).to_have_text(filed["reference"])
    await reload(page)
    await expect(page.locator(".app-detail .app-chip")).to_have_text("Hoàn thành")
    assert await step_states(page) == [
        ("submitted", "done"),
        ("in_review", "done"),
        ("approved", "done"),
        ("done", "current"),
    ]
    timeline = an_api.get(f"{APPLICATIONS}/{filed['id']}")["timeline"]
    times = page.locator(".app-timeline time")
    await expect(times).to_have_count(4)
    assert [await t.get_attribute("datetime") for t in await times.all()] == [s["at"] for s in timeline]
    # Staff notes stay in the back office's audit trail; the citizen's timeline shows steps and times only.
    assert [s["note"] for s in timeline] == [None, None, None, None]
    await expect(page.locator(".app-timeline")).not_to_contain_text("Đang kiểm tra hồ sơ")
    await expect(page.locator("#app-withdraw")).to_have_count(0)
    await assert_accessible(page)
    await save_screenshot(page, "application-timeline")

    # Each decision left a notice in the inbox, in the same transaction: the home badge counts the unread ones.
    inbox = an_api.get("/api/v1/me/notifications?limit=50&lang=vi")
    notices = [n for n in inbox["items"] if n["link"] == f"#/applications/{filed['id']}"]
    assert {"in_review", "approved", "done"} <= {n["params"]["status"] for n in notices}
    assert inbox["unread"] >= len(notices)
    await page.goto(f"{demo_server.url}/#/home")
    await expect(page.locator("#home-unread")).to_have_text(str(inbox["unread"]))
    await expect(page.get_by_role("link", name=f"Hộp thư, {inbox['unread']} thông báo chưa đọc")).to_be_visible()

    await page.goto(f"{demo_server.url}/#/inbox")
    items = page.locator(".inbox-item")
    await expect(items).to_have_count(min(inbox["total"], 20))
    assert [await i.get_attribute("data-notification-id") for i in await items.all()] == [
        str(n["id"]) for n in inbox["items"][:20]
    ]
    await expect(page.locator(".inbox-item.inbox-unread")).to_have_count(inbox["unread"])
    await expect(page.locator("#inbox-summary")).to_have_text(f"{inbox['unread']} thông báo chưa đọc")
    await assert_accessible(page)
    await save_screenshot(page, "inbox")

    newest = notices[0]
    await page.click(f".inbox-item[data-notification-id='{newest['id']}'] .inbox-open")
    await expect(page).to_have_url(f"{demo_server.url}/#/applications/{filed['id']}")
    after = an_api.get("/api/v1/me/notifications?limit=50&lang=vi")
    assert next(n for n in after["items"] if n["id"] == newest["id"])["read_at"] is not None
    assert after["unread"] == inbox["unread"] - 1

    await page.goto(f"{demo_server.url}/#/inbox")
    await expect(page.locator(f".inbox-item[data-notification-id='{newest['id']}']")).to_have_attribute(
        "data-read", "true"
    )
    await page.click("#inbox-read-all")
    await expect(page.locator("#inbox-summary")).to_have_text(f"Đã đánh dấu {after['unread']} thông báo là đã đọc.")
    await expect(page.locator(".inbox-item.inbox-unread")).to_have_count(0)
    assert an_api.get("/api/v1/me/notifications?limit=1&lang=vi")["unread"] == 0
    await page.goto(f"{demo_server.url}/#/home")
    await expect(page.locator(".home-shortcuts")).to_be_visible()
    await expect(page.locator("#home-unread")).to_have_count(0)


async def test_a_facility_change_shows_its_effective_date_and_a_rejection_its_reason(
    demo_server: LiveServer, page: Page, staff: Staff
) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_LAN, route="applications/new/facility_change")
    await expect(page.locator(".notice")).to_contain_text("ngày đầu quý sau")
    await page.get_by_label("Tên hoặc mã cơ sở khám chữa bệnh").fill("Bạch Mai")
    await page.get_by_label("Tên hoặc mã cơ sở khám chữa bệnh").press("Enter")  # searches, does not file
    choice = page.get_by_label(re.compile("^01001 — Bệnh viện Bạch Mai"))
    await expect(choice).to_be_checked()
    await assert_accessible(page)
    await page.click("#app-submit")
    await expect(page.locator("#app-message")).to_contain_text("Đã nộp hồ sơ")
    application_id = int(page.url.rsplit("/", 1)[1])

    lan = ApiUser(demo_server, PERSONA_LAN)
    view = lan.get(f"{APPLICATIONS}/{application_id}")
    assert view["details"]["facility_code"] == "01001"
    assert view["effective_from"] is not None
    await expect(page.locator("#app-effective")).to_have_text(vn_date(view["effective_from"]))
    await expect(page.locator(".app-effective-note")).to_contain_text(vn_date(view["effective_from"]))

    staff.move(application_id, "in_review")
    reason = "Cơ sở đã đủ số người đăng ký trong quý này"
    staff.move(application_id, "rejected", reason=reason)
    await reload(page)
    await expect(page.locator(".app-detail .app-chip")).to_have_text("Bị từ chối")
    await expect(page.locator("#app-reason")).to_have_text(f"Lý do từ chối: {reason}")
    assert await step_states(page) == [("submitted", "done"), ("in_review", "done"), ("rejected", "current")]
    await expect(page.locator(".app-step[data-status='rejected']")).to_contain_text(reason)
    await expect(page.locator("#app-withdraw")).to_have_count(0)
    await expect(page.locator("#app-effective")).to_have_count(0)  # a refused change never takes effect
    await assert_accessible(page)
    await save_screenshot(page, "application-rejected")


async def test_the_voluntary_form_quotes_live_files_and_reads_in_english(demo_server: LiveServer, page: Page) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_MINH, route="applications/new/voluntary_registration")
    await expect(page.locator("#app-quote")).to_contain_text("Nhập mức thu nhập")

    def quote(income: int, category: str) -> dict[str, Any]:
        response = httpx.get(
            f"{demo_server.url}/api/v1/reference/voluntary-contribution",
            params={"monthly_income": income, "category": category},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    await page.get_by_label("Mức thu nhập làm căn cứ đóng (đồng/tháng)").fill("5.000.000")
    other = quote(5_000_000, "other")
    await expect(page.locator("[data-quote='contribution']")).to_have_text(vn_money(other["contribution"]))
    await expect(page.locator("[data-quote='state_support']")).to_have_text(vn_money(other["state_support"]))
    await expect(page.locator("[data-quote='you_pay']")).to_have_text(vn_money(other["you_pay"]))

    await page.get_by_label("Đối tượng").select_option("poor")
    poor = quote(5_000_000, "poor")
    assert poor["you_pay"] < other["you_pay"]  # the state supports poor households more
    await expect(page.locator("[data-quote='you_pay']")).to_have_text(vn_money(poor["you_pay"]))
    await expect(page.locator("[data-quote='state_support']")).to_have_text(vn_money(poor["state_support"]))

    # An income below the floor is the reference endpoint's 422: its explanation is shown.
    await page.get_by_label("Mức thu nhập làm căn cứ đóng (đồng/tháng)").fill("1000")
    await expect(page.locator("#app-quote [role='alert']")).not_to_be_empty()
    await page.get_by_label("Mức thu nhập làm căn cứ đóng (đồng/tháng)").fill("5000000")
    await expect(page.locator("[data-quote='you_pay']")).to_have_text(vn_money(poor["you_pay"]))
    await assert_accessible(page)
    await save_screenshot(page, "application-voluntary")

    first_month = await page.get_by_label("Tháng bắt đầu đóng").input_value()
    await page.click("#app-submit")
    await expect(page.locator("#app-message")).to_contain_text("Đã nộp hồ sơ")
    await expect(page.locator("h1")).to_have_text("Đăng ký BHXH tự nguyện")
    await expect(page.locator(".app-details")).to_contain_text(vn_money(5_000_000))
    await expect(page.locator(".app-details")).to_contain_text("Hộ nghèo")
    await expect(page.locator(".app-details")).to_contain_text(f"{first_month[5:]}/{first_month[:4]}")

    # The same screens in English.
    await page.evaluate("localStorage.setItem('ansinh.lang', 'en')")
    await reload(page)
    await expect(page.locator("h1")).to_have_text("Voluntary social insurance")
    await expect(page.locator(".app-detail .app-chip")).to_have_text("Submitted")
    await expect(page.locator("#app-timeline-title")).to_have_text("Progress")
    await expect(page.locator(".app-details")).to_contain_text("Poor household")
    await page.click("text=‹ All applications")
    await expect(page.locator("h1")).to_have_text("Public services")
    await expect(page.locator(".app-row .app-chip")).to_have_text("Submitted")
    await assert_accessible(page)


async def test_a_double_tap_files_one_application_and_it_can_be_withdrawn(
    demo_server: LiveServer, page: Page, an_api: ApiUser
) -> None:
    await page.set_viewport_size(PHONE)
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith(APPLICATIONS) else None)
    await open_signed_in(page, demo_server, PERSONA_AN, route="applications/new/info_correction")
    page.on("dialog", lambda dialog: dialog.accept())

    # Nothing to correct is refused in the form.
    await page.click("#app-submit")
    await expect(page.locator("#app-form-error")).to_have_text("Hãy nhập ít nhất một thông tin cần sửa.")
    assert posts == []

    await page.get_by_label("Địa chỉ mới").fill(NEW_ADDRESS)
    await page.dblclick("#app-submit")
    # A second submission of the same form while the first is on its way (a tap the button did not catch).
    await page.evaluate("document.querySelector('form.app-form')?.requestSubmit()")
    await expect(page.locator("#app-message")).to_contain_text("Đã nộp hồ sơ")

    corrections = [a for a in an_api.get(APPLICATIONS)["items"] if a["kind"] == "info_correction"]
    assert len(corrections) == 1
    keys = {r.headers.get("idempotency-key") for r in posts}
    assert len(keys) == 1
    (key,) = keys
    assert key is not None
    assert re.fullmatch(r"[0-9a-f-]{36}", key)

    # A retry with the app's key (a lost answer) gets the same application back, not a second one.
    body = json.loads(posts[0].post_data or "{}")
    assert body == {
        "kind": "info_correction",
        "details": {"changes": {"address": "Số 3 ngõ 7 phố Láng Hạ, Đống Đa, Hà Nội"}},
    }
    retry = an_api.call("POST", APPLICATIONS, json=body, headers={"Idempotency-Key": key})
    assert retry.status_code in (200, 201), retry.text
    assert retry.json()["id"] == corrections[0]["id"]
    assert len([a for a in an_api.get(APPLICATIONS)["items"] if a["kind"] == "info_correction"]) == 1

    # A second, separate form while this one is open is refused with the server's explanation.
    await page.goto(f"{demo_server.url}/#/applications/new/info_correction")
    await page.get_by_label("Giới tính đúng").select_option("F")
    await page.click("#app-submit")
    await expect(page.locator("#app-form-error")).not_to_be_empty()
    assert len([a for a in an_api.get(APPLICATIONS)["items"] if a["kind"] == "info_correction"]) == 1

    await page.goto(f"{demo_server.url}/#/applications/{corrections[0]['id']}")
    await page.click("#app-withdraw")
    await expect(page.locator("#app-message")).to_have_text("Đã rút hồ sơ.")
    await expect(page.locator(".app-detail .app-chip")).to_have_text("Đã rút")
    await expect(page.locator("#app-withdraw")).to_have_count(0)
    assert an_api.get(f"{APPLICATIONS}/{corrections[0]['id']}")["status"] == "withdrawn"


# ---- the passbook and its public verifier ----------------------------------------------------------


def qr_text(pdf: bytes) -> str:
    """The text of the QR code printed on the passbook's first page."""
    (image,) = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images
    (barcode,) = zxingcpp.read_barcodes(image.image, formats=zxingcpp.BarcodeFormat.QRCode)
    return str(barcode.text)


def verify_api(server: LiveServer, token: str) -> dict[str, Any]:
    """The public verifier's answer for ``token``, asked without the app."""
    response = httpx.post(f"{server.url}/api/v1/passbooks/verify", json={"token": token}, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def employer_pays_arrears(server: LiveServer, si_code: str) -> None:
    """Settle a person's unpaid months straight in the server's database, as a late employer payment would."""
    settled = server.sql(
        "UPDATE contribution_period SET status = 'paid' WHERE status = 'arrears'"
        " AND person_id = (SELECT id FROM person WHERE si_code = :c) RETURNING id",
        {"c": si_code},
    )
    assert len(settled) > 0


def tampered(token: str) -> str:
    """The same token with its arrears claim rewritten: a forged paper would carry such a code."""
    prefix, header, payload, signature = re.fullmatch(r"(PB1\.)([^.]+)\.([^.]+)\.([^.]+)", token).groups()  # type: ignore[union-attr]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["totals"]["arrears_months"] = 0 if claims["totals"].get("arrears_months") else 7
    forged = base64.urlsafe_b64encode(json.dumps(claims, ensure_ascii=False).encode()).rstrip(b"=").decode()
    return f"{prefix}{header}.{forged}.{signature}"


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


async def test_the_passbook_downloads_as_a_pdf_whose_qr_the_public_verifier_accepts(
    demo_server: LiveServer, page: Page, browser: Browser, downloads: Path
) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_AN, route="contributions")
    async with page.expect_download() as download_info:
        await page.click("#contributions-passbook")
    download = await download_info.value
    assert download.suggested_filename.startswith(f"ansinh-passbook-{PERSONA_AN.username}")
    target = downloads / download.suggested_filename
    await download.save_as(target)
    pdf = target.read_bytes()
    assert pdf[:4] == b"%PDF"
    await expect(page.locator(".records-status")).to_contain_text("Đã tải sổ BHXH")

    url = qr_text(pdf)
    assert url.startswith(f"{demo_server.url}/#/verify/PB1.")
    token = url.rsplit("/#/verify/", 1)[1]
    answer = verify_api(demo_server, token)
    assert answer["valid"] is True

    # Anyone opens the QR's address, signed in or not.
    public = await browser.new_context(viewport=PHONE)
    try:
        reader = await public.new_page()
        await reader.goto(url)
        await reader.wait_for_selector("body[data-ready='true']")
        result = reader.locator("#verify-result")
        await expect(result).to_have_attribute("data-valid", "true")
        await expect(result.locator("h2")).to_have_text("✓ Sổ hợp lệ: do AnSinh ký")
        await expect(result.locator("[data-field='si_code']")).to_have_text(PERSONA_AN.username)
        await expect(result.locator("[data-field='holder_name']")).to_have_text(PERSONA_AN.full_name)
        await expect(result.locator("[data-field='issued_on']")).to_have_text(vn_date(answer["issued_on"]))
        period = answer["period"]
        await expect(result.locator("[data-field='period']")).to_have_text(
            f"{period['from'][5:]}/{period['from'][:4]} – {period['to'][5:]}/{period['to'][:4]}"
        )
        for fund, months in answer["totals"]["paid_months"].items():
            await expect(result.locator(f"tr[data-fund='{fund}'] td")).to_have_text(str(months))
        await expect(result.locator("tr[data-fund='arrears'] td")).to_have_text(str(answer["totals"]["arrears_months"]))
        assert answer["totals"]["arrears_months"] == 2  # An's employer owes September and October 2026
        await expect(result).to_contain_text("Hãy so các thông tin dưới đây với bản giấy")
        await expect(reader.locator("#verify-outdated")).to_have_count(0 if answer["matches_current_records"] else 1)
        await assert_accessible(reader)
        await save_screenshot(reader, "passbook-verify")

        # A forged paper: the totals were changed, so the signature no longer matches.
        await reader.goto(f"{demo_server.url}/#/verify/{tampered(token)}")
        await expect(result).to_have_attribute("data-valid", "false")
        await expect(result.locator("h2")).to_have_text("✗ Sổ không hợp lệ")
        await expect(result).to_contain_text("Chữ ký không khớp")
        await expect(result.locator("[data-field='si_code']")).to_have_count(0)
        await assert_accessible(reader)
        await save_screenshot(reader, "passbook-verify-invalid")

        # From the public look-ups screen, pasting the whole address from the QR works too.
        await reader.goto(f"{demo_server.url}/#/lookups")
        await reader.click("#lookup-verify-link")
        await expect(reader.locator("h1")).to_have_text("Kiểm tra sổ BHXH")
        await reader.get_by_label("Mã kiểm tra hoặc đường dẫn trong mã QR").fill(url)
        await reader.click("#verify-submit")
        await expect(result).to_have_attribute("data-valid", "true")
        await expect(result.locator("[data-field='holder_name']")).to_have_text(PERSONA_AN.full_name)

        # The employer then pays the two months it owed: the paper is still genuine, but no longer current.
        employer_pays_arrears(demo_server, PERSONA_AN.username)
        assert verify_api(demo_server, token)["matches_current_records"] is False
        await reader.goto(url)  # the same address as the paste led to: reload to ask again
        await reader.reload()
        await reader.wait_for_selector("body[data-ready='true']")
        await expect(result).to_have_attribute("data-valid", "true")
        await expect(reader.locator("#verify-outdated")).to_contain_text("Dữ liệu đóng BHXH đã thay đổi sau ngày in sổ")
        await expect(result.locator("tr[data-fund='arrears'] td")).to_have_text("2")  # what the paper says
    finally:
        await public.close()


async def test_a_failed_passbook_download_says_so(demo_server: LiveServer, page: Page) -> None:
    await open_signed_in(page, demo_server, PERSONA_LAN, route="contributions")
    await page.route(
        "**/api/v1/me/contributions.pdf*",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body=json.dumps({"title": "Unavailable", "status": 503, "detail": "Dịch vụ tạm ngừng."}),
        ),
    )
    await page.click("#contributions-passbook")
    await expect(page.locator(".records-status")).to_have_text("Không tải được sổ BHXH: Dịch vụ tạm ngừng.")
