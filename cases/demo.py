"""Demo clients and their records: a fictitious FY2022 (令和4年度), at the report's volumes.

Registered as the "cases" demo seeder (`cases/extensions.py`), after "accounts" (the demo
staff) and "openings" (the FY2022 calendar). Everything here is invented: nicknames are common
LINE display names, LINE user ids are random hex. The numbers follow the FY2022 report
(1,424 friends, 1,081 LINE consultations over the 105 openings, legal 23 and health 21 expert
consultations).

`demo_plan()` is a pure function of (seed, scale, openings, now): same inputs, same plan, so
two databases seeded with the same seed hold the same data. `demo_write()` turns a plan into
rows with PostgreSQL COPY (seconds for the default scale, well under a minute for --scale
100). Later seeders (follow-ups) find the plan and its ids in `ctx.shared["cases"]`.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pgtrigger
from django.db.models import Model, Q, QuerySet

from accounts.demo import COUNSELORS, HEALTH_EXPERT, LEGAL_EXPERT, SUPERVISOR, demo_users
from core.choices import Ward
from core.demo import (
    copy_links,
    copy_rows,
    delete_rows,
    history_of,
    reserve_ids,
    start_copy,
    trigger_uris,
)
from core.registry import DemoContext
from core.time import TOKYO
from openings.demo import FY_END, FY_START
from openings.models import Channel, Opening

from .models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Client,
    ClientMerge,
    Consultation,
    RiskFlag,
    SupportAction,
    SupportGoal,
    nickname_search_columns,
)

UTC = datetime.UTC

# FY2022 report volumes at --scale 1.
BASE_CLIENTS = 1424
BASE_LINE = 1081
BASE_LEGAL = 23
BASE_HEALTH = 21
CASE_SHARE = 0.08  # about one friend in twelve gets continued accompaniment (伴走支援)
NEW_CLIENT_SHARE = 0.55  # a LINE consultation by someone who has not consulted before

# Common LINE display names; many women share one, as in real life.
NICKNAMES = tuple(
    """
    はな ゆき みー あや さき まい りん もも なな ゆい あおい めい ひかり みき さくら かな ちー
    まゆ あず りさ えみ のん ゆず こはる みお しお ちひろ なつ はる あき ふゆ まり ゆかり けい
    るな れな あん ここ うさぎ ねこ くま みかん いちご そら つき ほし うみ ぴよ まる ゆっこ
    さっちゃん あーちゃん みっちゃん なお よう ひろ かおり まな ルル ミミ ナナ リリ ユウ アヤ
    サラ にこ すず あめ ゆめ こころ みゆ ゆうな ゆな ひな K M yu hana mi ♪ 匿名 なし わたし
    """.split()
)


def _weights(spec: str) -> tuple[tuple[str, ...], list[float]]:
    """ "code=weight code=weight ..." as values and cumulative weights for `_pick`."""
    pairs = [item.split("=") for item in spec.split()]
    return tuple(v for v, _ in pairs), list(itertools.accumulate(float(w) for _, w in pairs))


# Distributions: plausible for a LINE service used mostly by young women; not real statistics.
AGE_BANDS = _weights("u19=12 20s=31 30s=21 40s=15 50s=7 60plus=2 unknown=12")
EMPLOYMENT = _weights("regular=15 non_regular=25 self_employed=3 student=17 none=15 unknown=25")
HOUSEHOLD = _weights("alone=25 parents=25 spouse=15 single_parent=10 other=5 unknown=20")
HEARD_FROM = _weights(
    "sns_ad=40 search=18 school=8 ward_office=6 friend=7 leaflet=8 product_site=8 other=5"
)
# Larger wards (by population) a little more often; a fifth do not say, some live outside.
_BIG_WARDS = {"271268", "271233", "271144", "271209", "271187", "271225", "271276"}
WARDS = _weights(
    " ".join(
        f"{w}={3 if w in _BIG_WARDS else 2}" for w in Ward.values if w not in ("outside", "unknown")
    )
    + " outside=8 unknown=20"
)
LINE_CONCERNS = _weights(
    "health=20 relationships=18 family=16 economic=12 dv_spouse=8 other=8 violence_family=5 "
    "sexual=5 violence_partner=4 housing=4"
)
LEGAL_CONCERNS = _weights("family=40 dv_spouse=20 economic=20 sexual=10 other=10")
HEALTH_CONCERNS = _weights("health=80 sexual=10 other=10")
TOPICS_BY_CONCERN: dict[str, tuple[str, ...]] = {
    "dv_spouse": ("mental", "childcare", "poverty", "isolation"),
    "violence_family": ("mental", "isolation", "school"),
    "violence_partner": ("mental", "sexual_harm", "isolation"),
    "family": ("childcare", "mental", "poverty", "isolation"),
    "sexual": ("sexual_harm", "mental", "body", "pregnancy"),
    "relationships": ("isolation", "mental", "work", "school"),
    "health": ("mental", "body", "pregnancy", "isolation"),
    "economic": ("poverty", "work", "debt", "period_products"),
    "housing": ("poverty", "isolation", "work"),
    "other": ("other", "isolation", "school", "period_products"),
}
OUTCOMES = _weights("information=50 none=30 referral=10 products=8 accompaniment=5")
CLOSE_REASONS = _weights(
    "resolved=35 connected=30 lost_contact=20 client_request=8 moved=5 other=2"
)
CONTACT_KINDS = _weights("phone=5 visit=3 outreach=2")
HIGH_RISK = {k.value for k in RiskFlag.HIGH_RISK}

SUMMARIES: dict[str, tuple[str, ...]] = {
    "dv_spouse": (
        "夫からの暴言が続き、家にいるのがつらい。",
        "夫に手をあげられた。別居を考えている。",
    ),
    "violence_family": (
        "親からの暴力があり、家に帰りたくない。",
        "きょうだいからの暴力に悩んでいる。",
    ),
    "violence_partner": ("交際相手に束縛され、連絡を強要される。", "別れ話をしたら怒鳴られた。"),
    "family": (
        "離婚について考えているが、何から始めればよいかわからない。",
        "親の介護と家事で疲れている。",
    ),
    "sexual": ("元交際相手からのつきまといが続いている。", "性被害のことを誰にも話せずにいた。"),
    "relationships": ("職場の人間関係がつらい。", "友人がいなくて孤独を感じる。"),
    "health": ("眠れない日が続き、気持ちが落ち込んでいる。", "妊娠したかもしれず不安。"),
    "economic": (
        "家賃の支払いが難しく、生活費のやりくりに困っている。",
        "仕事が減って収入がない。",
    ),
    "housing": ("家を出たが、行く先がない。", "住むところを探している。"),
    "other": ("誰かに話を聞いてほしかった。", "生理用品が買えず困っている。"),
}
CASE_TITLES: dict[str, str] = {
    "dv_spouse": "DV被害からの安全確保",
    "violence_family": "家族からの暴力への対応",
    "violence_partner": "交際相手からの暴力への対応",
    "family": "離婚・家族問題の整理",
    "sexual": "性被害・つきまといへの対応",
    "relationships": "人間関係の悩みの整理",
    "health": "心身の健康の回復",
    "economic": "生活再建の支援",
    "housing": "住まいの確保",
    "other": "継続的な見守り",
}
NOTES = (
    "本人の気持ちを丁寧に聴き取った。次回も同じ曜日に連絡を取ることで合意。",
    "区役所の生活困窮者自立支援窓口について情報提供した。",
    "本人の同意を得て、連携先への相談内容の共有を検討。",
    "体調がすぐれないとのこと。無理をしないよう伝え、受診先を一緒に確認した。",
    "前回の面談以降、状況は落ち着いている様子。",
    "同行支援の日程を調整した。",
    "生理用品を手渡し、配布先の案内をした。",
    "ケース会議で支援方針を確認した。",
)
GOALS = (
    "安心して暮らせる住まいを確保する",
    "生活費の見通しを立てる",
    "心身の不調について受診につなげる",
    "安全な連絡手段を確保する",
    "必要な制度（生活保護・児童扶養手当など）の申請につなげる",
    "話せる相手・居場所を増やす",
)
ACTIONS = (
    "区役所への同行",
    "生活保護の申請書類の準備を手伝う",
    "女性相談支援センターへの連絡",
    "医療機関の予約を一緒に取る",
    "ハローワークの求人情報を調べる",
    "フードパントリーの利用案内",
    "ピアサポートの案内",
)
RISK_NOTES: dict[str, str] = {
    "suicidal": "「消えたい」との発言あり",
    "dv_danger": "暴力による身体の危険あり",
    "no_home": "帰る家がない",
    "stalking": "元交際相手のつきまとい",
    "trafficking": "意に反する仕事を強要されている可能性",
    "minor": "高校生",
    "pregnant": "妊娠中（本人申告）",
}


# --- the plan: rows with local references (list positions), no database ids ---------------


@dataclass(slots=True)
class PClient:
    nickname: str
    line_user_id: str
    age_band: str
    ward: str
    employment: str
    household: str
    heard_from: str
    first_contact_at: datetime.datetime
    status: str = Client.Status.ACTIVE
    consent_scope: str = Client.ConsentScope.NONE
    consent_given_on: datetime.date | None = None
    consent_recorded_by: str | None = None
    counselors: list[str] = field(default_factory=list)
    consultations: list[int] = field(default_factory=list)


@dataclass(slots=True)
class PConsultation:
    client: int
    kind: str
    channel_opening: tuple[str, int] | None  # (channel, index into that channel's openings)
    started_at: datetime.datetime
    ended_at: datetime.datetime
    counselors: list[str]
    main_concern: str
    topics: list[str]
    established: bool
    summary: str
    outcomes: list[str]
    follow_up_needed: bool
    case: int | None = None


@dataclass(slots=True)
class PRiskFlag:
    client: int
    kind: str
    set_by: str
    set_at: datetime.datetime
    cleared_at: datetime.datetime | None
    cleared_by: str | None


@dataclass(slots=True)
class PCase:
    client: int
    opened_from: int
    counselors: list[str]
    status: str
    priority: int
    title: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    close_reason: str
    # Until when she is accompanied in the demo: the closing, else the year's end (or now).
    ends_at: datetime.datetime


@dataclass(slots=True)
class PEvent:
    case: int
    kind: str
    actor: str
    at: datetime.datetime
    before: dict
    after: dict
    note: str = ""


@dataclass(slots=True)
class PNote:
    case: int
    author: str
    body: str
    created_at: datetime.datetime


@dataclass(slots=True)
class PGoal:
    case: int
    text: str
    created_by: str
    created_at: datetime.datetime
    achieved_at: datetime.datetime | None


@dataclass(slots=True)
class PAction:
    case: int
    goal: int
    description: str
    owner: str
    due_on: datetime.date
    done_at: datetime.datetime | None
    created_at: datetime.datetime


@dataclass(slots=True)
class PClosure:
    case: int
    reason: str
    requested_by: str
    requested_at: datetime.datetime
    state: str
    decided_at: datetime.datetime | None


@dataclass
class DemoPlan:
    clients: list[PClient] = field(default_factory=list)
    consultations: list[PConsultation] = field(default_factory=list)
    risk_flags: list[PRiskFlag] = field(default_factory=list)
    cases: list[PCase] = field(default_factory=list)
    events: list[PEvent] = field(default_factory=list)
    notes: list[PNote] = field(default_factory=list)
    goals: list[PGoal] = field(default_factory=list)
    actions: list[PAction] = field(default_factory=list)
    closures: list[PClosure] = field(default_factory=list)

    def digest(self) -> str:
        """A fingerprint of the plan: equal plans, equal digests (used by the tests)."""
        h = hashlib.sha256()
        for c in self.clients:
            h.update(f"{c.nickname}|{c.line_user_id}|{c.age_band}|{c.ward}|{c.status}\n".encode())
        for k in self.consultations:
            h.update(f"{k.client}|{k.kind}|{k.started_at.isoformat()}|{k.main_concern}\n".encode())
        for case in self.cases:
            h.update(f"{case.client}|{case.status}|{case.opened_at.isoformat()}\n".encode())
        return h.hexdigest()


Span = tuple[datetime.datetime, datetime.datetime]


def _pick(rng: random.Random, table: tuple[tuple[str, ...], list[float]]) -> str:
    values, cum = table
    return values[bisect.bisect(cum, rng.random() * cum[-1])]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split over `parts` with some variation (busy and quiet openings); sums exactly."""
    if parts == 0:
        return []
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    counts = [int(r) for r in raw]
    # Largest remainders take the rest, ties broken by position: deterministic.
    order = sorted(range(parts), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def demo_plan(
    *,
    seed: int,
    scale: int,
    line_openings: Sequence[Span],
    legal_openings: Sequence[Span],
    health_openings: Sequence[Span],
    now: datetime.datetime,
) -> DemoPlan:
    """The whole demo year as plain rows. Pure: depends only on its arguments."""
    rng = random.Random(seed)
    plan = DemoPlan()
    # Day-granular "now": reruns on the same day plan the same follow-ups.
    today = now.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    fy_seconds = int((FY_END - FY_START).total_seconds())

    # 1. LINE friends, in the order they added the account.
    starts = sorted(rng.randrange(fy_seconds) for _ in range(BASE_CLIENTS * scale))
    seen_ids: set[str] = set()
    for offset in starts:
        line_user_id = f"U{rng.getrandbits(128):032x}"
        while line_user_id in seen_ids:  # astronomically unlikely; keeps the constraint safe
            line_user_id = f"U{rng.getrandbits(128):032x}"
        seen_ids.add(line_user_id)
        plan.clients.append(
            PClient(
                nickname=rng.choice(NICKNAMES),
                line_user_id=line_user_id,
                age_band=_pick(rng, AGE_BANDS),
                ward=_pick(rng, WARDS),
                employment=_pick(rng, EMPLOYMENT),
                household=_pick(rng, HOUSEHOLD),
                heard_from=_pick(rng, HEARD_FROM),
                first_contact_at=(FY_START + datetime.timedelta(seconds=offset)).astimezone(UTC),
            )
        )
    first_contacts = [c.first_contact_at for c in plan.clients]
    waiting: list[int] = []  # friends who have not consulted yet
    consulted: list[int] = []
    next_friend = 0

    def client_for(at: datetime.datetime, new_share: float) -> int:
        nonlocal next_friend
        upto = bisect.bisect_right(first_contacts, at)
        waiting.extend(range(next_friend, upto))
        next_friend = max(next_friend, upto)
        if waiting and (not consulted or rng.random() < new_share):
            i = rng.randrange(len(waiting))
            waiting[i], waiting[-1] = waiting[-1], waiting[i]
            index = waiting.pop()
            consulted.append(index)
            return index
        if not consulted:  # nobody befriended yet: the first friend consults early
            consulted.append(0)
            return 0
        if rng.random() < 0.5:  # someone who consulted recently
            return consulted[-1 - rng.randrange(min(len(consulted), 200 * scale))]
        return rng.choice(consulted)

    def consultation(
        *,
        client: int,
        kind: str,
        opening: tuple[str, int] | None,
        span: Span,
        staff: Sequence[str],
        concerns: tuple[tuple[str, ...], list[float]],
        max_minutes: int = 90,
    ) -> int:
        window = int((span[1] - span[0]).total_seconds() // 60)
        established = kind != Consultation.Kind.LINE or rng.random() < 0.88
        minutes = int(rng.triangular(15, max_minutes, 40)) if established else rng.randint(5, 15)
        minutes = min(minutes, window)
        started = span[0] + datetime.timedelta(minutes=rng.randint(0, window - minutes))
        concern = _pick(rng, concerns)
        topics = (
            sorted(set(rng.sample(TOPICS_BY_CONCERN[concern], rng.randint(1, 3))))
            if established
            else []
        )
        outcomes = [_pick(rng, OUTCOMES)] if established else ["none"]
        if established and "period_products" in topics and "products" not in outcomes:
            outcomes.append("products")
        counselors = [rng.choice(staff)]
        if kind == Consultation.Kind.LINE and rng.random() < 0.1:  # training pairs
            second = rng.choice(staff)
            if second != counselors[0]:
                counselors.append(second)
        plan.consultations.append(
            PConsultation(
                client=client,
                kind=kind,
                channel_opening=opening,
                started_at=started.astimezone(UTC),
                ended_at=(started + datetime.timedelta(minutes=minutes)).astimezone(UTC),
                counselors=counselors,
                main_concern=concern,
                topics=topics,
                established=established,
                summary=rng.choice(SUMMARIES[concern]) if established else "途中で返信が途絶えた。",
                outcomes=outcomes,
                follow_up_needed=established and rng.random() < 0.1,
            )
        )
        return len(plan.consultations) - 1

    # 2. LINE consultations, opening by opening (2–3 counselors on shift each time).
    per_opening = _split(rng, BASE_LINE * scale, len(line_openings))
    expert_days = [
        (
            Consultation.Kind.LEGAL,
            "legal",
            legal_openings,
            BASE_LEGAL,
            LEGAL_CONCERNS,
            LEGAL_EXPERT,
        ),
        (
            Consultation.Kind.HEALTH,
            "health",
            health_openings,
            BASE_HEALTH,
            HEALTH_CONCERNS,
            HEALTH_EXPERT,
        ),
    ]
    # Expert days are interleaved by time so that their clients are earlier LINE clients.
    windows: list[tuple[datetime.datetime, str, int, int]] = [
        (span[0], "line", i, per_opening[i]) for i, span in enumerate(line_openings)
    ]
    for _kind, channel, spans, base, _concerns, _expert in expert_days:
        for i, n in enumerate(_split(rng, base * scale, len(spans))):
            windows.append((spans[i][0], channel, i, n))
    windows.sort(key=lambda w: (w[0], w[1]))
    by_channel = {"line": line_openings, "legal": legal_openings, "health": health_openings}
    expert_by_channel = {e[1]: e for e in expert_days}
    for _start, channel, i, n in windows:
        span = by_channel[channel][i]
        if channel == "line":
            shift = rng.sample(COUNSELORS, k=rng.choice((2, 3)))
            draws = [
                consultation(
                    client=-1,
                    kind=Consultation.Kind.LINE,
                    opening=("line", i),
                    span=span,
                    staff=shift,
                    concerns=LINE_CONCERNS,
                )
                for _ in range(n)
            ]
        else:
            kind, _c, _s, _b, concerns, expert = expert_by_channel[channel]
            draws = [
                consultation(
                    client=-1,
                    kind=kind,
                    opening=(channel, i),
                    span=span,
                    staff=[expert],
                    concerns=concerns,
                    max_minutes=50,
                )
                for _ in range(n)
            ]
        # Clients are assigned in order of start time within the window.
        for index in sorted(draws, key=lambda d: plan.consultations[d].started_at):
            row = plan.consultations[index]
            new_share = NEW_CLIENT_SHARE if channel == "line" else 0.2
            row.client = client_for(row.started_at, new_share)
    # Each client's consultations, in time order.
    for index, row in enumerate(plan.consultations):
        plan.clients[row.client].consultations.append(index)
    for c in plan.clients:
        c.consultations.sort(key=lambda i: plan.consultations[i].started_at)

    # 3. Consent for everyone who consulted; friends who never did stay "not yet given",
    #    and some of them blocked the account (inactive).
    for c in plan.clients:
        if c.consultations:
            first = plan.consultations[c.consultations[0]]
            c.consent_scope = (
                Client.ConsentScope.SHARE if rng.random() < 0.2 else Client.ConsentScope.RECORD
            )
            c.consent_given_on = first.started_at.astimezone(TOKYO).date()
            c.consent_recorded_by = first.counselors[0]
        elif rng.random() < 0.08:
            c.status = Client.Status.INACTIVE

    # 4. Risk flags, from what she talked about.
    flagged: dict[int, list[PRiskFlag]] = {}
    for index, c in enumerate(plan.clients):
        if not c.consultations:
            continue
        rows = [plan.consultations[i] for i in c.consultations]
        concerns = {r.main_concern for r in rows}
        topics = {t for r in rows for t in r.topics}
        kinds = []
        if concerns & {"dv_spouse", "violence_partner", "violence_family"} and rng.random() < 0.3:
            kinds.append("dv_danger")
        if "mental" in topics and rng.random() < 0.08:
            kinds.append("suicidal")
        if "housing" in concerns and rng.random() < 0.35:
            kinds.append("no_home")
        if "sexual" in concerns and rng.random() < 0.2:
            kinds.append("stalking")
        if c.age_band == "u19" and rng.random() < 0.5:
            kinds.append("minor")
        if "pregnancy" in topics and rng.random() < 0.4:
            kinds.append("pregnant")
        if rng.random() < 0.002:
            kinds.append("trafficking")
        for kind in kinds:
            source = rng.choice(rows)
            set_at = source.ended_at
            cleared = rng.random() < 0.3
            cleared_at = set_at + datetime.timedelta(days=rng.randint(7, 120)) if cleared else None
            if cleared_at is not None and cleared_at >= now:
                cleared_at = None
            # Experts tell the team; a counselor records the flag.
            setter = source.counselors[0]
            if setter not in COUNSELORS:
                setter = rng.choice(COUNSELORS)
            flag = PRiskFlag(
                client=index,
                kind=kind,
                set_by=setter,
                set_at=set_at,
                cleared_at=cleared_at,
                cleared_by=setter if cleared_at else None,
            )
            plan.risk_flags.append(flag)
            flagged.setdefault(index, []).append(flag)

    # 5. Cases (伴走支援) for about 8% of friends: those with risks or repeated contact first.
    candidates = [i for i, c in enumerate(plan.clients) if c.consultations]
    scored = sorted(
        candidates,
        key=lambda i: (
            -(
                3 * len(flagged.get(i, []))
                + min(len(plan.clients[i].consultations), 5)
                + rng.random() * 3
            ),
            i,
        ),
    )
    target = min(round(CASE_SHARE * len(plan.clients)), len(scored))
    for client_index in sorted(scored[:target]):
        _plan_case(plan, rng, client_index, flagged.get(client_index, []), now, today)

    return plan


def _plan_case(
    plan: DemoPlan,
    rng: random.Random,
    client_index: int,
    flags: list[PRiskFlag],
    now: datetime.datetime,
    today: datetime.datetime,
) -> None:
    client = plan.clients[client_index]
    source_index = client.consultations[0]
    source = plan.consultations[source_index]
    counselors = [source.counselors[0] if source.counselors[0] in COUNSELORS else COUNSELORS[0]]
    if rng.random() < 0.25:
        other = rng.choice(COUNSELORS)
        if other not in counselors:
            counselors.append(other)
    client.counselors = list(counselors)
    opened_at = source.ended_at + datetime.timedelta(minutes=rng.randint(10, 120))
    roll = rng.random()
    status = (
        Case.Status.CLOSED
        if roll < 0.55
        else Case.Status.ACTIVE
        if roll < 0.85
        else Case.Status.ON_HOLD
        if roll < 0.92
        else Case.Status.OPEN
    )
    closed_at = None
    close_reason = ""
    if status == Case.Status.CLOSED:
        closed_at = min(opened_at + datetime.timedelta(days=rng.randint(14, 240)), now)
        close_reason = _pick(rng, CLOSE_REASONS)
    active_kinds = {f.kind for f in flags if f.cleared_at is None}
    priority = (
        Case.Priority.HIGH
        if active_kinds & HIGH_RISK
        else Case.Priority.MEDIUM
        if active_kinds
        else Case.Priority.NORMAL
    )
    if closed_at is not None:
        # Closing a case follows the risks being resolved: her flags are cleared by then.
        for flag in flags:
            if flag.set_at <= closed_at and (
                flag.cleared_at is None or flag.cleared_at > closed_at
            ):
                flag.cleared_at, flag.cleared_by = closed_at, counselors[0]
    case_index = len(plan.cases)
    end = closed_at or min(FY_END.astimezone(UTC), now)
    plan.cases.append(
        PCase(
            client=client_index,
            opened_from=source_index,
            counselors=counselors,
            status=status,
            priority=priority,
            title=CASE_TITLES[source.main_concern],
            opened_at=opened_at,
            closed_at=closed_at,
            close_reason=close_reason,
            ends_at=end,
        )
    )
    lead = counselors[0]
    span_days = max((end - opened_at).days, 1)

    def within(lo: float = 0.0, hi: float = 1.0) -> datetime.datetime:
        return opened_at + datetime.timedelta(
            days=rng.uniform(lo, hi) * span_days, minutes=rng.randint(0, 600)
        )

    # Her consultations after the case opened belong to it, plus phone/visit contacts.
    for index in client.consultations:
        if plan.consultations[index].started_at >= opened_at:
            plan.consultations[index].case = case_index
    for _ in range(rng.randint(0, 3)):
        kind = _pick(rng, CONTACT_KINDS)
        at = within().astimezone(TOKYO).replace(hour=rng.randint(10, 17), minute=0, second=0)
        at = at.astimezone(UTC)
        if at >= end:
            continue
        concern = source.main_concern
        plan.consultations.append(
            PConsultation(
                client=client_index,
                kind=kind,
                channel_opening=None,
                started_at=at,
                ended_at=at + datetime.timedelta(minutes=rng.randint(20, 90)),
                counselors=[lead],
                main_concern=concern,
                topics=sorted(set(rng.sample(TOPICS_BY_CONCERN[concern], 2))),
                established=True,
                summary=rng.choice(NOTES),
                outcomes=[rng.choice(("accompaniment", "referral", "information"))],
                follow_up_needed=False,
                case=case_index,
            )
        )
        client.consultations.append(len(plan.consultations) - 1)

    # The case's own audit trail, notes and plan.
    events = [
        PEvent(case_index, CaseEvent.Kind.OPENED, lead, opened_at, {}, {"status": "open"}),
    ]
    if status != Case.Status.OPEN:
        events.append(
            PEvent(
                case_index,
                CaseEvent.Kind.STATUS_CHANGED,
                lead,
                opened_at + datetime.timedelta(days=rng.randint(1, 3)),
                {"status": "open"},
                {"status": "active"},
            )
        )
    if status == Case.Status.ON_HOLD:
        events.append(
            PEvent(
                case_index,
                CaseEvent.Kind.STATUS_CHANGED,
                lead,
                within(0.3, 0.9),
                {"status": "active"},
                {"status": "on_hold"},
                "本人と連絡が取りにくくなったため保留",
            )
        )
    if status == Case.Status.CLOSED:
        requested = closed_at - datetime.timedelta(days=rng.randint(1, 5))
        events.append(
            PEvent(
                case_index,
                CaseEvent.Kind.CLOSURE_REQUESTED,
                lead,
                requested,
                {},
                {"reason": close_reason},
            )
        )
        events.append(
            PEvent(
                case_index,
                CaseEvent.Kind.CLOSURE_APPROVED,
                SUPERVISOR,
                closed_at,
                {"status": "active"},
                {"status": "closed", "close_reason": close_reason},
            )
        )
        plan.closures.append(
            PClosure(case_index, close_reason, lead, requested, "approved", closed_at)
        )
    elif status == Case.Status.ACTIVE and rng.random() < 0.1:
        requested = today - datetime.timedelta(days=rng.randint(1, 10), hours=-10)
        requested = requested.astimezone(UTC)
        reason = _pick(rng, CLOSE_REASONS)
        events.append(
            PEvent(
                case_index,
                CaseEvent.Kind.CLOSURE_REQUESTED,
                lead,
                requested,
                {},
                {"reason": reason},
            )
        )
        plan.closures.append(PClosure(case_index, reason, lead, requested, "pending", None))
    plan.events.extend(sorted(events, key=lambda e: e.at))

    for _ in range(rng.randint(2, 5)):
        plan.notes.append(PNote(case_index, rng.choice(counselors), rng.choice(NOTES), within()))
    for goal_text in rng.sample(GOALS, rng.randint(1, 3)):
        created = opened_at + datetime.timedelta(days=rng.randint(1, 7))
        achieved = within(0.5, 1.0) if status == Case.Status.CLOSED and rng.random() < 0.7 else None
        plan.goals.append(PGoal(case_index, goal_text, lead, created, achieved))
        goal_index = len(plan.goals) - 1
        for description in rng.sample(ACTIONS, rng.randint(1, 2)):
            due = within(0.1, 0.9)
            done = due < now and (status == Case.Status.CLOSED or rng.random() < 0.7)
            plan.actions.append(
                PAction(
                    case=case_index,
                    goal=goal_index,
                    description=description,
                    owner=rng.choice(counselors),
                    due_on=due.astimezone(TOKYO).date(),
                    done_at=due if done else None,
                    created_at=created,
                )
            )


# --- writing a plan with COPY ---------------------------------------------------------------


@dataclass(frozen=True)
class SeededCases:
    """What the cases seeder leaves in `ctx.shared["cases"]`: the plan and the database id of
    each of its rows (`client_ids[i]` is the id of `plan.clients[i]`)."""

    plan: DemoPlan
    client_ids: list[int]
    consultation_ids: list[int]
    case_ids: list[int]
    counts: dict[str, int]


# The tables demo_write fills (ClientMerge only ever by clicking through the demo; --reset
# empties it of demo clients).
SEEDED_MODELS: tuple[type[Model], ...] = (
    Client,
    Consultation,
    RiskFlag,
    Case,
    CaseEvent,
    CaseNote,
    SupportGoal,
    SupportAction,
    CaseClosureRequest,
    ClientMerge,
)


def demo_write(
    plan: DemoPlan,
    *,
    users: Mapping[str, int],
    openings: Mapping[str, Sequence[int]],
) -> SeededCases:
    """Insert a plan. Call inside a transaction with `pgtrigger.ignore(*trigger_uris(...))`
    of the seeded models, after `start_copy()`."""
    counts: dict[str, int] = {}
    client_ids = reserve_ids(Client, len(plan.clients))
    consultation_ids = reserve_ids(Consultation, len(plan.consultations))
    case_ids = reserve_ids(Case, len(plan.cases))
    goal_ids = reserve_ids(SupportGoal, len(plan.goals))

    def opening_id(ref: tuple[str, int] | None) -> int | None:
        return None if ref is None else openings[ref[0]][ref[1]]

    # What consultation_record keeps up to date: the start of her latest consultation.
    last_contact: dict[int, datetime.datetime] = {}
    for r in plan.consultations:
        if r.client not in last_contact or r.started_at > last_contact[r.client]:
            last_contact[r.client] = r.started_at

    # What client_create stores beside a nickname: its search columns (once per name).
    search = {name: nickname_search_columns(name) for name in {c.nickname for c in plan.clients}}
    counts["clients"] = copy_rows(
        Client,
        (
            Client(
                id=client_ids[i],
                nickname=c.nickname,
                **search[c.nickname],
                line_user_id=c.line_user_id,
                age_band=c.age_band,
                ward=c.ward,
                employment=c.employment,
                household=c.household,
                heard_from=c.heard_from,
                first_contact_at=c.first_contact_at,
                last_contact_at=last_contact.get(i),
                consent_scope=c.consent_scope,
                consent_given_on=c.consent_given_on,
                consent_method=Client.ConsentMethod.LINE if c.consent_given_on else "",
                consent_recorded_by_id=(
                    users[c.consent_recorded_by] if c.consent_recorded_by else None
                ),
                status=c.status,
                created_by_id=users[c.counselors[0] if c.counselors else COUNSELORS[0]],
                created_at=c.first_contact_at,
                updated_at=c.first_contact_at,
            )
            for i, c in enumerate(plan.clients)
        ),
        with_pk=True,
    )
    counts["cases"] = copy_rows(
        Case,
        (
            Case(
                id=case_ids[i],
                client_id=client_ids[k.client],
                opened_from_id=consultation_ids[k.opened_from],
                status=k.status,
                priority=k.priority,
                title=k.title,
                opened_by_id=users[k.counselors[0]],
                opened_at=k.opened_at,
                closed_at=k.closed_at,
                close_reason=k.close_reason,
                updated_at=k.closed_at or k.opened_at,
            )
            for i, k in enumerate(plan.cases)
        ),
        with_pk=True,
    )
    counts["consultations"] = copy_rows(
        Consultation,
        (
            Consultation(
                id=consultation_ids[i],
                client_id=client_ids[r.client],
                case_id=None if r.case is None else case_ids[r.case],
                kind=r.kind,
                started_at=r.started_at,
                ended_at=r.ended_at,
                opening_id=opening_id(r.channel_opening),
                main_concern=r.main_concern,
                topics=r.topics,
                established=r.established,
                summary=r.summary,
                outcomes=r.outcomes,
                follow_up_needed=r.follow_up_needed,
                recorded_by_id=users[r.counselors[0]],
                created_at=r.ended_at,
                updated_at=r.ended_at,
            )
            for i, r in enumerate(plan.consultations)
        ),
        with_pk=True,
    )
    copy_links(
        Consultation.counselors.through,
        (
            (consultation_ids[i], users[u])
            for i, r in enumerate(plan.consultations)
            for u in r.counselors
        ),
    )
    copy_links(
        Client.counselors.through,
        ((client_ids[i], users[u]) for i, c in enumerate(plan.clients) for u in c.counselors),
    )
    copy_links(
        Case.counselors.through,
        ((case_ids[i], users[u]) for i, k in enumerate(plan.cases) for u in k.counselors),
    )
    counts["risk_flags"] = copy_rows(
        RiskFlag,
        (
            RiskFlag(
                client_id=client_ids[f.client],
                kind=f.kind,
                note=RISK_NOTES[f.kind],
                set_by_id=users[f.set_by],
                set_at=f.set_at,
                cleared_at=f.cleared_at,
                cleared_by_id=users[f.cleared_by] if f.cleared_by else None,
            )
            for f in plan.risk_flags
        ),
        with_pk=False,
    )
    counts["case_events"] = copy_rows(
        CaseEvent,
        (
            CaseEvent(
                case_id=case_ids[e.case],
                kind=e.kind,
                actor_id=users[e.actor],
                at=e.at,
                before=e.before,
                after=e.after,
                note=e.note,
            )
            for e in plan.events
        ),
        with_pk=False,
    )
    counts["case_notes"] = copy_rows(
        CaseNote,
        (
            CaseNote(
                case_id=case_ids[n.case],
                author_id=users[n.author],
                body=n.body,
                created_at=n.created_at,
            )
            for n in plan.notes
        ),
        with_pk=False,
    )
    counts["support_goals"] = copy_rows(
        SupportGoal,
        (
            SupportGoal(
                id=goal_ids[i],
                case_id=case_ids[g.case],
                text=g.text,
                created_by_id=users[g.created_by],
                created_at=g.created_at,
                achieved_at=g.achieved_at,
                achieved_by_id=users[g.created_by] if g.achieved_at else None,
            )
            for i, g in enumerate(plan.goals)
        ),
        with_pk=True,
    )
    counts["support_actions"] = copy_rows(
        SupportAction,
        (
            SupportAction(
                case_id=case_ids[a.case],
                goal_id=goal_ids[a.goal],
                description=a.description,
                owner_id=users[a.owner],
                due_on=a.due_on,
                done_at=a.done_at,
                done_by_id=users[a.owner] if a.done_at else None,
                created_by_id=users[a.owner],
                created_at=a.created_at,
            )
            for a in plan.actions
        ),
        with_pk=False,
    )
    counts["closing_requests"] = copy_rows(
        CaseClosureRequest,
        (
            CaseClosureRequest(
                case_id=case_ids[r.case],
                reason=r.reason,
                requested_by_id=users[r.requested_by],
                requested_at=r.requested_at,
                state=r.state,
                decided_by_id=users[SUPERVISOR] if r.decided_at else None,
                decided_at=r.decided_at,
            )
            for r in plan.closures
        ),
        with_pk=False,
    )
    return SeededCases(plan, client_ids, consultation_ids, case_ids, counts)


# --- the seeder (registered in cases/extensions.py) -----------------------------------------


def demo_clients() -> QuerySet[Client]:
    """The demo clients: those the demo staff created. Later apps' seeders find their own demo
    rows by these (their deletes run before this one's)."""
    return Client.objects.filter(created_by__in=demo_users())


def present(ctx: DemoContext) -> Mapping[str, int]:
    return {"clients": demo_clients().count()}


def foreign(ctx: DemoContext) -> list[str]:
    others = Client.objects.filter(~Q(created_by__in=demo_users()) | Q(created_by__isnull=True))
    return ["clients"] if others.exists() else []


def seed(ctx: DemoContext) -> Mapping[str, int]:
    """Plan and write the year; leave the plan and its ids in `ctx.shared["cases"]`."""
    openings: Mapping[str, Sequence[Opening]] = ctx.shared["openings"]

    def spans(channel: str) -> list[Span]:
        return [(o.starts_at, o.ends_at) for o in openings[channel]]

    plan = demo_plan(
        seed=ctx.seed,
        scale=ctx.scale,
        line_openings=spans(Channel.LINE),
        legal_openings=spans(Channel.LEGAL),
        health_openings=spans(Channel.HEALTH),
        now=ctx.now,
    )
    with pgtrigger.ignore(*trigger_uris(*SEEDED_MODELS)):
        start_copy()
        seeded = demo_write(
            plan,
            users=ctx.shared["users"],
            openings={ch: [o.pk for o in rows] for ch, rows in openings.items()},
        )
    ctx.shared["cases"] = seeded
    counts = seeded.counts
    by_kind = dict.fromkeys(Consultation.Kind.values, 0)
    for row in plan.consultations:
        by_kind[row.kind] += 1
    return {
        "clients (LINE friends)": counts["clients"],
        "consultations": counts["consultations"],
        **{kind: by_kind[kind] for kind in Consultation.Kind.values},
        "risk flags": counts["risk_flags"],
        "cases": counts["cases"],
        "notes": counts["case_notes"],
        "goals": counts["support_goals"],
        "actions": counts["support_actions"],
        "closing requests": counts["closing_requests"],
    }


def delete(ctx: DemoContext) -> int:
    """Delete every demo client and what hangs off her in this app, one statement per table
    (with the history of each tracked table first, since it points at the rows)."""
    clients = demo_clients()
    cases = Case.objects.filter(client__in=clients)
    consultations = Consultation.objects.filter(client__in=clients)
    risk_flags = RiskFlag.objects.filter(client__in=clients)
    goals = SupportGoal.objects.filter(case__in=cases)
    actions = SupportAction.objects.filter(case__in=cases)
    with pgtrigger.ignore(*trigger_uris(*SEEDED_MODELS)):
        return delete_rows(
            history_of(Client, clients),
            history_of(Consultation, consultations),
            history_of(Case, cases),
            history_of(RiskFlag, risk_flags),
            history_of(SupportGoal, goals),
            history_of(SupportAction, actions),
            CaseEvent.objects.filter(case__in=cases),
            CaseNote.objects.filter(case__in=cases),
            CaseClosureRequest.objects.filter(case__in=cases),
            actions,
            goals,
            Case.counselors.through.objects.filter(case__in=cases),
            Consultation.counselors.through.objects.filter(consultation__in=consultations),
            consultations,
            cases,
            risk_flags,
            Client.counselors.through.objects.filter(client__in=clients),
            ClientMerge.objects.filter(Q(kept__in=clients) | Q(merged__in=clients)),
            clients,
        )


def tables() -> tuple[type[Model], ...]:
    return SEEDED_MODELS
