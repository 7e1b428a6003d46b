"""The triage list against the labelled sample: precision and recall per category, printed,
and a floor under the suicidal category's recall.

Why 0.90 for `suicidal`: a missed suicidal message waits in the queue like any other, while a
false alarm costs a counselor a glance. The list is tuned for recall there; what it still
misses is wording with no risk word at all (明日が来なければいいのに), which only a person reads.
"""

from __future__ import annotations

import pathlib

import pytest

from linecare import selectors, triage

pytestmark = pytest.mark.django_db

SAMPLE = pathlib.Path(__file__).with_name("triage_sample.tsv")
# Written after the list was tuned on SAMPLE and never used to tune it: the honest figures.
HOLDOUT = pathlib.Path(__file__).with_name("triage_holdout.tsv")
SUICIDAL_RECALL_FLOOR = 0.90
# On the held-out messages the list found 10 of 15 suicidal ones when they were written
# (kana spellings of kanji expressions, 死ぬことばかり考えて, ロープを用意した): this floor
# only stops it getting worse; the gap is the list's to close, with a fresh held-out set.
HELD_OUT_SUICIDAL_RECALL_FLOOR = 0.66


def _sample(path: pathlib.Path = SAMPLE) -> list[tuple[set[str], str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        labels, text = line.split("\t", 1)
        rows.append((set() if labels == "-" else set(labels.split(",")), text))
    return rows


def scores(path: pathlib.Path = SAMPLE) -> dict[str, tuple[float, float, int, int, int]]:
    expressions = selectors.active_expressions()
    rows = _sample(path)
    out = {}
    for category in triage.PRIORITY:
        tp = fp = fn = 0
        for labels, text in rows:
            found = category in triage.match(text, expressions).categories
            tp += found and category in labels
            fp += found and category not in labels
            fn += (not found) and category in labels
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        out[category] = (precision, recall, tp, fp, fn)
    return out


def test_the_sample_is_large_and_mixed():
    rows = _sample()
    assert len(rows) >= 300
    assert sum(1 for labels, _ in rows if not labels) >= 150
    assert all(labels <= set(triage.PRIORITY) for labels, _ in rows)


def _print(title: str, found) -> None:
    print(f"\n{title}\ncategory     precision  recall   tp  fp  fn")
    for category, (p, r, tp, fp, fn) in found.items():
        print(f"{category:<12} {p:9.3f}  {r:6.3f}  {tp:3d} {fp:3d} {fn:3d}")


def test_precision_and_recall_per_category(capsys):
    found = scores()
    held_out = scores(HOLDOUT)
    with capsys.disabled():
        _print(f"triage sample ({len(_sample())} messages, the list tuned on it)", found)
        _print(f"held out ({len(_sample(HOLDOUT))} messages)", held_out)
    assert found["suicidal"][1] >= SUICIDAL_RECALL_FLOOR
    assert held_out["suicidal"][1] >= HELD_OUT_SUICIDAL_RECALL_FLOOR
    for category, (p, r, *_rest) in found.items():
        assert p >= 0.8 and r >= 0.8, category
