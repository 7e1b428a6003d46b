"""Accessibility smoke tests on the shared shell and the sign-in forms.

Every visible form control has a label, errors are tied to their field (aria-invalid plus
aria-describedby pointing at the message), and a skip link leads to the main content.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    """Just enough of the DOM for these checks: every element, its attributes and text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.attrs.get("id") == element_id), None)

    def controls(self) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag in CONTROLS and e.attrs.get("type", "text") not in UNLABELLED_INPUT_TYPES
        ]

    def label_for(self, control: Element) -> str:
        control_id = control.attrs.get("id", "")
        for element in self.elements:
            if element.tag == "label" and control_id and element.attrs.get("for") == control_id:
                return element.text.strip()
        return control.attrs.get("aria-label", "").strip()


def assert_every_control_is_labelled(page: Page) -> None:
    controls = page.controls()
    assert controls
    for control in controls:
        assert page.label_for(control), f"no label for {control.attrs}"


def assert_errors_are_tied_to_fields(page: Page, names: list[str]) -> None:
    for name in names:
        control = next(e for e in page.controls() if e.attrs.get("name") == name)
        assert control.attrs.get("aria-invalid") == "true", name
        described_by = control.attrs.get("aria-describedby", "").split()
        messages = [page.by_id(i) for i in described_by]
        error_texts = [m.text.strip() for m in messages if m is not None and m.text.strip()]
        assert error_texts, f"{name}: no error message referenced by aria-describedby"


def assert_skip_link(page: Page) -> None:
    links = [e for e in page.elements if e.tag == "a" and e.attrs.get("href", "").startswith("#")]
    skip = links[0]
    assert skip is next(e for e in page.elements if e.tag == "a"), "skip link must come first"
    target = page.by_id(skip.attrs["href"][1:])
    assert target is not None and target.tag == "main"
    assert skip.text.strip() == "本文へスキップ"


def test_login_page_labels_and_skip_link(client):
    page = Page(client.get(reverse("accounts:login")).content.decode())

    assert_every_control_is_labelled(page)
    assert page.label_for(page.by_id("id_username")).startswith("ユーザー名")
    assert page.label_for(page.by_id("id_password")).startswith("パスワード")
    assert page.label_for(page.by_id("language-select")) == "言語"
    assert_skip_link(page)
    assert page.by_id("id_username").attrs.get("autocomplete") == "username"
    assert page.by_id("id_password").attrs.get("autocomplete") == "current-password"


def test_login_field_errors_are_tied_to_their_fields(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})

    page = Page(response.content.decode())
    assert_errors_are_tied_to_fields(page, ["username", "password"])
    assert "このフィールドは必須です。" in page.by_id("id_username_error").text


def test_wrong_password_error_is_announced(client, counselor):
    response = client.post(
        reverse("accounts:login"), {"username": counselor.username, "password": "nope-nope-1"}
    )

    page = Page(response.content.decode())
    alerts = [e for e in page.elements if e.attrs.get("role") == "alert"]
    assert len(alerts) == 1
    assert "正しいユーザー名とパスワードを入力してください。" in alerts[0].text


def test_password_change_errors_are_tied_to_their_fields(client, counselor, password):
    client.force_login(counselor)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "12345678", "new_password2": "1234"},
    )

    page = Page(response.content.decode())
    assert_every_control_is_labelled(page)
    assert_errors_are_tied_to_fields(page, ["old_password", "new_password2"])
    assert_skip_link(page)


def test_signed_in_shell_is_navigable(client, counselor):
    client.force_login(counselor)

    page = Page(client.get(reverse("accounts:profile")).content.decode())

    assert_every_control_is_labelled(page)
    assert_skip_link(page)
    nav = next(e for e in page.elements if e.tag == "nav")
    assert nav.attrs.get("aria-label") == "メインナビゲーション"
    menu = page.by_id("user-menu")
    assert menu.attrs.get("role") == "button"
    assert menu.attrs.get("aria-expanded") == "false"
    logout = [e for e in page.elements if e.tag == "button" and "ログアウト" in e.text]
    assert logout, "log out is a real button (a POST form)"
