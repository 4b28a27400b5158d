"""Schemas of the citizen catalog API (query parameters and the documented responses)."""

from __future__ import annotations

import marshmallow as ma

from app.catalog.public import AUDIENCES, DELIVERY_OPTIONS, ITEM_TYPES, LEVELS, MATERIAL_FORMS, RESULT_TYPES
from app.web.schemas import Instant, PageQuerySchema, one_of, page_of

F = ma.fields


class ServiceQuerySchema(PageQuerySchema):
    q = F.String(
        validate=ma.validate.Length(min=1, max=50),
        metadata={"description": "搜索词: 名称子串、材料同义词、拼音或拼音首字母 (shenfenzheng, sfz)"},
    )
    department = F.String(validate=ma.validate.Length(max=32), metadata={"description": "department code"})
    audience = F.String(validate=ma.validate.OneOf(["individual", "legal_person"]))
    theme = F.String(validate=ma.validate.Length(max=32), metadata={"description": "theme code"})
    level = F.String(validate=ma.validate.OneOf(["province", "city", "county"]))
    mobile = F.Boolean(metadata={"description": "only items that can be done on the phone (true) or not (false)"})
    online_only = F.Boolean(load_default=False, metadata={"description": "only fully online items (全程网办)"})
    visits = F.Integer(
        validate=ma.validate.Range(min=0, max=5),
        metadata={"description": "at most this many visits: 0 零跑动, 1 最多跑一次"},
    )


class DepartmentRefSchema(ma.Schema):
    code = F.String()
    name = F.String()


class ServiceSummarySchema(ma.Schema):
    code = F.String(metadata={"description": "implementation code (实施编码)"})
    basic_code = F.String()
    name = F.String()
    department = F.Nested(DepartmentRefSchema)
    type = one_of(ITEM_TYPES, metadata={"description": "事项类型"})
    audience = F.List(one_of(AUDIENCES))
    level = one_of(LEVELS)
    mobile = F.Boolean()
    fully_online = F.Boolean()
    visits = F.Integer()
    instant = F.Boolean()
    promised_time_limit = F.Integer(metadata={"description": "working days"})
    fee_from_fen = F.Integer(
        required=True,
        metadata={"description": "the least an application is charged, in fen (0: free); see the guide's fees"},
    )
    fee_varies = F.Boolean(
        required=True,
        metadata={"description": "true: the amount depends on the application (alternative standards, per-unit fees)"},
    )
    fee_text = F.String(required=True, metadata={"description": "the fee as shown in a list: 免费, 120 元, 20 元起"})


ServicePageSchema = page_of(ServiceSummarySchema, name="ServicePage")


class DepartmentSchema(ma.Schema):
    code = F.String()
    name = F.String()
    level = one_of(LEVELS)
    division_code = F.String()
    division_name = F.String()
    address = F.String()
    phone = F.String()
    office_hours = F.String()
    service_count = F.Integer()


# The whole list as one page of the one envelope (page 1, page_size = total); the names predate it.
DepartmentListSchema = page_of(DepartmentSchema, name="DepartmentList")


class ThemeSchema(ma.Schema):
    code = F.String()
    name = F.String()
    audience = one_of(AUDIENCES)
    description = F.String()
    services = F.List(F.Nested(ServiceSummarySchema))


ThemeListSchema = page_of(ThemeSchema, name="ThemeList")


class CodeNameSchema(ma.Schema):
    code = F.String()
    name = F.String()


class MaterialTypeSchema(CodeNameSchema):
    synonyms = F.List(F.String())


class MaterialSchema(ma.Schema):
    position = F.Integer()
    name = F.String()
    material_type = F.Nested(MaterialTypeSchema)
    licence_type = F.Nested(CodeNameSchema, allow_none=True, metadata={"description": "e-licence that meets it"})
    required = F.Boolean()
    form = one_of(MATERIAL_FORMS, metadata={"description": "original / copy / electronic"})
    copies = F.Integer()
    commitment_allowed = F.Boolean(metadata={"description": "a 告知承诺 may replace it"})
    notes = F.String()


