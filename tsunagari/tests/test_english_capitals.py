"""English labels are capitalised one way: every heading, button, field label, table header,
menu entry and choice begins with a capital letter (sentence case), as the Japanese pages read
as one voice. Django's model field names are lower case by convention; wherever one becomes a
label, it must pass through capfirst."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.services import cases as case_services
from cases.tests.factories import ClientFactory, ConsultationFactory
from followups.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

# Elements whose text is a label a person reads as one.
LABELS = {
    *("h1", "h2", "h3", "h4", "h5", "h6"),
    *("button", "label", "th", "dt", "summary", "legend", "option"),
}
MENU_CLASSES = {"nav-link", "dropdown-item", "btn"}


class _Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[list] = []  # [tag, text parts, skip]
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "input", "img", "meta", "link", "hr"}:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        hidden = "visually-hidden" in classes
        wanted = tag in LABELS or (tag == "a" and classes & MENU_CLASSES)
        self.stack.append([tag, [] if wanted else None, hidden])

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, parts, _hidden = self.stack.pop()
            if parts is not None:
                text = " ".join("".join(parts).split())
                if text:
                    self.found.append((open_tag, text))
            if open_tag == tag:
                break

    def handle_data(self, data):
        if any(hidden for _tag, _parts, hidden in self.stack):
            return  # text for screen readers, often the item a button acts on
        for entry in self.stack:
            if entry[1] is not None:
                entry[1].append(data)


def _lower_case_labels(html: str) -> list[tuple[str, str]]:
    parser = _Labels()
    parser.feed(html)
    bad = []
    for tag, text in parser.found:
        first = re.search(r"[A-Za-z]", text)
        # A label that starts with a figure, a symbol or a name typed by a person is not ours.
        if first and first.start() == 0 and text[0].islower():
            bad.append((tag, text))
    return bad


@pytest.fixture
def english(counselor, supervisor):
    for user in (counselor, supervisor):
        user.language = "en"
        user.save(update_fields=["language"])


def test_every_main_page_in_english_capitalises_its_labels(client, english, counselor, supervisor):
    her = ClientFactory(counselors=[counselor], nickname="Sumire")
    case = case_services.case_open(client=her, by=counselor, title="Housing")
    consultation = ConsultationFactory(client=her, recorded_by=counselor)
    followup = FollowUpFactory(
        client=her, case=case, assignee=counselor, due_at=timezone.now() + datetime.timedelta(1)
    )
    pages = {
        counselor: [
            reverse("home"),
            reverse("cases:case_list"),
            reverse("cases:case_detail", args=[case.pk]),
            reverse("cases:client_list"),
            reverse("cases:client_detail", args=[her.pk]),
            reverse("cases:client_edit", args=[her.pk]),
            reverse("cases:intake") + "?q=Sumire",
            reverse("cases:intake_new"),
            reverse("cases:consultation_detail", args=[consultation.pk]),
            reverse("followups:mine"),
            reverse("followups:detail", args=[followup.pk]),
            reverse("followups:cancel", args=[followup.pk]),
            reverse("followups:create") + f"?client={her.pk}",
            reverse("privacy:erasure_request", args=[her.pk]),
            reverse("privacy:consent_withdraw", args=[her.pk]),
            reverse("notifications:list"),
            reverse("openings:calendar"),
            reverse("accounts:profile"),
        ],
        supervisor: [
            reverse("home"),
            reverse("cases:case_list"),
            reverse("cases:caseload"),
            reverse("cases:risk_board"),
            reverse("cases:closure_pending"),
            reverse("cases:break_glass_list"),
            reverse("cases:client_merge", args=[her.pk]),
            reverse("accounts:staff_list"),
            reverse("accounts:staff_create"),
            reverse("accounts:staff_detail", args=[counselor.pk]),
            reverse("audit:access_review"),
            reverse("audit:security_events"),
            reverse("privacy:erasure_queue"),
            reverse("privacy:disclosure", args=[her.pk]),
        ],
    }
    problems = []
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            answer = client.get(url)
            assert answer.status_code == 200, url
            body = answer.content.decode()
            assert 'lang="en"' in body, url
            problems += [(url, tag, text) for tag, text in _lower_case_labels(body)]
    assert problems == [], "\n".join(map(str, problems))
