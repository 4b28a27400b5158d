"""The catalog's bundle functions against the seeded demo catalog: the members that apply on the
answers, the one form (validated and split per member), the merged checklist, the guide."""

from __future__ import annotations

import pytest

from app.catalog import service as catalog
from app.catalog.errors import AnswersInvalid, BundleNotFound, FormInvalid
from tests.catalog.bundleview import (
    BIRTH_CERT,
    BIRTH_REGISTRATION,
    COMPANY,
    COMPANY_REGISTRATION,
    HOUSING_FUND,
    HUKOU,
    MATERNITY,
    MEDICAL_INSURANCE,
    NEWBORN,
    RETIREMENT,
    SEAL,
    SOCIAL_INSURANCE,
    SSCARD,
    TAX,
    VACCINATION,
    WORK_ABILITY,
    bundle_doc,
    company_answers,
    fill_form,
    newborn_answers,
    retirement_answers,
)
from tests.catalog.seedview import by_code, seed


def _codes(members):
    return [m["service_code"] for m in members]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (newborn_answers(), [BIRTH_CERT, VACCINATION, HUKOU, MEDICAL_INSURANCE, SSCARD]),
        (newborn_answers(need_sscard=False), [BIRTH_CERT, VACCINATION, HUKOU, MEDICAL_INSURANCE]),
        (newborn_answers(parents_local=False), [BIRTH_CERT, VACCINATION]),
        (
            newborn_answers(birth_registered=False, mother_insured=True),
            [BIRTH_CERT, VACCINATION, BIRTH_REGISTRATION, HUKOU, MEDICAL_INSURANCE, SSCARD, MATERNITY],
        ),
    ],
)
def test_newborn_members_follow_the_answers(ctx, answers, expected):
    assert _codes(catalog.applicable_members(NEWBORN, answers)) == expected


def test_company_members_follow_the_answers(ctx):
    every = [COMPANY_REGISTRATION, SEAL, TAX, SOCIAL_INSURANCE, HOUSING_FUND]
    assert _codes(catalog.applicable_members(COMPANY, company_answers())) == every
    no_seal_no_staff = company_answers(need_seal=False, has_employees=False)
    assert _codes(catalog.applicable_members(COMPANY, no_seal_no_staff)) == [COMPANY_REGISTRATION, TAX]
    # the housing fund needs employees as well
    assert HOUSING_FUND not in _codes(catalog.applicable_members(COMPANY, company_answers(has_employees=False)))


def test_members_come_from_several_departments(ctx):
    for code, answers in (
        (NEWBORN, newborn_answers()),
        (COMPANY, company_answers()),
        (RETIREMENT, retirement_answers()),
    ):
        departments = {m["department"]["code"] for m in catalog.applicable_members(code, answers)}
        assert len(departments) >= 3, (code, departments)


def test_unanswered_and_invalid_answers_are_field_errors(ctx):
    with pytest.raises(AnswersInvalid) as exc:
        catalog.applicable_members(NEWBORN, {"parents_local": "是", "first_child": True})
    assert set(exc.value.errors) == {
        "answers.parents_local",
        "answers.need_sscard",
        "answers.birth_registered",
        "answers.mother_insured",
        "answers.first_child",
    }
    with pytest.raises(BundleNotFound):
        catalog.applicable_members("no-such-bundle", {})


def test_combined_form_validated_and_split_into_member_forms(ctx):
    doc = catalog.get_bundle_definition(NEWBORN)
    members = catalog.applicable_members(doc, newborn_answers())
    form = catalog.combined_form(doc, members)
    data = fill_form(form)
    data["members"] = {code: fill_form(schema) for code, schema in form["properties"]["members"]["properties"].items()}
    shares = catalog.validate_combined(doc, members, data)
    assert set(shares) == set(_codes(members))
    for code, share in shares.items():
        catalog.validate_form(code, share)  # every member's share passes the member's own form
    assert shares[MEDICAL_INSURANCE]["applicant_name"] == data["newborn_name"]
    assert shares[HUKOU]["applicant_name"] == data["guardian_name"]


def test_combined_form_errors_name_the_combined_paths(ctx):
    doc = catalog.get_bundle_definition(NEWBORN)
    members = catalog.applicable_members(doc, newborn_answers())
    form = catalog.combined_form(doc, members)
    data = fill_form(form, contact_phone="12345")
    data["members"] = {code: fill_form(schema) for code, schema in form["properties"]["members"]["properties"].items()}
    data["members"][HUKOU]["settle_with"] = "随便"
    with pytest.raises(FormInvalid) as exc:
        catalog.validate_combined(doc, members, data)
    assert exc.value.errors["contact_phone"] == ["联系电话：格式不正确"]
    assert f"members.{HUKOU}.settle_with" in exc.value.errors


