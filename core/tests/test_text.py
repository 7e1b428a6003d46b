"""The search key of a name: the spellings a counselor would call the same name match."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.text import key_grams, search_grams, search_key

# Names as people type them: kana of both kinds, half- and full-width letters and digits.
NAME_CHARS = st.sampled_from(
    "あいうえおかきくけこさしすせそやゆよわんがぎぱぁぃっゃゅょ"
    "アイウエオカキクケコサシスセソヤユヨワンガギパァィッャュョヴ"
    "ｱｲｳｴｵｶｷｸｹｺ"
    "abcXYZａｂｃＸＹＺ0１2 　"
)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("スミレ", "すみれ"),  # katakana and hiragana
        ("ユカリ", "ゆかり"),
        ("ｽﾐﾚ", "すみれ"),  # half-width katakana
        ("ｶﾞｰﾍﾞﾗ", "ガーベラ"),  # half-width voiced marks and long-vowel mark
        ("ＹＵＫＩ", "yuki"),  # full-width Latin, and case
        ("Yuki", "YUKI"),
        ("ユッコ", "ゆっこ"),  # small kana
        ("ショーコ", "しょうこ"),  # small kana and a long o
        ("ユーカ", "ゆうか"),  # a long u
        ("レーナ", "れいな"),  # a long e, spelled with い
        ("サーヤ", "さあや"),  # a long a
        ("ゆかり〜", "ユカリー"),  # a wave typed for the long-vowel mark
        ("ゆかりｰ", "ゆかり－"),  # half-width ｰ and a full-width hyphen-minus
        ("ゆ か り", "ゆかり"),  # spaces, ASCII or ideographic
        ("ゆ　かり", "ゆかり"),
        ("カ゛ー", "がー"),  # a voicing mark typed apart joins its kana
        ("ヴィ", "ゔぃ"),
    ],
)
def test_spellings_of_one_name_share_a_key(typed, stored):
    assert search_key(typed) == search_key(stored)


@pytest.mark.parametrize(
    "one, other",
    [
        ("ゆき", "ゆぎ"),  # voicing changes the name
        ("はな", "ぱな"),
        ("ゆか", "ゆかり"),
        ("さくら", "桜"),  # no reading of kanji
    ],
)
def test_different_names_keep_different_keys(one, other):
    assert search_key(one) != search_key(other)


def test_the_key_is_hiragana_casefolded_without_spaces():
    assert search_key("  サクラ Ｋ ") == "さくらk"
    assert search_key("匿名化済み No.5") == "匿名化済みno.5"
    assert search_key("♪") == "♪"
    assert search_key("") == "" and search_key(None) == ""


def test_a_dash_is_a_long_vowel_only_after_a_kana():
    assert search_key("a-b") == "a-b"
    assert search_key("ん〜") == "んー"  # no vowel to lengthen: the mark itself
    assert search_key("ー") == "ー"


def test_the_pieces_of_a_key_are_its_one_and_two_character_substrings():
    assert key_grams("ゆかり") == ["か", "かり", "ゆ", "ゆか", "り"]
    assert key_grams("ゆゆ") == ["ゆ", "ゆゆ"]
    assert key_grams("a") == ["a"] and key_grams("") == []


@given(st.text(NAME_CHARS, max_size=12), st.data())
def test_a_fragment_asks_only_for_pieces_of_every_key_containing_it(name, data):
    key = search_key(name)
    start = data.draw(st.integers(0, len(key)))
    fragment = key[start : data.draw(st.integers(start, len(key)))]
    assert set(search_grams(fragment)) <= set(key_grams(key))


def test_grams_of_a_fragment():
    assert search_grams("さ") == ["さ"]
    assert search_grams("さく") == ["さく"]
    assert search_grams("さくら") == ["くら", "さく"]
    assert search_grams("ゆゆゆ") == ["ゆゆ"]
    assert search_grams("") == []


@given(st.text(NAME_CHARS, max_size=12))
def test_the_key_of_a_key_is_itself(name):
    assert search_key(search_key(name)) == search_key(name)


@given(st.text(NAME_CHARS, max_size=12), st.data())
def test_a_piece_of_a_name_keys_to_a_piece_of_its_key(name, data):
    """What makes fragment search work: the key of any part of a name (without long-vowel
    marks, whose meaning depends on the kana before them) lies inside the name's key."""
    start = data.draw(st.integers(0, len(name)))
    end = data.draw(st.integers(start, len(name)))
    assert search_key(name[start:end]) in search_key(name)
