"""`flask enterprises seed|add|import`: USCC checks, the demo seed (idempotent, with credit),
and CSV imports that are all-or-nothing with line errors."""

from __future__ import annotations

import sqlalchemy as sa

from app.enterprises import registry
from app.enterprises.models import Enterprise
from app.extensions import db
from tests.identity.helpers import RESIDENTS

from .helpers import new_uscc

HEADER = "uscc,name,kind,status,address,division_code,established_on,legal_rep_name,legal_rep_id_number\n"


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise))


def test_seed_is_idempotent(identity_app, actx):
    result = identity_app.test_cli_runner().invoke(args=["enterprises", "seed"])
    assert result.exit_code == 0, result.output
    assert "0 added, 11 already present; 2 credit record(s) added" in result.output
    again = identity_app.test_cli_runner().invoke(args=["enterprises", "seed"])
    assert "0 added, 11 already present; 0 credit record(s) added" in again.output


def test_add_masks_the_id_number_and_refuses_bad_input(identity_app, actx):
    runner = identity_app.test_cli_runner()
    uscc = new_uscc()
    args = ["enterprises", "add", "--uscc", uscc, "--name", "青岚测试有限公司", "--kind", "有限责任公司"]
    person = ["--legal-rep-name", "王青山", "--legal-rep-id-number", RESIDENTS["王青山"]]
    result = runner.invoke(args=[*args, *person])
    assert result.exit_code == 0, result.output
    assert RESIDENTS["王青山"] not in result.output and uscc in result.output
    row = registry.by_uscc(uscc)
    assert row.legal_rep_hash and RESIDENTS["王青山"] not in row.legal_rep_id_enc
    again = runner.invoke(args=[*args, *person])
    assert again.exit_code != 0 and "ENTERPRISE_EXISTS" in again.output
    bad = runner.invoke(args=[*args[:3], uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), *args[4:], *person])
    assert bad.exit_code != 0 and "校验位" in bad.output
    status = runner.invoke(args=[*args[:3], new_uscc(), *args[4:], *person, "--status", "倒闭"])
    assert status.exit_code != 0 and "status" in status.output


def test_import_writes_all_or_nothing(identity_app, actx, tmp_path):
    runner = identity_app.test_cli_runner()
    good1, good2, dup = new_uscc(), new_uscc(), new_uscc()
    rows = [
        f"{good1},青岚甲有限公司,有限责任公司,存续,青岚市甲路1号,539900,2020-01-01,王青山,{RESIDENTS['王青山']}",
        f"{good2},青岚乙有限公司,有限责任公司,,青岚市乙路2号,539900,,孙映雪,{RESIDENTS['孙映雪']}",
        f"{dup},青岚丙有限公司,有限责任公司,存续,,539900,2020-13-01,孙映雪,{RESIDENTS['孙映雪']}",
        f"{good1},青岚丁有限公司,有限责任公司,存续,,539900,,孙映雪,{RESIDENTS['孙映雪']}",
        f"91539900MA2QLYC01P,重复登记有限公司,有限责任公司,存续,,539900,,林晓岚,{RESIDENTS['林晓岚']}",
        f"{new_uscc()},青岚戊有限公司,有限责任公司,存续,,539900,,Bob,{RESIDENTS['孙映雪']}",
    ]
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    before = _count()
    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code != 0
    for line, text in ((4, "established_on"), (5, "与第2行重复"), (6, "已登记"), (7, "legal_rep_name")):
        assert f"line {line}: " in result.output and text in result.output, result.output
    assert "line 2:" not in result.output and "line 3:" not in result.output
    assert _count() == before and registry.by_uscc(good1) is None

    path.write_text("\ufeff" + HEADER + "\n".join(rows[:2]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 2 enterprise(s)" in result.output
    assert registry.by_uscc(good2).status == "存续" and _count() == before + 2


def test_import_refuses_a_file_without_the_columns(identity_app, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("uscc,name\n91539900MA2QLYC01P,x\n", encoding="utf-8")
    result = identity_app.test_cli_runner().invoke(args=["enterprises", "import", str(path)])
    assert result.exit_code != 0 and "missing column" in result.output


def test_uscc_normalisation():
    assert registry.normalise_uscc(" 91539900ma2qlyc01p ") == "91539900MA2QLYC01P"
    assert registry.normalise_uscc("９１５３９９００ＭＡ２ＱＬＹＣ０１Ｐ") == "91539900MA2QLYC01P"  # full-width
    for bad, reason in (("9153990", "18位"), ("91539900MA2QLYC01X", "校验位"), ("9153990XMA2QLYC01P", "格式")):
        try:
            registry.normalise_uscc(bad)
        except registry.errors.InvalidUscc as exc:
            assert reason in exc.errors["json"]["uscc"][0]
        else:
            raise AssertionError(bad)
