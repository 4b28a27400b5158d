"""Deterministic generator of a province's service catalog in the import format
(docs/catalog-format.md).

`build(size, seed)` lays out 青岚省: the province, then city after city with its counties, each
division with its bureaus (公安局, 人力资源和社会保障局, 住房公积金管理中心...), each bureau
implementing most of its items (vocab.py) until `size` items exist. Everything is drawn from
`random.Random` seeded per item, so the same (size, seed) always yields the same file.

`write_reference` writes the reference sections (departments, licence types, material types,
themes) as one JSON import file; `write_json_chunks` writes the items as JSON import files of a
few hundred items each.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bench.catalog import vocab

FORMAT_ID = "zhangshangban.catalog/1"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LEVEL_POPULARITY = {"province": 0.4, "city": 1.3, "county": 1.0}


def uscc(division_code: str, rng: random.Random) -> str:
    """A unified social credit code with valid check characters (GB 32100, GB 11714)."""
    org = [rng.randrange(10) for _ in range(8)]
    c9 = 11 - sum(d * w for d, w in zip(org, ORG_WEIGHTS, strict=True)) % 11
    org_code = "".join(map(str, org)) + {10: "X", 11: "0"}.get(c9, str(c9))
    body = "11" + division_code + org_code
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


@dataclass
class Division:
    code: str
    name: str  # 云栖县
    full_name: str  # 青岚省云栖市云栖县
    level: str
    area_code: str


@dataclass
class Department:
    code: str
    name: str
    uscc: str
    division: Division
    bureau: vocab.Bureau
    phone: str

    def row(self, rng: random.Random) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "uscc": self.uscc,
            "division_code": self.division.code,
            "division_name": self.division.full_name,
            "level": self.division.level,
            "address": f"{self.division.name}{rng.choice(vocab.STREETS)}{rng.randint(1, 399)}号政务服务中心",
            "phone": self.phone,
            "office_hours": "工作日 9:00-12:00，13:30-17:00",
        }


@dataclass
class PlannedItem:
    """Where an item sits in the catalog; its full row is built on demand (`item_row`)."""

    index: int
    department: Department
    subject: vocab.Subject
    name: str
    basic_no: int
    bureau_no: int

    @property
    def code(self) -> str:
        return f"{self.department.uscc}{self.basic_no:05d}0000{1:04d}"


@dataclass
class Dataset:
    size: int
    seed: int
    departments: list[Department]
    items: list[PlannedItem]
    names: Counter = field(default_factory=Counter)

    @cached_property
    def codes(self) -> list[str]:
        return [p.code for p in self.items]

    @cached_property
    def department_codes(self) -> list[str]:
        return [d.code for d in self.departments]

    @cached_property
    def theme_codes(self) -> list[str]:
        return [t[0] for t in vocab.THEMES]


def _divisions(rng: random.Random):
    """青岚省 (660000), then each city (66CC00) followed by its 6-12 counties (66CCKK); past the
    99th city the codes go on under 67 (67CC00: 200,000 items need ~1,150 divisions)."""
    yield Division("660000", "青岚省", "青岚省", "province", "0870")
    used: set[str] = set()
    for city_no in range(1, 400):
        name = _place_name(rng, used) + "市"
        prefix = f"{66 + city_no // 100}{city_no % 100:02d}"
        city = Division(f"{prefix}00", name, "青岚省" + name, "city", f"08{70 + city_no:02d}")
        yield city
        for county_no in range(1, rng.randint(6, 12) + 1):
            cname = _place_name(rng, used) + rng.choice(vocab.COUNTY_SUFFIX)
            yield Division(f"{prefix}{county_no:02d}", cname, name + cname, "county", city.area_code)


def _place_name(rng: random.Random, used: set[str]) -> str:
    # Two characters give 432 names; once most are taken (past ~60,000 items), three.
    three = len(used) >= 400
    while True:
        name = rng.choice(vocab.CITY_FIRST) + rng.choice(vocab.CITY_SECOND)
        if three:
            name += rng.choice(vocab.CITY_SECOND)
        if name not in used:
            used.add(name)
            return name


def _bureau_name(bureau: vocab.Bureau, level: str) -> str:
    name = bureau.name
    if level == "province" and name.endswith("局"):
        name = name[:-1] + "厅"
    if level == "county":
        name = name.replace("支队", "大队")
    return name


def build(size: int, seed: int = 20260101) -> Dataset:
    """Lay out departments and items until `size` items exist."""
    rng = random.Random(f"layout-{seed}")
    basic_numbers: dict[str, int] = {}
    for bureau in vocab.BUREAUS:
        for subject in bureau.subjects:
            for name in subject.names:
                basic_numbers.setdefault(name, len(basic_numbers) + 1)
    departments: list[Department] = []
    items: list[PlannedItem] = []
    names: Counter = Counter()
    usccs: set[str] = set()
    for division in _divisions(rng):
        if len(items) >= size:
            break
        for bureau_no, bureau in enumerate(vocab.BUREAUS):
            if division.level not in bureau.levels:
                continue
            code = uscc(division.code, rng)
            while code in usccs:
                code = uscc(division.code, rng)
            usccs.add(code)
            dept = Department(
                code=f"{division.code}-{bureau.key}",
                name=division.name + _bureau_name(bureau, division.level),
                uscc=code,
                division=division,
                bureau=bureau,
                phone=f"{division.area_code}-{rng.randint(2000000, 8999999)}",
            )
            added = 0
            for subject in bureau.subjects:
                if division.level not in subject.levels:
                    continue
                for name in subject.names:
                    # most bureaus implement most of their items, not all
                    if rng.random() < 0.85 and len(items) < size:
                        items.append(PlannedItem(len(items), dept, subject, name, basic_numbers[name], bureau_no))
                        names[name] += 1
                        added += 1
            if added:
                departments.append(dept)
    return Dataset(size=len(items), seed=seed, departments=departments, items=items, names=names)


# ---------------------------------------------------------------- rows


def reference_document(ds: Dataset) -> dict:
    rng = random.Random(f"reference-{ds.seed}")
    return {
        "format": FORMAT_ID,
        "departments": [d.row(rng) for d in ds.departments],
        "licence_types": [{"code": c, "name": n, "issuer_level": lvl} for c, n, lvl in vocab.LICENCE_TYPES],
        "material_types": [
            {"code": c, "name": n, "synonyms": syn, "licence_type": lt, "description": f"标准材料：{n}"}
            for c, n, syn, lt, _ in vocab.MATERIAL_TYPES
        ],
        "themes": [
            {"code": c, "name": n, "audience": aud, "description": f"{n}相关事项", "sort": sort}
            for c, n, aud, sort in vocab.THEMES
        ],
    }


_MATERIAL_NAMES = {c: guide_names for c, _, _, _, guide_names in vocab.MATERIAL_TYPES}
_LICENCE_NAMES = {c: n for c, n, _ in vocab.LICENCE_TYPES}
_STEPS = [
    ("申请", "申请人通过掌上办、政务服务网或窗口提交申请材料", None),
    ("受理", "窗口工作人员核对材料，材料齐全的予以受理", 1),
    ("审查", "承办人员对申请材料进行审查，必要时进行实地核查", None),
    ("决定", "作出准予或不予办理的决定", None),
    ("送达", "通过邮寄或窗口领取方式送达办理结果", 1),
]
_EXTRA_FIELDS = [
    ("reason", {"type": "string", "title": "申请原因", "enum": ["首次申请", "遗失", "损坏", "到期", "信息变更"]}),
    ("address", {"type": "string", "title": "联系地址", "maxLength": 200}),
    ("copies", {"type": "integer", "title": "申请份数", "minimum": 1, "maximum": 5}),
    ("delivery", {"type": "string", "title": "领取方式", "enum": ["邮寄", "窗口自取"]}),
    ("remark", {"type": "string", "title": "备注", "maxLength": 500}),
    ("start_date", {"type": "string", "title": "开始日期", "format": "date"}),
]


def _material(code: str, rng: random.Random, name: str | None = None, required: bool = True) -> dict:
    return {
        "material_type": code,
        "name": name or rng.choice(_MATERIAL_NAMES[code]),
        "required": required,
        "form": rng.choice(("original", "original", "copy", "electronic")),
        "copies": rng.choice((1, 1, 1, 2)),
        "commitment_allowed": rng.random() < 0.2,
        "notes": "" if rng.random() < 0.7 else "可通过电子证照免提交",
    }


def _form_schema(p: PlannedItem, legal: bool, rng: random.Random) -> dict:
    props: dict = {
        "applicant_name": {
            "type": "string",
            "title": "单位名称" if legal else "申请人姓名",
            "minLength": 2,
            "maxLength": 60,
        },
        "phone": {"type": "string", "title": "联系电话", "pattern": "^1[3-9]\\d{9}$"},
    }
    if legal:
        props["uscc"] = {"type": "string", "title": "统一社会信用代码", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"}
        props["legal_rep"] = {"type": "string", "title": "法定代表人", "maxLength": 30}
    else:
        props["id_number"] = {"type": "string", "title": "身份证号码", "pattern": "^\\d{17}[\\dXx]$"}
    for key, spec in rng.sample(_EXTRA_FIELDS, rng.randint(1, 3)):
        props[key] = dict(spec)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "title": f"{p.name}申请表",
        "properties": props,
        "required": [k for k in props if k in ("applicant_name", "phone", "id_number", "uscc")],
        "additionalProperties": False,
    }


def item_row(p: PlannedItem, seed: int, with_keywords: bool = True) -> dict:
    """The full import row of one planned item (deterministic per seed and index).

    `with_keywords=False` leaves the keywords out: an importer that joins their pinyin readings
    with NUL cannot store them in PostgreSQL (`--no-keywords`)."""
    rng = random.Random(f"item-{seed}-{p.index}")
    s, d = p.subject, p.department
    legal = s.audience == vocab.LEGAL
    audience = list(s.audience)
    statutory = rng.choice((0, 5, 10, 15, 20, 20, 30, 60))
    promised = 0 if statutory == 0 else rng.choice((0, statutory // 4, statutory // 2, statutory))
    fully_online = rng.random() < 0.35
    visits = 0 if fully_online else (1 if rng.random() < 0.8 else 2)
    mobile = rng.random() < (0.8 if fully_online else 0.3)

    materials = []
    if "individual" in audience and not legal:
        if rng.random() < 0.85:
            materials.append(_material("M-SFZ", rng))
    if "legal_person" in audience:
        if rng.random() < 0.8:
            materials.append(_material("M-YYZZ", rng))
        if rng.random() < 0.5:
            materials.append(_material("M-SFZ", rng, name="法定代表人身份证件"))
    for code in s.materials:
        if rng.random() < 0.8:
            materials.append(_material(code, rng))
    if rng.random() < 0.7:
        materials.append(_material("M-SQB", rng, name=f"{p.name}申请表"))
    if rng.random() < 0.3:
        materials.append(_material("M-WTS", rng, required=False))

    if rng.random() < 0.88:
        fees = {"free": True}
    else:
        fees = {
            "free": False,
            "items": [
                {"name": "工本费", "amount_fen": rng.choice((500, 1000, 2000, 4000)), "basis": "发改价格〔2019〕号文"}
            ],
        }
    rtype, rname, lt = s.result
    steps = _STEPS if statutory else _STEPS[:2] + _STEPS[3:4]
    laws = rng.sample(d.bureau.laws, min(len(d.bureau.laws), rng.randint(1, 2)))
    keywords = rng.sample(s.keywords, min(len(s.keywords), rng.randint(1, 3)))
    who = "单位" if legal else "个人" if audience == ["individual"] else "个人和单位"
    return {
        "implementation_code": p.code,
        "basic_code": f"{p.bureau_no + 1:03d}{p.basic_no:06d}000",
        "name": p.name,
        "department": d.code,
        "type": s.item_type,
        "audience": audience,
        "level": d.division.level,
        "legal_basis": [f"{law}第{rng.randint(2, 60)}条" for law in laws],
        "scope": f"{d.division.full_name}范围内{who}申请{p.name}",
        "conditions": ["申请人符合法律法规规定的条件", "申请材料齐全、符合法定形式"][: rng.randint(1, 2)],
        "statutory_time_limit": statutory,
        "promised_time_limit": promised,
        "process": [{"name": n, "description": desc, "time_limit": tl} for n, desc, tl in steps],
        "materials": materials,
        "form_schema": _form_schema(p, legal, rng),
        "fees": fees,
        "result": {"type": rtype, "name": _LICENCE_NAMES.get(lt, rname), "licence_type": lt},
        "themes": list(s.themes),
        "channels": {"fully_online": fully_online, "mobile": mobile},
        "visits": visits,
        "instant": promised == 0,
        "delivery_options": rng.choice((["pickup"], ["mail", "pickup"], ["mail", "pickup"], ["mail"])),
        "keywords": keywords if with_keywords else [],
        "consult": f"{d.phone}；12345政务服务便民热线",
        "supervision": "12345政务服务便民热线",
        "popularity": int(s.popularity * LEVEL_POPULARITY[d.division.level] * rng.lognormvariate(0, 0.8)),
    }


# ---------------------------------------------------------------- files


def write_reference(ds: Dataset, path: Path) -> Path:
    path.write_text(json.dumps(reference_document(ds), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_json_chunks(ds: Dataset, directory: Path, chunk_size: int, with_keywords: bool = True) -> list[Path]:
    """The items as JSON import files of `chunk_size` items each (compact JSON, items only: the
    reference rows they refer to are imported first, from `write_reference`).

    Chunking is a necessity with today's importer: it finds each row's line number by counting
    the newlines before it (`text.count("\\n", 0, index)`), quadratic in the file size, so one
    50,000-item file would take more than an hour just to read (docs/benchmarks.md).
    """
    paths = []
    for start in range(0, len(ds.items), chunk_size):
        chunk = ds.items[start : start + chunk_size]
        doc = {"format": FORMAT_ID, "items": [item_row(p, ds.seed, with_keywords) for p in chunk]}
        path = directory / f"catalog-{ds.size}-{start // chunk_size:04d}.json"
        path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        paths.append(path)
    return paths
