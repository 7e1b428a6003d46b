import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from referrals import services
from referrals.models import Partner
from referrals.selectors import partners_for

from .factories import PartnerFactory

pytestmark = pytest.mark.django_db

HEADER = "name,kind,ward,services,languages,is_outreach_partner,phone\n"
GOOD = (
    HEADER
    + "なにわフードパントリー（架空）,food_pantry,271110,food;supplies,ja;en,はい,06-0000-0000\n"
    "あべのこども食堂（架空）,kodomo_shokudo,271195,food,,,\n"
)
BAD = (
    HEADER + "なにわフードパントリー（架空）,food_pantry,271110,food,ja,true,\n"
    ",shelter,,,,,\n"  # row 3: no name
    "大阪シェルター（架空）,refuge,271110,,,,\n"  # row 4: unknown kind
    "よどがわ食堂（架空）,kodomo_shokudo,999999,cooking,,maybe,\n"  # row 5: three problems
)


def test_a_coordinator_adds_and_edits_a_partner(coordinator):
    partner = services.partner_create(
        by=coordinator,
        name=" なにわフードパントリー（架空） ",
        kind="food_pantry",
        ward="271110",
        services=["food", "supplies"],
    )
    assert partner.name == "なにわフードパントリー（架空）" and partner.is_active
    services.partner_update(partner=partner, by=coordinator, phone="06-1111-2222")
    services.partner_set_active(partner=partner, is_active=False, by=coordinator)
    partner.refresh_from_db()
    assert partner.phone == "06-1111-2222" and not partner.is_active


def test_the_same_name_and_kind_is_refused_whatever_the_case(coordinator):
    services.partner_create(by=coordinator, name="Osaka Food Bank", kind="food_pantry")
    with pytest.raises(ValidationError) as exc:
        services.partner_create(by=coordinator, name="OSAKA food bank", kind="food_pantry")
    assert exc.value.message_dict == {
        "name": ["A partner of this kind with this name exists already."]
    }
    # Another kind may share the name.
    services.partner_create(by=coordinator, name="Osaka Food Bank", kind="other")


def test_unknown_kind_ward_and_service_are_refused(coordinator):
    with pytest.raises(ValidationError) as exc:
        services.partner_create(
            by=coordinator, name="x", kind="refuge", ward="999", services=["cooking"]
        )
    assert exc.value.message_dict == {
        "kind": ["Unknown kind: refuge."],
        "ward": ["Unknown ward code: 999."],
        "services": ["Unknown services: cooking."],
    }


@pytest.mark.parametrize("who", ["counselor", "expert", "outsider"])
def test_only_coordinators_and_supervisors_keep_the_directory(request, who):
    with pytest.raises(PermissionDenied):
        services.partner_create(by=request.getfixturevalue(who), name="x", kind="other")


def test_the_directory_filters_by_kind_ward_and_service(counselor, expert):
    food = PartnerFactory(kind="food_pantry", ward="271110", services=["food", "supplies"])
    PartnerFactory(kind="shelter", ward="271110", services=["shelter"])
    PartnerFactory(kind="food_pantry", ward="271195", services=["food"], is_active=False)
    assert list(partners_for(counselor, kind="food_pantry")) == [food]
    assert list(partners_for(counselor, service="supplies")) == [food]
    assert partners_for(counselor, ward="271110").count() == 2
    assert partners_for(counselor, active_only=False).count() == 3
    assert not partners_for(expert).exists()


# --- CSV import -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("cp932"),
    ],
    ids=["utf-8", "utf-8-bom", "cp932"],
)
def test_import_reads_utf8_with_or_without_bom_and_cp932(coordinator, encode):
    result = services.partners_import_csv(data=encode(GOOD), by=coordinator)
    assert (result.created, result.updated) == (2, 0)
    pantry = Partner.objects.get(kind="food_pantry")
    assert pantry.name == "なにわフードパントリー（架空）"
    assert (pantry.services, pantry.languages, pantry.is_outreach_partner) == (
        ["food", "supplies"],
        ["ja", "en"],
        True,
    )
    shokudo = Partner.objects.get(kind="kodomo_shokudo")
    assert shokudo.is_active and shokudo.ward == "271195"


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("cp932"),
    ],
    ids=["utf-8", "utf-8-bom", "cp932"],
)
def test_import_is_all_or_nothing_with_every_bad_row_numbered(coordinator, encode):
    with pytest.raises(services.PartnerImportError) as exc:
        services.partners_import_csv(data=encode(BAD), by=coordinator)
    assert exc.value.row_errors == [
        (3, "name: Enter the organisation's name."),
        (4, "kind: Unknown kind: refuge."),
        (5, "is_outreach_partner must be true or false, not maybe."),
        (5, "ward: Unknown ward code: 999999."),
        (5, "services: Unknown services: cooking."),
    ]
    assert exc.value.messages[0] == "Row 3: name: Enter the organisation's name."
    assert not Partner.objects.exists()  # the good row 2 was not written either


def test_import_updates_the_partner_of_the_same_name_and_kind(coordinator):
    PartnerFactory(name="なにわフードパントリー（架空）", kind="food_pantry", phone="")
    result = services.partners_import_csv(data=GOOD.encode(), by=coordinator)
    assert (result.created, result.updated) == (1, 1)
    assert Partner.objects.get(kind="food_pantry").phone == "06-0000-0000"


def test_import_refuses_a_header_without_name_or_kind_and_unknown_columns(coordinator):
    with pytest.raises(services.PartnerImportError) as exc:
        services.partners_import_csv(data=b"title,kind,colour\nx,other,red\n", by=coordinator)
    assert exc.value.row_errors == [
        (1, "The header row lacks: name."),
        (1, "Unknown columns: title, colour."),
    ]


def test_import_refuses_the_same_partner_twice_in_one_file(coordinator):
    data = (HEADER + "A,other,,,,,\na,other,,,,,\n").encode()
    with pytest.raises(services.PartnerImportError) as exc:
        services.partners_import_csv(data=data, by=coordinator)
    assert exc.value.row_errors == [(3, "The same partner as row 2.")]


def test_import_refuses_bytes_that_are_neither_utf8_nor_cp932(coordinator):
    with pytest.raises(services.PartnerImportError) as exc:
        services.partners_import_csv(data=b"name,kind\n\x81\x20,other\n", by=coordinator)
    assert exc.value.row_errors == [(1, "The file is neither UTF-8 nor Shift_JIS (CP932).")]


def test_a_counselor_cannot_import(counselor):
    with pytest.raises(PermissionDenied):
        services.partners_import_csv(data=GOOD.encode(), by=counselor)


# --- export -----------------------------------------------------------------------------------


def test_csv_export_has_a_bom_and_imports_back(coordinator):
    services.partners_import_csv(data=GOOD.encode(), by=coordinator)
    data = services.partners_export_csv(by=coordinator)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(services.partners.CSV_FIELDS)
    assert len(lines) == 3
    result = services.partners_import_csv(data=data, by=coordinator)
    assert (result.created, result.updated) == (0, 2)


def test_xlsx_export_is_readable_by_openpyxl(counselor):
    PartnerFactory(name="なにわフードパントリー（架空）", services=["food", "supplies"])
    data = services.partners_export_xlsx(by=counselor)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == services.partners.CSV_FIELDS
    assert rows[1][0] == "なにわフードパントリー（架空）"
    assert rows[1][1] == "food_pantry" and rows[1][7] == "food;supplies"


def test_an_expert_cannot_export(expert):
    with pytest.raises(PermissionDenied):
        services.partners_export_csv(by=expert)
