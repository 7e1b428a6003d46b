"""Demo referrals: partners of every kind (fictitious, named like Osaka organisations), a year
of referrals to eight kinds in every status, accompaniments, and two coordination meetings.

Registered as the "referrals" demo seeder (`referrals/extensions.py`), after "cases" and
"followups": it plans from the cases seeder's plan with a random stream of its own, so the same
seed gives the same rows. Demo rows carry no reminders (their follow-ups would be noise).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

import pgtrigger
from django.db.models import Model, Q

from accounts.demo import SUPERVISOR
from cases.demo import SeededCases, demo_clients
from cases.models import Case
from core.choices import Ward
from core.demo import delete_rows, history_of, trigger_uris
from core.registry import DemoContext
from core.time import TOKYO

from .models import (
    SHARED_ITEMS,
    Accompaniment,
    Consent,
    CoordinationMeeting,
    MeetingCase,
    Partner,
    ProvisionBasis,
    ProvisionRecord,
    Referral,
    ReferralTransition,
)
from .services.common import retain_until

# Every demo partner's name ends so: fictitious, and how `delete` finds them.
FICTITIOUS = "（架空）"
PARTNER_NAMES: dict[str, tuple[str, str]] = {
    "school": ("なにわ高等学校", "大阪みなと短期大学"),
    "welfare_council": ("浪速区社会福祉協議会", "西成区社会福祉協議会"),
    "single_parent_center": ("大阪ひとり親就業支援センター", "ひとり親自立支援プラザ北"),
    "kodomo_shokudo": ("あべのこども食堂", "つるみ子ども食堂ひまわり"),
    "food_pantry": ("なにわフードパントリー", "よどがわフードパントリー"),
    "shelter": ("女性シェルターあかり", "ステップハウスみお"),
    "ward_office": ("北区役所 生活困窮者自立相談窓口", "平野区役所 保健福祉課"),
    "hello_work": ("マザーズハローワーク梅田", "ハローワーク天満"),
    "gender_center": ("大阪市男女共同参画センター中央館", "クレオ阿倍野"),
    "medical": ("天王寺レディースクリニック", "城東こころのクリニック"),
    "legal": ("なにわ女性法律事務所", "大阪法テラス相談室"),
    "police": ("大阪府警 浪速警察署 生活安全課", "大阪府警 東成警察署"),
    "womens_center": ("大阪府女性相談支援センター", "大阪市女性相談支援センター"),
    "other": ("生理用品ひろばプロジェクト", "外国人女性サポートネット関西"),
}
SERVICES_BY_KIND = {
    "school": ["education"],
    "welfare_council": ["benefits", "counseling"],
    "single_parent_center": ["employment", "childcare"],
    "kodomo_shokudo": ["food", "childcare"],
    "food_pantry": ["food", "supplies"],
    "shelter": ["shelter", "housing"],
    "ward_office": ["benefits", "housing"],
    "hello_work": ["employment"],
    "gender_center": ["counseling", "employment"],
    "medical": ["health"],
    "legal": ["legal"],
    "police": ["other"],
    "womens_center": ["shelter", "counseling"],
    "other": ["supplies", "language"],
}
WARDS = [w for w in Ward.values if w not in ("outside", "unknown")]
# Eight kinds, each referred to in every status.
REFERRED_KINDS = (
    "food_pantry",
    "welfare_council",
    "single_parent_center",
    "shelter",
    "ward_office",
    "hello_work",
    "legal",
    "medical",
)
STATUSES = Referral.Status.values
OPEN = set(Referral.OPEN_STATUSES)
REASONS = (
    "食料の支援が必要なため",
    "住まいの相談をしたいとのこと",
    "就労に向けた支援を希望",
    "生活費が足りず申請手続きを相談したい",
    "離婚に関する法律相談を希望",
    "体調不良が続き受診を勧めた",
)
OUTCOMES = ("食料の受け取りができた", "申請が通った", "就職が決まった", "相談につながった")
PLACES = ("区役所 3階窓口", "パントリー会場", "ハローワーク 2階", "法律事務所", "クリニック")


def _at(base: datetime.datetime, rng: random.Random, lo: int, hi: int, now) -> datetime.datetime:
    """A moment `lo`-`hi` days after `base`, in office hours (10:00-17:45 Tokyo), never before
    `base` nor after `now`."""
    day = (base + datetime.timedelta(days=rng.randint(lo, hi))).astimezone(TOKYO)
    moment = day.replace(hour=rng.randint(10, 17), minute=rng.choice((0, 15, 30, 45)))
    return min(max(moment, base + datetime.timedelta(minutes=30)), now)


def seed(ctx: DemoContext) -> Mapping[str, int]:
    seeded: SeededCases = ctx.shared["cases"]
    users: Mapping[str, int] = ctx.shared["users"]
    rng = random.Random(f"{ctx.seed}:referrals")
    # Day-granular "now": reruns on the same day plan the same rows.
    now = ctx.now.astimezone(TOKYO).replace(hour=0, minute=0, second=0, microsecond=0)
    supervisor = users[SUPERVISOR]
    plan_cases = seeded.plan.cases
    open_cases = [i for i, c in enumerate(plan_cases) if c.status != Case.Status.CLOSED]
    all_cases = list(range(len(plan_cases)))
    if not all_cases:
        return {}
    with pgtrigger.ignore(*trigger_uris(*tables())):
        partners: dict[str, list[Partner]] = {}
        for kind, names in PARTNER_NAMES.items():
            partners[kind] = Partner.objects.bulk_create(
                Partner(
                    name=f"{name}{FICTITIOUS}",
                    kind=kind,
                    ward=rng.choice(WARDS),
                    address="大阪市（架空の住所）",
                    phone=f"06-0000-{rng.randint(1000, 9999)}",
                    services=SERVICES_BY_KIND[kind],
                    opening_hours="平日 9:00〜17:00",
                    languages=["ja"] + (["en"] if rng.random() < 0.3 else []),
                    is_outreach_partner=rng.random() < 0.3,
                    created_at=now - datetime.timedelta(days=400),
                )
                for name in names
            )
        consents: dict[int, Consent] = {}

        def consent_for(case_index: int, at: datetime.datetime) -> Consent:
            case = plan_cases[case_index]
            if case.client not in consents:
                consents[case.client] = Consent.objects.create(
                    client_id=seeded.client_ids[case.client],
                    given_at=at - datetime.timedelta(hours=1),
                    method=rng.choice(Consent.Method.values),
                    scope=list(SHARED_ITEMS),
                    recorded_by_id=users[case.counselors[0]],
                    recorded_at=at - datetime.timedelta(hours=1),
                )
            return consents[case.client]

        referrals: list[Referral] = []
        transitions: list[ReferralTransition] = []
        provisions: list[ProvisionRecord] = []
        count = len(REFERRED_KINDS) * len(STATUSES) * ctx.scale
        for i in range(count):
            status = STATUSES[i % len(STATUSES)]
            kind = REFERRED_KINDS[(i // len(STATUSES)) % len(REFERRED_KINDS)]
            pool = open_cases if status in OPEN and open_cases else all_cases
            case_index = rng.choice(pool)
            case = plan_cases[case_index]
            by = users[case.counselors[0]]
            partner = rng.choice(partners[kind])
            # Spread over the last year, not all at its start.
            base = max(case.opened_at, now - datetime.timedelta(days=365 - rng.randint(0, 330)))
            created = max(base, _at(base, rng, 0, 20, now - datetime.timedelta(days=2)))
            r = Referral(
                case_id=seeded.case_ids[case_index],
                client_id=seeded.client_ids[case.client],
                partner=partner,
                reason=rng.choice(REASONS),
                shared_items=sorted(rng.sample(SHARED_ITEMS, 3), key=SHARED_ITEMS.index),
                status=status,
                created_by_id=by,
                created_at=created,
            )
            steps = [("", "draft", created, "")]
            sent = status not in ("draft",) and not (status == "withdrawn" and i % 2 == 0)
            if sent:
                r.sent_at = _at(created, rng, 0, 2, now)
                r.sent_by_id = by
                if i % 10 == 3:
                    r.emergency_override_reason = "生命・身体に危険があり本人の同意を得る時間がない"
                    r.override_by_id = supervisor
                    r.override_at = r.sent_at
                else:
                    r.consent = consent_for(case_index, created)
                steps.append(("draft", "sent", r.sent_at, ""))
            if status in ("accepted", "in_progress", "completed") or (
                status == "withdrawn" and sent and i % 4 == 1
            ):
                r.accepted_at = _at(r.sent_at, rng, 1, 10, now)
                steps.append(("sent", "accepted", r.accepted_at, ""))
            if status in ("in_progress", "completed"):
                steps.append(("accepted", "in_progress", _at(r.accepted_at, rng, 1, 5, now), ""))
            if status == "completed":
                r.completed_at = _at(steps[-1][2], rng, 5, 20, now)
                r.outcome = rng.choice(OUTCOMES)
                steps.append(("in_progress", "completed", r.completed_at, ""))
            if status == "declined":
                r.declined_reason = "定員に空きがないため"
                r.closed_at = _at(r.sent_at, rng, 1, 7, now)
                steps.append(("sent", "declined", r.closed_at, r.declined_reason))
            if status == "withdrawn":
                r.closed_at = _at(steps[-1][2], rng, 1, 7, now)
                steps.append((steps[-1][1], "withdrawn", r.closed_at, "本人が希望しなくなった"))
            r.updated_at = steps[-1][2]
            referrals.append(r)
            for before, after, at, note in steps:
                transitions.append(
                    ReferralTransition(
                        referral=r, from_status=before, to_status=after, by_id=by, at=at, note=note
                    )
                )
            if sent:
                provisions.append(
                    ProvisionRecord(
                        provided_at=r.sent_at,
                        recipient_name=partner.name,
                        recipient_kind=partner.kind,
                        partner=partner,
                        client_id=r.client_id,
                        items=r.shared_items,
                        basis=ProvisionBasis.CONSENT if r.consent else ProvisionBasis.EMERGENCY,
                        consent=r.consent,
                        by_id=by,
                        referral=r,
                        retain_until=retain_until(r.sent_at),
                    )
                )
        Referral.objects.bulk_create(referrals)
        for t in transitions:
            t.referral_id = t.referral.pk
        ReferralTransition.objects.bulk_create(transitions)

        accompaniments = 0
        for r in referrals:
            if r.status not in ("accepted", "in_progress", "completed"):
                continue
            planned = r.status != "completed" and rng.random() < 0.4
            starts = (
                now + datetime.timedelta(days=rng.randint(1, 14), hours=rng.randint(10, 16))
                if planned
                else _at(r.accepted_at, rng, 1, 5, now)
            )
            status = Accompaniment.Status.PLANNED if planned else Accompaniment.Status.HELD
            if not planned and rng.random() < 0.15:
                status = Accompaniment.Status.CANCELLED
            a = Accompaniment.objects.create(
                case_id=r.case_id,
                client_id=r.client_id,
                referral=r,
                partner=r.partner,
                place=rng.choice(PLACES),
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                transport="地下鉄",
                cost_yen=rng.choice([0, 240, 480]),
                status=status,
                outcome="手続きに同行し、申請ができた" if status == "held" else "",
                cancel_reason="本人の体調不良" if status == "cancelled" else "",
                created_by_id=r.created_by_id,
                created_at=r.accepted_at,
            )
            a.counselors.set([r.created_by_id])
            accompaniments += 1

        meetings = 0
        for m in range(2):
            held = now - datetime.timedelta(days=30 + 120 * m) + datetime.timedelta(hours=14)
            meeting = CoordinationMeeting.objects.create(
                held_at=held,
                title=f"第{m + 1}回 支援調整会議",
                other_organisations="大阪市こども相談センター",
                participants="相談員2名、各団体担当者",
                notes="各ケースの状況を共有した",
                decisions="次回までに各団体で支援方針を確認する",
                created_by_id=supervisor,
                created_at=held,
            )
            present = [
                partners["ward_office"][0],
                partners["womens_center"][m],
                partners["food_pantry"][0],
            ]
            meeting.organisations.set(present)
            for case_index in rng.sample(
                open_cases or all_cases, min(3, len(open_cases or all_cases))
            ):
                case = plan_cases[case_index]
                consent = consent_for(case_index, held)
                items = ["nickname", "age_band", "situation"]
                MeetingCase.objects.create(
                    meeting=meeting,
                    case_id=seeded.case_ids[case_index],
                    client_id=seeded.client_ids[case.client],
                    shared_items=items,
                    basis=ProvisionBasis.CONSENT,
                    consent=consent,
                    decisions="フードパントリーと区役所で連携して見守る",
                )
                for partner in present:
                    provisions.append(
                        ProvisionRecord(
                            provided_at=held,
                            recipient_name=partner.name,
                            recipient_kind=partner.kind,
                            partner=partner,
                            client_id=seeded.client_ids[case.client],
                            items=items,
                            basis=ProvisionBasis.CONSENT,
                            consent=consent,
                            by_id=supervisor,
                            meeting=meeting,
                            retain_until=retain_until(held),
                        )
                    )
            meetings += 1
        for p in provisions:
            p.referral_id = p.referral.pk if p.referral else None
            p.consent_id = p.consent.pk if p.consent else None
        ProvisionRecord.objects.bulk_create(provisions)
    return {
        "partners": sum(len(v) for v in partners.values()),
        "referrals": len(referrals),
        "accompaniments": accompaniments,
        "coordination meetings": meetings,
        "provision records": len(provisions),
    }


def _demo_partners():
    return Partner.objects.filter(name__endswith=FICTITIOUS)


def delete(ctx: DemoContext) -> int:
    """The demo clients' referral rows, the demo meetings and partners, with their history."""
    clients = demo_clients()
    partners = _demo_partners()
    referrals = Referral.objects.filter(client__in=clients)
    accompaniments = Accompaniment.objects.filter(client__in=clients)
    meeting_cases = MeetingCase.objects.filter(client__in=clients)
    # Ids now: the subqueries would find nothing once the rows they read are deleted.
    meeting_ids = set(meeting_cases.values_list("meeting_id", flat=True)) | set(
        CoordinationMeeting.objects.filter(organisations__in=partners).values_list("pk", flat=True)
    )
    meetings = CoordinationMeeting.objects.filter(pk__in=sorted(meeting_ids))
    consents = Consent.objects.filter(client__in=clients)
    provisions = ProvisionRecord.objects.filter(
        Q(client__in=clients) | Q(partner__in=partners) | Q(meeting__in=meetings)
    )
    with pgtrigger.ignore(*trigger_uris(*tables())):
        return delete_rows(
            provisions,
            ReferralTransition.objects.filter(referral__in=referrals),
            history_of(Accompaniment, accompaniments),
            Accompaniment.counselors.through.objects.filter(accompaniment__in=accompaniments),
            accompaniments,
            history_of(MeetingCase, meeting_cases),
            meeting_cases,
            history_of(CoordinationMeeting, meetings),
            CoordinationMeeting.organisations.through.objects.filter(
                coordinationmeeting__in=meetings
            ),
            meetings,
            history_of(Referral, referrals),
            referrals,
            history_of(Consent, consents),
            consents,
            history_of(Partner, partners),
            partners,
        )


def tables() -> tuple[type[Model], ...]:
    return (
        Partner,
        Consent,
        Referral,
        ReferralTransition,
        Accompaniment,
        CoordinationMeeting,
        MeetingCase,
        ProvisionRecord,
    )
