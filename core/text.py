"""Text helpers shared by every app: the search key of a Japanese name.

`search_key(text)` is what name search compares, on both sides: the stored key of a nickname
(`cases.Client.nickname_key`, kept by the client services) and the key of what was typed. Two
spellings a counselor would call the same name get the same key:

- width and compatibility forms (NFKC): ＹＵＫＩ → YUKI, ｽﾐﾚ → スミレ, ｶﾞ → ガ, ０９０ → 090;
- case (casefold): YUKI → yuki;
- katakana → hiragana: スミレ → すみれ, ヴ → ゔ;
- small kana → large: ゆっこ → ゆつこ, しょうこ → しようこ, ぁ → あ;
- the long-vowel mark, whichever dash or wave is typed for it after a kana (ー ｰ - ‐ − ― 〜 ～),
  becomes the vowel it stands for: ユーカ → ゆうか, レーナ → れいな, トーコ → とうこ (an o-row
  sound is lengthened with う and an e-row one with い, as names are spelled in hiragana);
- spaces of any width are dropped: "ゆ か" → ゆか; a voicing mark typed apart joins its kana
  (カ゛ → が).

What it does not do: read kanji (桜 is not さくら), or guess a lengthening spelled otherwise
(トール is とうる, so とおる does not match it); a fragment that starts with the long-vowel
mark (ーか) has no kana before it to tell its vowel, and matches only a stored ー.

Anything else (kanji, symbols, emoji, Latin letters beyond case) is kept as NFKC gives it. The
key is for matching only, never shown. Changing this function changes every stored key: a
migration must then recompute them (as cases/migrations/0008 did when the key was added).
`key_grams(key)` lists its 1- and 2-character pieces, stored beside it for the index;
`search_grams(fragment_key)` is what a search asks of them.

Later users (the LINE triage matching a display name to a client) call the same function, so a
name matches the same way everywhere.
"""

from __future__ import annotations

import unicodedata

# Katakana ァ (U+30A1) .. ヶ (U+30F6) sit 0x60 above their hiragana.
_KATAKANA_FIRST, _KATAKANA_LAST, _KANA_OFFSET = 0x30A1, 0x30F6, 0x60

# Small kana → large, after katakana became hiragana (ゕ ゖ are the hiragana of ヵ ヶ; the
# small katakana of Ainu, ㇰ .. ㇿ, have no hiragana and map straight to the large kana).
_SMALL_TO_LARGE = str.maketrans(
    "ぁぃぅぇぉっゃゅょゎゕゖㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "あいうえおつやゆよわかけくしすとぬはひふへほむらりるれろ",
)

# What people type for the long-vowel mark ー after a kana (NFKC has already made ｰ ー, and
# full-width －, ～ the ASCII - and ~): hyphens, dashes, minus signs, waves.
_LONG_VOWEL_MARKS = frozenset("ー-‐‑‒–—―−~〜〰")

# The vowel a kana ends on, as the long-vowel mark after it is written in hiragana.
_VOWEL_AFTER: dict[str, str] = {}
for _vowel, _row in (
    ("あ", "あかがさざただなはばぱまやらわ"),
    ("い", "いきぎしじちぢにひびぴみり"),
    ("う", "うくぐすずつづぬふぶぷむゆるゔ"),
    ("い", "えけげせぜてでねへべぺめれ"),  # けい, れいな: an e-row sound lengthened with い
    ("う", "おこごそぞとどのほぼぽもよろを"),  # とうこ, ようこ: an o-row one with う
):
    _VOWEL_AFTER.update(dict.fromkeys(_row, _vowel))


def _is_kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f" or "\u30a0" <= ch <= "\u30ff"


def search_key(text: str | None) -> str:
    """The form of `text` that name search compares (see the module's docstring)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text or "").casefold())
    # Without the spaces, a voicing mark typed apart (カ゛, which NFKC leaves as カ, space, ゛)
    # joins its kana.
    folded = unicodedata.normalize("NFC", "".join(ch for ch in folded if not ch.isspace()))
    out: list[str] = []
    for ch in folded:
        if _KATAKANA_FIRST <= ord(ch) <= _KATAKANA_LAST:
            ch = chr(ord(ch) - _KANA_OFFSET)
        ch = ch.translate(_SMALL_TO_LARGE)
        if ch in _LONG_VOWEL_MARKS and out and _is_kana(out[-1]):
            ch = _VOWEL_AFTER.get(out[-1], "ー")
        out.append(ch)
    return "".join(out)


def key_grams(key: str) -> list[str]:
    """Every 1- and 2-character piece of a search key, once each, sorted: what is stored
    beside a key so that a GIN index can find a fragment of any length (a trigram index
    cannot serve one or two characters)."""
    return sorted({key[i : i + n] for n in (1, 2) for i in range(len(key) - n + 1)})


def search_grams(key: str) -> list[str]:
    """What a search for the fragment `key` (already a search key) asks of the stored
    `key_grams`: the fragment itself when it is one or two characters long (a stored key
    contains it exactly when it holds that gram), else its 2-character pieces (every key
    containing the fragment holds them all; the caller still checks the fragment itself, as
    the pieces may sit apart). Sorted, so the query text is stable."""
    if len(key) <= 2:
        return [key] if key else []
    return sorted({key[i : i + 2] for i in range(len(key) - 1)})


# Emoji that say a risk word on their own, read as that word before matching; every other
# emoji, symbol, punctuation mark and space is dropped, so "死 に た い", "死.に.た.い" and
# "死🙏にたい" read as 死にたい.
_EMOJI_WORDS = {
    "🔪": "刃物",
    "🗡": "刃物",
    "💊": "薬",
    "🩸": "血",
    "🤰": "妊娠",
    "🤰🏻": "妊娠",
    "👊": "殴",
    "🤛": "殴",
    "🤜": "殴",
    "🪢": "首吊り",
    "⚰": "死",
    "💀": "死",
}


def _droppable(ch: str) -> bool:
    # Punctuation (P*), symbols (S*: emoji, ☆, ♪, ー is Lm and stays), separators (Z*) and
    # format/control characters (ZWJ, variation selectors, skin tones are Sk/Cf/Mn).
    category = unicodedata.category(ch)
    return category[0] in "PSZC" or (category == "Mn" and 0xFE00 <= ord(ch) <= 0xFE0F)


def triage_key(text: str | None) -> str:
    """The form of `text` that the LINE risk triage compares, on both sides (the expression
    list and her message): `search_key` (width, case, katakana, small kana, long vowels,
    spaces), plus

    - a few emoji that carry a risk word on their own become that word (🔪 → 刃物, 💊 → 薬,
      🤰 → 妊娠, 👊 → 殴, 💀 → 死);
    - every other emoji, symbol, punctuation mark and invisible character is dropped, even
      inside a word: 死.に.た.い, 死〜にたい (after a kana 〜 is a long vowel, so it stays as
      the vowel: しーにたい is not しにたい), 死🙏にたい, 消え・たい → the same key;
    - a long-vowel mark that `search_key` could not read (after a kanji) is dropped, and a
      vowel that only lengthens the kana before it is dropped too, so a drawn-out word keys
      as the plain one: しにたーい, しにたぁぁい, しにたいいい → しにたい (both sides are keyed
      alike, so せいり → せり harms no match).

    Quotation marks are dropped too: the triage handles quotations before keying.
    """
    text = text or ""
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    out: list[str] = []
    for ch in search_key(text):
        if ch == "ー" or _droppable(ch):
            continue
        if ch in "あいうえお" and out and _VOWEL_AFTER.get(out[-1]) == ch:
            continue
        out.append(ch)
    return "".join(out)
