"""The credit core: the bad-credit list and false commitments, keyed by the ID hash."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.credit import service as credit
from app.credit.errors import InvalidSeverity
from app.credit.models import BadCreditEntry, FalseCommitment
from app.extensions import db
from app.identity.registry import id_hash

LIU = "539921195601011115"  # 刘建国
ZHENG = "53990019690704051X"  # 郑海川
OUYANG = "539921198212250917"  # 欧阳清风
LIN = "539921199003071204"  # 林晓岚


def test_unknown_people_are_clean(actx):
    status = credit.check(id_hash(LIN))
    assert not (status.blocked or status.general or status.false_commitment)
    assert status.commitment_allowed and status.flag is None


def test_serious_blocks_general_flags_and_false_commitment_bars_commitments(actx):
    credit.add_entry(resident_hash=id_hash(LIU), severity="serious", reason="失信被执行人")
    credit.add_entry(resident_hash=id_hash(ZHENG), severity="general", reason="一般")
    credit.record_false_commitment(resident_hash=id_hash(OUYANG), reason="承诺不实", case_id=42)
    db.session.commit()
    liu, zheng, ouyang = (credit.check(id_hash(n)) for n in (LIU, ZHENG, OUYANG))
    assert liu.blocked and not liu.commitment_allowed
    assert not zheng.blocked and zheng.commitment_allowed and zheng.flag == "general_bad_credit"
    assert not ouyang.blocked and not ouyang.commitment_allowed and ouyang.flag == "false_commitment"


def test_a_lifted_entry_no_longer_counts(actx):
    entry = credit.add_entry(resident_hash=id_hash(LIU), severity="serious", reason="x")
    db.session.commit()
    credit.lift_entry(entry.id)
    db.session.commit()
    assert not credit.check(id_hash(LIU)).blocked


def test_severity_is_checked(actx):
    with pytest.raises(InvalidSeverity):
        credit.add_entry(resident_hash=id_hash(LIU), severity="mild", reason="x")


def test_nothing_stores_the_id_number(actx):
    credit.add_entry(resident_hash=id_hash(LIU), severity="serious", reason="x")
    credit.record_false_commitment(resident_hash=id_hash(LIU), reason="y")
    db.session.commit()
    for model in (BadCreditEntry, FalseCommitment):
        row = db.session.scalars(sa.select(model)).one()
        assert LIU not in str(row.__dict__) and row.id_hash == id_hash(LIU)


def test_cli_add_hashes_and_masks(identity_app):
    runner = identity_app.test_cli_runner()
    result = runner.invoke(args=["credit", "add", "--id-number", LIU, "--reason", "失信", "--severity", "serious"])
    assert result.exit_code == 0, result.output
    assert LIU not in result.output and "5399" in result.output and "1115" in result.output
    with identity_app.app_context():
        assert credit.check(id_hash(LIU)).blocked
    bad = runner.invoke(args=["credit", "add", "--id-number", "123", "--reason", "x"])
    assert bad.exit_code != 0 and "INVALID_ID_NUMBER" in bad.output


def test_cli_seed_is_idempotent(identity_app):
    runner = identity_app.test_cli_runner()
    assert "added 3" in runner.invoke(args=["credit", "seed"]).output
    assert "added 0" in runner.invoke(args=["credit", "seed"]).output
    with identity_app.app_context():
        assert credit.check(id_hash(LIU)).blocked
        assert credit.check(id_hash(ZHENG)).flag == "general_bad_credit"
        assert not credit.check(id_hash(OUYANG)).commitment_allowed
