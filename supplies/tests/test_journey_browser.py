"""In Chromium: a coordinator records a receipt of 10,000 handout kits (packs with bags and
leaflets), distributes to three sites, and a counselor hands a kit to a woman in her
consultation. The overview, her case timeline and the export agree."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from cases.services import cases as case_services
from cases.tests.factories import ClientFactory, ConsultationFactory
from conftest import csp_violations, screenshot, totp_code, totp_device, watch_page
from supplies import services
from supplies.models import Handout, StockBalance

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _sign_in(page, user) -> None:
    device = totp_device(user)
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/accounts/mfa/**")
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/")


def test_receipt_distribution_and_a_handout_agree_everywhere(
    page, login, coordinator, counselor, defaults, browser, live_server
):
    items, kit = defaults
    storage = services.place_create(by=coordinator, name="事務局（架空）", site_type="storage")
    sites = [
        services.place_create(by=coordinator, name=name, site_type=kind)
        for name, kind in (
            ("北区役所（架空）", "city_office"),
            ("あべのこども食堂（架空）", "kodomo_shokudo"),
            ("なにわ高校（架空）", "school"),
        )
    ]
    her = ClientFactory(counselors=[counselor], nickname="さくら")
    case = case_services.case_open(client=her, by=counselor, title="生活の相談")
    consultation = ConsultationFactory(client=her, case=case, recorded_by=counselor)
    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(coordinator)

    page.goto("/supplies/")
    page.get_by_role("link", name="入庫", exact=True).click()
    page.get_by_label("品目またはセット").select_option(f"kit:{kit.pk}")
    page.get_by_label("数量").fill("10000")
    page.get_by_label("入庫先").select_option(str(storage.pk))
    page.get_by_label("仕入先・寄付者").fill("なにわ衛生用品（架空）")
    page.get_by_role("button", name="記録").click()
    expect(page.get_by_role("status")).to_contain_text("記録しました")
    csp_violations(page, problems)

    for site, quantity in zip(sites, (300, 200, 100), strict=True):
        page.goto("/supplies/distribute/")
        page.get_by_label("品目またはセット").select_option(f"kit:{kit.pk}")
        page.get_by_label("数量").fill(str(quantity))
        page.get_by_label("出庫元（倉庫）").select_option(str(storage.pk))
        page.locator("#id_target").select_option(str(site.pk))
        page.get_by_role("button", name="記録").click()
        expect(page.get_by_role("status")).to_contain_text("記録しました")

    # The counselor hands a kit to her, from the consultation on her page.
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    other = context.new_page()
    other.set_viewport_size(WIDE)
    _sign_in(other, counselor)
    other.goto(f"/cases/clients/{her.pk}/")
    other.locator(f"[data-consultation='{consultation.pk}']").get_by_role(
        "link", name="生理用品を手渡す"
    ).click()
    other.get_by_role("button", name="手渡しを記録").click()
    expect(other.get_by_role("status")).to_contain_text("手渡しを記録しました")
    other.goto(f"/cases/{case.pk}/")
    expect(other.locator("li.timeline-supplies_handout")).to_contain_text("生理用品の手渡し")
    screenshot(other, "supplies-timeline")
    context.close()

    # The overview: 10,000 - 600 - 1 packs left in storage.
    page.goto("/supplies/")
    row = page.locator(f"#stock-overview tr[data-place='{storage.pk}']")
    expect(row.locator("[data-item='pads_28']")).to_contain_text("9399")
    for site, quantity in zip(sites, (300, 200, 100), strict=True):
        expect(
            page.locator(f"#stock-overview tr[data-place='{site.pk}'] [data-item='pads_28']")
        ).to_contain_text(str(quantity))
    csp_violations(page, problems)
    screenshot(page, "supplies-overview")

    page.goto("/supplies/distribution/")  # this fiscal year
    expect(page.locator("#distribution-chart")).to_be_visible()
    expect(page.locator("#grand-total")).to_have_text("601")

    page.goto(f"/supplies/movements/?place={storage.pk}&item={items['pads_28'].pk}")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSVをダウンロード").click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    pads = [r for r in rows[1:] if r[3] == "生理用品（28個入）"]
    received = sum(int(r[4]) for r in pads if r[2] == "入庫")
    out = sum(int(r[4]) for r in pads if r[2] in ("配布", "手渡し"))
    assert (received, out) == (10000, 601)
    assert problems == []

    assert Handout.objects.get().client == her
    assert StockBalance.objects.get(item=items["pads_28"], place=storage).quantity == 9399