def test_member_form_constraints_checked_after_the_split(ctx):
    """A shared field looser than a member's field (guardian_name vs the member's own limits)
    is refused with the member named, at the shared path."""
    doc = catalog.get_bundle_definition(NEWBORN)
    doc["shared_form"]["properties"]["guardian_name"] = {"type": "string", "title": "申报人姓名"}
    members = catalog.applicable_members(doc, newborn_answers())
    form = catalog.combined_form(doc, members)
    data = fill_form(form, guardian_name="李")
    data["members"] = {code: fill_form(schema) for code, schema in form["properties"]["members"]["properties"].items()}
    with pytest.raises(FormInvalid) as exc:
        catalog.validate_combined(doc, members, data)
    assert any("出生登记" in msg for msg in exc.value.errors["guardian_name"])


def test_evaluate_the_situation(ctx):
    got = catalog.evaluate_bundle(NEWBORN, newborn_answers(parents_local=False))
    assert _codes(got["members"]) == [BIRTH_CERT, VACCINATION]
    assert {m["service_code"] for m in got["not_applying"]} == {
        BIRTH_REGISTRATION,
        HUKOU,
        MEDICAL_INSURANCE,
        SSCARD,
        MATERNITY,
    }
    assert set(got["form"]["properties"]) >= {"newborn_name", "guardian_name"}
    assert "delivery_method" not in got["form"]["properties"]  # only 落户 and 社保卡 mail a card
    assert got["fees"] == {"from_fen": 0, "varies": False, "text": "免费"}
    keys = {e["key"] for e in got["materials"]}
    assert "M-SFZ" in keys and "M-CSZM" in keys
    assert got["time_limit"]["promised_days"] == bundle_doc(NEWBORN)["promised_time_limit"]


def test_evaluate_sums_the_fees_of_the_members_that_apply(ctx):
    sick = catalog.evaluate_bundle(RETIREMENT, retirement_answers(retire_type="因病或非因工致残完全丧失劳动能力"))
    assert WORK_ABILITY in _codes(sick["members"])
    assert sick["fees"]["from_fen"] == by_code(WORK_ABILITY)["fees"]["items"][0]["amount_fen"] == 30000
    normal = catalog.evaluate_bundle(RETIREMENT, retirement_answers())
    assert WORK_ABILITY not in _codes(normal["members"])
    assert normal["fees"]["text"] == "免费"


def test_guide_says_what_each_answer_changes(ctx):
    guide = catalog.get_bundle(NEWBORN)
    assert guide["name"] == "新生儿出生一件事"
    assert guide["legal_basis"] == bundle_doc(NEWBORN)["legal_basis"]
    q = {x["code"]: x for x in guide["questions"]}
    local = {a["value"]: a for a in q["parents_local"]["answers"]}
    assert local[True]["adds"] == [HUKOU, MEDICAL_INSURANCE]
    assert local[False]["removes"] == [HUKOU, MEDICAL_INSURANCE, SSCARD]
    assert local[True]["removes"] == []
    card = {a["value"]: a for a in q["need_sscard"]["answers"]}
    assert card[True]["adds"] == [] and card[False]["removes"] == [SSCARD]
    members = {m["service_code"]: m for m in guide["members"]}
    assert members[BIRTH_CERT]["always"] is True and members[BIRTH_CERT]["when_text"] == "均需办理"
    assert members[SSCARD]["when_text"] == "「父母一方户籍是否在本县」为“是”且「是否为孩子申领社会保障卡」为“是”"
    assert members[MEDICAL_INSURANCE]["depends_on"] == [HUKOU]
    assert len(guide["departments"]) >= 3


def test_guide_fees_and_time(ctx):
    guide = catalog.get_bundle(RETIREMENT)
    assert guide["fees"]["from_fen"] == 0  # the members that always apply are free
    assert guide["fees"]["up_to_fen"] == 30000  # … the work-ability assessment is not
    assert guide["time_limit"]["promised_days"] == 20
    assert guide["time_limit"]["members_longest_promised_days"] == by_code(WORK_ABILITY)["promised_time_limit"]


def test_list_bundles_paginated(ctx):
    page = catalog.list_bundles(page=1, page_size=2)
    assert page.total == len(seed()["bundles"])
    assert [b["code"] for b in page.items] == [NEWBORN, COMPANY]
    assert [b["code"] for b in catalog.list_bundles(audience="legal_person").items] == [COMPANY]
