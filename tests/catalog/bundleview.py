"""Test helpers for 一件事 bundles (used by tests/catalog and tests/bundles): the demo bundles'
codes, answers for the usual situations, and a filler producing a valid combined form.

    from tests.catalog.bundleview import NEWBORN, newborn_answers, fill_form
    situation = bundle_service.evaluate(NEWBORN, newborn_answers())
    data = fill_form(situation["form"])
"""

from __future__ import annotations

from tests.catalog.seedview import seed

NEWBORN = "newborn"
COMPANY = "company-start"
RETIREMENT = "retirement"

# member service codes of the demo bundles
BIRTH_CERT = "1153992102885039XA0001211010001"  # 出生医学证明首次签发 (县卫健局)
VACCINATION = "1153992102885039XA0001211060001"  # 预防接种证办理 (县卫健局)
BIRTH_REGISTRATION = "1153992102885039XA0001211020001"  # 生育登记 (县卫健局)
HUKOU = "1153992101967557720000107050001"  # 出生登记 (县公安局)
MEDICAL_INSURANCE = "11539921MBU178321A0000411010001"  # 城乡居民医保参保登记 (县医保局)
SSCARD = "11539921021890583P0000311020001"  # 社会保障卡申领 (县人社局)
MATERNITY = "11539900MBX118711G0000405050001"  # 生育津贴申领 (市医保局)

COMPANY_REGISTRATION = "11539900MBW767867N0000601050001"  # 有限责任公司设立登记 (市行政审批局)
SEAL = "11539900048599438P0001112120001"  # 公章刻制备案 (市公安局)
TAX = "11539900MBX107676H0001111040001"  # 新办纳税人涉税事项套餐 (市税务局)
SOCIAL_INSURANCE = "1153990002395958020000311090001"  # 社会保险登记（单位参保登记） (市人社局)
HOUSING_FUND = "12539900013482213M0000511070001"  # 住房公积金单位缴存登记 (市公积金中心)

WORK_ABILITY = "1153990002395958020000312100001"  # 劳动能力鉴定 (市人社局, 300 元)
PENSION = "1153990002395958020000305070001"
RETIREE_MEDICAL = "11539900MBX118711G0000411060001"
RETIREE_HOUSING_FUND = "12539900013482213M0000511030001"


def bundle_doc(code: str) -> dict:
    """The bundle as the seed file writes it."""
    return next(b for b in seed()["bundles"] if b["code"] == code)


def newborn_answers(**overrides) -> dict:
    """Parents registered here, a social-security card wanted, birth already registered, the
    mother without employee maternity insurance: 出生医学证明, 预防接种证, 出生登记, 医保, 社保卡."""
    return {"parents_local": True, "need_sscard": True, "birth_registered": True, "mother_insured": False} | overrides


def company_answers(**overrides) -> dict:
    """A seal, employees and the housing fund: all five members."""
    return {"need_seal": True, "has_employees": True, "housing_fund": True} | overrides


def retirement_answers(**overrides) -> dict:
    return {"retire_type": "达到法定退休年龄", "has_housing_fund": True} | overrides


# plausible values for the fields of the demo forms; anything else is derived from its schema
VALUES = {
    "newborn_name": "李小禾",
    "child_name": "李小禾",
    "mother_name": "王芳",
    "father_name": "李明",
    "guardian_name": "李明",
    "applicant_name": "李明",
    "spouse_name": "王芳",
    "legal_rep": "张伟",
    "handler_name": "赵敏",
    "company_name": "青岚市禾润科技有限公司",
    "taxpayer_name": "青岚市禾润科技有限公司",
    "org_name": "青岚市禾润科技有限公司",
    "contact_phone": "13800138000",
    "birth_date": "2026-11-20",
    "due_date": "2026-11-20",
    "delivery_date": "2026-11-20",
    "retire_date": "2026-12-01",
    "domicile": "青岚市政通路88号创业大厦5楼",
    "home_address": "云栖县栖凤大道66号3栋2单元",
    "mailing_address": "云栖县栖凤大道66号3栋2单元",
    "business_address": "云栖县栖凤大道66号",
    "bank_account": "6222020200112233445",
}


def _value(name: str, prop: dict):
    if name in VALUES:
        return VALUES[name]
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "boolean":
        return False
    if kind == "integer":
        return max(prop.get("minimum", 1), 1)
    if kind == "array":
        items = prop.get("items") or {}
        return [items["enum"][0]] if "enum" in items else ["测试"]
    if kind == "object":
        return fill_form(prop)
    if prop.get("format") == "date":
        return "2026-11-20"
    return "测试内容填写" * max(1, prop.get("minLength", 1) // 6 + 1)


def fill_form(schema: dict, *, optional: bool = False, **overrides) -> dict:
    """A valid instance of a (combined or member) form schema: its required fields (and the
    optional ones too when `optional`), except fields with a pattern nothing here fits."""
    required = set(schema.get("required") or [])
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        if name not in required and not (optional and (name in VALUES or "pattern" not in prop)):
            continue
        out[name] = _value(name, prop)
    return out | overrides
