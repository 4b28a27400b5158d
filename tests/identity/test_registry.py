"""The population registry: ID number checks, the demo seed, `flask residents …`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from stdnum.cn import ric

from app.extensions import db
from app.identity import registry
from app.identity.errors import InvalidIdNumber, InvalidMobile, InvalidName
from app.identity.models import Resident

from .helpers import SEED


def test_every_demo_resident_has_a_valid_id_number_and_name():
    rows = SEED["residents"]
    assert 10 <= len(rows) <= 20
    assert len({r["id_number"] for r in rows}) == len(rows)
    for row in rows:
        number = row["id_number"]
        assert registry.normalise_id_number(number) == number
        assert ric.calc_check_digit(number) == number[-1]
        assert number[:6] in ("539921", "539900")  # fictional 青岚市云栖县: no real person's number
        assert registry.normalise_name(row["name"]) == row["name"]


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("53992119900307120", "18位"),
        ("5399211990030712045", "18位"),
        ("53992119900307120A", "数字和末位的X"),
        ("539921199003071205", "校验位"),
        ("539921199002301206", "出生日期"),  # 30 February, checksum recomputed below
        ("539921189912311206", "出生日期"),  # before 1900
    ],
)
def test_bad_id_numbers_are_refused_with_the_reason(raw, reason):
    if "出生日期" in reason:
        raw = raw[:17] + ric.calc_check_digit(raw)
    with pytest.raises(InvalidIdNumber) as info:
        registry.normalise_id_number(raw)
    assert reason in info.value.errors["json"]["id_number"][0]


def test_id_number_normalisation():
    assert registry.normalise_id_number(" 53992119750930079x ") == "53992119750930079X"
    assert registry.normalise_id_number("５３９９２１１９７５０９３００７９Ｘ") == "53992119750930079X"


def test_names_and_mobiles():
    assert registry.normalise_name(" 林 晓岚 ") == "林晓岚"
    assert registry.normalise_name("阿依古丽•买买提") == "阿依古丽·买买提"
    for bad in ("", "林", "Lin Xiaolan", "林晓岚1", "·林晓"):
        with pytest.raises(InvalidName):
            registry.normalise_name(bad)
    assert registry.normalise_mobile("+86 138-0013-8000") == "13800138000"
    for bad in ("12800138000", "1380013800", "phone"):
        with pytest.raises(InvalidMobile):
            registry.normalise_mobile(bad)


def test_cli_add_and_seed(identity_app):
    runner = identity_app.test_cli_runner()
    number = "539921198001010" + "01"
    number += ric.calc_check_digit(number + "0")
    result = runner.invoke(args=["residents", "add", "--name", "测试人", "--id-number", number])
    assert result.exit_code == 0, result.output
    assert "5399**********" in result.output and number not in result.output
    again = runner.invoke(args=["residents", "add", "--name", "测试人", "--id-number", number])
    assert again.exit_code != 0 and "RESIDENT_EXISTS" in again.output
    bad = runner.invoke(args=["residents", "add", "--name", "测试人", "--id-number", number[:-1] + "0"])
    assert bad.exit_code != 0 and "INVALID_ID_NUMBER" in bad.output and "校验位" in bad.output
    seeded = runner.invoke(args=["residents", "seed"])
    assert seeded.exit_code == 0 and f"0 added, {len(SEED['residents'])} already present" in seeded.output
    with identity_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == len(SEED["residents"]) + 1
        resident = registry.match_resident(name="测试人", id_number=number)
        assert resident is not None
        assert registry.match_resident(name="测试", id_number=number) is None
