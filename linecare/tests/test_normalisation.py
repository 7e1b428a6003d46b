"""The triage key folds every variant class the issue names, and the matcher's negation,
quotation and exception handling."""

from __future__ import annotations

import pytest

from core.text import triage_key
from linecare.triage import Expression, match


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("ｼﾆﾀｲ", "しにたい"),  # half-width katakana (NFKC)
        ("シニタイ", "しにたい"),  # katakana → hiragana
        ("ＤＶ", "dv"),  # full-width Latin, case
        ("しにたーい", "しにたい"),  # long-vowel mark
        ("しにたぁぁい", "しにたい"),  # small kana drawn out
        ("死にたいいいい", "死にたい"),  # repeated vowel
        ("死 に た い", "死にたい"),  # spaces inside the word
        ("殴ら　れた", "殴られた"),  # an ideographic space
        ("死.に.た.い", "死にたい"),  # symbols inside the word
        ("消え・たい", "消えたい"),
        ("死🙏にたい", "死にたい"),  # an emoji inside the word
        ("死にたい‼️", "死にたい"),  # emoji with a variation selector
        ("🔪", "刃物"),  # an emoji that says a word
        ("👊された", "殴された"),
        ("🤰かも", "妊娠かも"),
    ],
)
def test_each_variant_keys_as_the_plain_word(variant, plain):
    assert triage_key(variant) == triage_key(plain)


def _list(*rows: tuple[str, str, bool]) -> list[Expression]:
    return [Expression(c, p, triage_key(p), exception=x) for c, p, x in rows]


LIST = _list(
    ("suicidal", "死にたい", False),
    ("suicidal", "死にたいくらい恥ずかし", True),
    ("violence", "殴られ", False),
)


def test_a_match_names_its_category_and_words():
    result = match("夫に殴られて、もう死にたい", LIST)
    assert result.categories == ["suicidal", "violence"] and result.category == "suicidal"
    assert result.words == ["死にたい", "殴られ"]


@pytest.mark.parametrize(
    "text",
    [
        "死にたいわけじゃないけど",
        "死にたいとは思わない",
        "もう死にたいなんて思わない",
        "死にたいって訳じゃない",
        "「死にたい」って曲を聴いた",
        "『死にたい』という本",
        "死にたいくらい恥ずかしかった",
    ],
)
def test_negations_quotations_and_exceptions_do_not_match(text):
    assert not match(text, LIST)


def test_a_negated_match_does_not_hide_another_one():
    assert match("死にたいわけじゃない。でも死にたい", LIST).categories == ["suicidal"]
