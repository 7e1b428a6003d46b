"""Risk triage: which categories her message touches, and the expressions that matched.

Both sides are keyed by `core.text.triage_key`. A match is dropped when

- an exception of its category covers it (死にたいくらい恥ずかしい around 死にたい);
- a negation follows it (死にたいわけじゃない, 消えたいとは思わない);
- it sits in a quotation named as a title (「死にたい」って曲, 『消えたい』という本).

Pure functions: the list comes from `selectors.active_expressions()`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.text import triage_key

# The order a conversation's one category is chosen in: the gravest first (domain.md order).
PRIORITY = ["suicidal", "self_harm", "violence", "no_home", "minor", "pregnancy"]

# What, right after a match, says she does not mean it (keyed as the message is).
_NEGATIONS = tuple(
    triage_key(n)
    for n in (
        "わけじゃ",
        "わけでは",
        "わけない",
        "ってわけじゃ",
        "って訳じゃ",
        "ってわけでは",
        "訳じゃ",
        "訳では",
        "とは思わ",
        "とは思ってな",
        "って思ってな",
        "とか思ってな",
        "なんて思わ",
        "なんて思ってな",
        "ほどじゃ",
        "ほどでは",
        "とかじゃな",
        "気持ちはな",
        "気持ちはもうな",
        "ことはな",
        "ことはもうな",
        "とは全然",
        "とかは思わ",
        "とは一度も",
    )
)
_NEGATION_REACH = 12

# A quotation followed by what names a title or a word, not her own wish.
_QUOTED_TITLE = re.compile(
    r"[「『\"“](?P<quoted>[^」』\"”]{1,40})[」』\"”]\s*(?:って|という|っていう|の|とか)?\s*"
    r"(?:曲|歌|歌詞|映画|ドラマ|漫画|マンガ|本|小説|アニメ|タイトル|ゲーム|台詞|セリフ|言葉|ワード|検索)"
)


@dataclass(frozen=True)
class Expression:
    category: str
    phrase: str
    key: str
    exception: bool = False


@dataclass
class Result:
    categories: list[str] = field(default_factory=list)  # PRIORITY order
    words: list[str] = field(default_factory=list)  # the phrases that matched, once each

    def __bool__(self) -> bool:
        return bool(self.categories)

    @property
    def category(self) -> str:
        return self.categories[0] if self.categories else ""


def _spans(key: str, needle: str) -> Iterable[tuple[int, int]]:
    start = key.find(needle)
    while start != -1:
        yield start, start + len(needle)
        start = key.find(needle, start + 1)


def _unquoted(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return _QUOTED_TITLE.sub(lambda m: m.group(0).replace(m.group("quoted"), " "), text)


def match(text: str, expressions: Iterable[Expression]) -> Result:
    key = triage_key(_unquoted(text or ""))
    result = Result()
    if not key:
        return result
    expressions = list(expressions)
    covered: dict[str, list[tuple[int, int]]] = {}
    for e in expressions:
        if e.exception and e.key:
            covered.setdefault(e.category, []).extend(_spans(key, e.key))
    found: dict[str, list[str]] = {}
    for e in expressions:
        if e.exception or not e.key:
            continue
        for start, end in _spans(key, e.key):
            if any(s <= start and end <= t for s, t in covered.get(e.category, ())):
                continue
            after = key[end : end + _NEGATION_REACH]
            if any(after.startswith(n) for n in _NEGATIONS):
                continue
            found.setdefault(e.category, [])
            if e.phrase not in found[e.category]:
                found[e.category].append(e.phrase)
            break
    result.categories = [c for c in PRIORITY if c in found]
    result.words = [w for c in result.categories for w in found[c]]
    return result
