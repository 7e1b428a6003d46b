"""Screenshots of the counselor's and the supervisor's main pages on a running demo server.

    python scripts/page_screenshots.py http://127.0.0.1:8000 OUTDIR PASSWORD

Signs in as counselor1 and supervisor1 (the demo logins, with the two-step sign-in made
skippable as `make run` does), opens each main page at 1280 px wide and saves a full-page PNG
per page. Used to compare a page before and after a change on the same demo data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "counselor1": ["/", "/cases/", "first-case", "/followups/", "/cases/clients/"],
    "supervisor1": ["/", "/cases/", "closing-case", "/cases/supervisor/caseload/", "/admin/"],
}


def _name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


def main(base: str, outdir: Path, password: str) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable)
        for username, paths in PAGES.items():
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            skip = page.locator("a[href*='skip']")
            if skip.count():
                skip.first.click()
            for path in paths:
                if path == "first-case":
                    page.goto(f"{base}/cases/")
                    path = (
                        page.locator("a[href^='/cases/'][href$='/']")
                        .filter(has_text="#")
                        .first.get_attribute("href")
                    )
                    name = "case-page"
                elif path == "closing-case":
                    page.goto(f"{base}/cases/closing/")
                    link = page.locator("main a[href^='/cases/'][href$='/']").filter(has_text="#")
                    path = link.first.get_attribute("href") if link.count() else "/cases/"
                    name = "case-page-closing"
                else:
                    name = _name(path)
                page.goto(f"{base}{path}")
                page.screenshot(path=str(outdir / f"{username}-{name}.png"), full_page=True)
                print(f"{username} {path} -> {username}-{name}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3])
