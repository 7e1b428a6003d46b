"""Case page and admin details: what a closed case offers, who can be put on a case team, how
the admin shows a record's history, and the Japanese label colons."""

import datetime
import json
import re
from pathlib import Path

import pghistory
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.forms.cases import CaseAssignForm, CaseOpenForm
from cases.models import Case, Client
from cases.tests.factories import CaseFactory, ClientFactory
from core.roles import Role

pytestmark = pytest.mark.django_db


def _closed_case(counselor) -> Case:
    her = ClientFactory(nickname="すずな", counselors=[counselor])
    return CaseFactory(
        client=her,
        counselors=[counselor],
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
    )


def test_a_closed_case_offers_no_new_follow_up_but_still_takes_notes(client, counselor):
    case = _closed_case(counselor)
    client.force_login(counselor)
    html = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert "フォローアップを追加" not in html
    assert reverse("followups:create") not in html
    assert reverse("cases:case_note_add", kwargs={"pk": case.pk}) in html  # deliberate


def test_an_open_case_offers_a_follow_up(client, counselor):
    her = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=her, counselors=[counselor])
    client.force_login(counselor)
    html = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert "フォローアップを追加" in html
    # Label and value in one message: a full-width colon, the link kept.
    client_url = reverse("cases:client_detail", kwargs={"pk": her.pk})
    assert f'相談者：<a href="{client_url}">{her.nickname}</a>' in html
    assert f"担当相談員：{counselor}" in html and "優先度：" in html


@pytest.mark.parametrize("form_class", [CaseOpenForm, CaseAssignForm])
def test_case_teams_are_picked_from_counselors_only(form_class, counselor, supervisor):
    both = UserFactory(username="both", roles=[Role.COUNSELOR, Role.SUPERVISOR])
    UserFactory(username="gone", roles=[Role.COUNSELOR], is_active=False)
    offered = set(form_class().fields["counselors"].queryset)
    assert offered == {counselor, both}  # not the supervisor, not an inactive counselor


def test_the_admin_history_shows_local_times_labels_and_names(client, supervisor, counselor):
    her = ClientFactory(nickname="なずな", created_by=counselor)
    contact = datetime.datetime(2026, 12, 2, 6, 52, 16, 364848, tzinfo=datetime.UTC)
    with pghistory.context(user=supervisor.pk):
        Client.objects.filter(pk=her.pk).update(
            last_contact_at=contact, ward="271021", status=Client.Status.INACTIVE
        )
    client.force_login(supervisor)
    url = reverse("admin:cases_client_change", args=[her.pk])
    body = client.get(url).content.decode()
    # The history table says in a sentence who changed it (not pghistory's "update").
    history = body[body.index(f"{supervisor}が変更しました。") :]
    assert "2026年12月2日(水) 15:52" in history  # Japan time, Japanese format
    assert "06:52:16" not in history and "+00:00" not in history
    assert "最終相談日時：2026年12月2日(水) 15:52" in history
    assert "状態：休止中" in history  # choices by their label
    assert "居住区：都島区" in history and "271021" not in history
    assert str(supervisor) in history


# --- colons ---------------------------------------------------------------------------------


def _ja_catalogues() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(p for p in base.glob("*/locale/ja/LC_MESSAGES/django.po")) + [
        base / "locale/ja/LC_MESSAGES/django.po"
    ]


def _messages(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        found = re.search(r'^msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block + "\n", re.M)
        if found and "msgid_plural" not in block:
            msgid, msgstr = (
                "".join(json.loads(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', found.group(g)))
                for g in (1, 2)
            )
            if msgid:
                pairs.append((msgid, msgstr))
    return pairs


def test_japanese_catalogues_use_full_width_colons_after_labels():
    catalogues = _ja_catalogues()
    assert len(catalogues) >= 5  # cases, followups, notifications, openings, the project's
    ascii_colons = [
        (path.parent.parent.parent.parent.name, msgid, msgstr)
        for path in catalogues
        for msgid, msgstr in _messages(path)
        if re.search(r":(?!//)", msgstr)
    ]
    assert ascii_colons == []


def test_japanese_catalogues_are_complete():
    # A string moved from one app to another lands in a new catalogue untranslated (or marked
    # fuzzy with a wrong guess): the page would show English or the wrong Japanese.
    missing = [
        (path.parent.parent.parent.parent.name, msgid)
        for path in _ja_catalogues()
        for msgid, msgstr in _messages(path)
        if not msgstr
    ]
    # Plural forms too: `{% blocktranslate count %}` with an empty msgstr[0] shows English.
    missing += [
        (path.parent.parent.parent.parent.name, block.split("msgid_plural", 1)[0].strip())
        for path in _ja_catalogues()
        for block in path.read_text(encoding="utf-8").split("\n\n")
        if "msgid_plural" in block and re.search(r'^msgstr\[\d+\] ""\n(?!")', block + "\n", re.M)
    ]
    fuzzy = [
        path.parent.parent.parent.parent.name
        for path in _ja_catalogues()
        for block in path.read_text(encoding="utf-8").split("\n\n")[1:]
        if re.search(r"^#,.*\bfuzzy\b", block, re.M)
    ]
    assert (missing, fuzzy) == ([], [])