class DepartmentDetailSchema(DepartmentRefSchema):
    level = one_of(LEVELS)
    division_code = F.String()
    division_name = F.String()
    address = F.String()
    phone = F.String()
    office_hours = F.String()


class ProcessStepSchema(ma.Schema):
    name = F.String()
    description = F.String()
    time_limit = F.Integer(allow_none=True, metadata={"description": "working days"})


class FeeConditionSchema(ma.Schema):
    field = F.String(required=True, metadata={"description": "a property of the item's form_schema"})
    equals = F.Raw(
        metadata={"description": "the standard applies when the form field has this value", "x-optional": True}
    )
    # "in" is a Python keyword: the attribute is in_, the key "in"
    in_ = F.List(
        F.Raw(),
        attribute="in",
        data_key="in",
        metadata={"description": "… or one of these values (instead of equals)", "x-optional": True},
    )


class FeeItemSchema(ma.Schema):
    name = F.String(required=True)
    amount_fen = F.Integer(required=True, metadata={"description": "in fen (per unit when `per` is set)"})
    basis = F.String(required=True, metadata={"description": "收费依据"})
    when = F.Nested(
        FeeConditionSchema,
        required=True,
        allow_none=True,
        metadata={"description": "an alternative standard: charged when this holds on the form (first match wins)"},
    )
    default = F.Boolean(
        required=True, metadata={"description": "the alternative charged when no other standard's `when` holds"}
    )
    per = F.String(
        required=True,
        allow_none=True,
        metadata={"description": "charged amount_fen × this integer form field (missing or 0: not charged)"},
    )
    applies = F.String(
        required=True, metadata={"description": "when it is charged, in words: 换领原因为“证件严重损坏”"}
    )


class FeesSchema(ma.Schema):
    free = F.Boolean(required=True)
    from_fen = F.Integer(
        required=True,
        metadata={
            "description": "the least an application is charged, in fen: the cheapest alternative plus the "
            "lines charged on every application"
        },
    )
    varies = F.Boolean(required=True, metadata={"description": "true: the amount depends on the application's form"})
    text = F.String(required=True, metadata={"description": "免费, 120 元, 20 元起"})
    items = F.List(
        F.Nested(FeeItemSchema),
        required=True,
        metadata={
            "description": "fee lines: alternatives (`when` / `default`: exactly one is charged) and lines "
            "charged on every application (per unit when `per` is set); the draft's fee_fen is what this form is charged"
        },
    )


class ResultSchema(ma.Schema):
    type = one_of(RESULT_TYPES)
    name = F.String()
    licence_type = F.Nested(CodeNameSchema, allow_none=True)


class TimeLimitSchema(ma.Schema):
    statutory_days = F.Integer(metadata={"description": "working days"})
    promised_days = F.Integer(metadata={"description": "working days"})


class ChannelsSchema(ma.Schema):
    fully_online = F.Boolean()
    mobile = F.Boolean()


class ServiceGuideSchema(ma.Schema):
    code = F.String()
    basic_code = F.String()
    name = F.String()
    department = F.Nested(DepartmentDetailSchema)
    type = one_of(ITEM_TYPES, metadata={"description": "事项类型"})
    audience = F.List(one_of(AUDIENCES))
    level = one_of(LEVELS)
    legal_basis = F.List(F.String())
    scope = F.String()
    conditions = F.List(F.String())
    time_limit = F.Nested(TimeLimitSchema)
    process = F.List(F.Nested(ProcessStepSchema))
    materials = F.List(F.Nested(MaterialSchema))
    form_schema = F.Dict(metadata={"description": "JSON Schema (draft 2020-12) of the application form"})
    fees = F.Nested(FeesSchema)
    result = F.Nested(ResultSchema)
    themes = F.List(F.Nested(CodeNameSchema))
    channels = F.Nested(ChannelsSchema)
    visits = F.Integer()
    instant = F.Boolean()
    instant_rules = F.List(
        F.Dict(), metadata={"description": "秒批 rules: when all hold the application is approved at once"}
    )
    delivery_options = F.List(one_of(DELIVERY_OPTIONS))
    keywords = F.List(F.String())
    consult = F.String()
    supervision = F.String()
    popularity = F.Integer()
    updated_at = Instant()
