"""Schemas of the citizen API's 一件事 bundle guide (list, guide, evaluate a situation)."""

from __future__ import annotations

import marshmallow as ma

from app.catalog.public import AUDIENCES, LEVELS, MATERIAL_FORMS
from app.web.schemas import BaseSchema, PageQuerySchema, one_of, page_of
from miniprogram_api.catalog_schemas import CodeNameSchema, MaterialTypeSchema, ResultSchema

F = ma.fields
ANSWER = "an answer: true / false to a yes_no question, one of the options of a choice"


class BundleQuerySchema(PageQuerySchema):
    audience = F.String(validate=ma.validate.OneOf(AUDIENCES), metadata={"description": "individual / legal_person"})


class BundleFeesSchema(ma.Schema):
    from_fen = F.Integer(required=True, metadata={"description": "sum of the members' least charges, in fen"})
    varies = F.Boolean(required=True, metadata={"description": "true: some member's fee depends on its form"})
    text = F.String(required=True, metadata={"description": "免费, 300 元, 20 元起"})


class BundleGuideFeesSchema(BundleFeesSchema):
    up_to_fen = F.Integer(
        required=True,
        metadata={
            "description": "the least charges of every member summed, in fen: what the fullest situation costs at least"
        },
    )


class BundleSummarySchema(ma.Schema):
    code = F.String(metadata={"description": "bundle code (newborn, company-start …)"})
    name = F.String()
    audience = one_of(AUDIENCES)
    description = F.String()
    promised_days = F.Integer(metadata={"description": "working days for the whole bundle, from submission"})
    member_count = F.Integer(metadata={"description": "member items, whether they apply or not"})
    departments = F.List(F.String(), metadata={"description": "names of the departments involved"})
    question_count = F.Integer()
    fees = F.Nested(
        BundleGuideFeesSchema,
        metadata={"description": "from_fen / text: the members that always apply; up_to_fen: every member"},
    )
    keywords = F.List(F.String())


BundlePageSchema = page_of(BundleSummarySchema)


class AnswerEffectSchema(ma.Schema):
    value = F.Raw(metadata={"description": ANSWER})
    text = F.String(metadata={"description": "the answer as shown: 是, 否, or the option"})
    adds = F.List(F.String(), metadata={"description": "service codes of members this answer makes certain"})
    removes = F.List(F.String(), metadata={"description": "service codes of members this answer rules out"})


class BundleQuestionSchema(ma.Schema):
    code = F.String()
    text = F.String()
    kind = one_of(("yes_no", "choice"))
    hint = F.String()
    answers = F.List(
        F.Nested(AnswerEffectSchema), metadata={"description": "every possible answer and what it changes"}
    )


class MemberDepartmentSchema(CodeNameSchema):
    level = one_of(LEVELS)


class BundleMemberSchema(ma.Schema):
    service_code = F.String(metadata={"description": "the member item's implementation code (see getService)"})
    name = F.String()
    department = F.Nested(MemberDepartmentSchema)
    always = F.Boolean(metadata={"description": "true: applies whatever the answers"})
    when = F.Dict(
        allow_none=True,
        metadata={
            "description": "the condition on the answers (question/equals, question/in, all, any, not); null: always"
        },
    )
    when_text = F.String(metadata={"description": "the condition in words"})
    # "depends_on" would read as a date in the spec's naming rules
    prerequisites = F.List(
        F.String(),
        attribute="depends_on",
        metadata={"description": "service codes of the members it depends on: if one is denied, this one is withdrawn"},
    )
    promised_days = F.Integer(metadata={"description": "the member's promise, working days"})
    statutory_days = F.Integer(metadata={"description": "the member's statutory limit, working days"})
    fees = F.Nested(BundleFeesSchema)
    result = F.Nested(ResultSchema)
    fully_online = F.Boolean()
    visits = F.Integer()


class MaterialSourceSchema(ma.Schema):
    service_code = F.String()
    position = F.Integer(metadata={"description": "the material's position in the member's guide"})
    name = F.String()
    required = F.Boolean()
    commitment_allowed = F.Boolean()


class MergedMaterialSchema(ma.Schema):
    key = F.String(metadata={"description": "material type code, #n for the n-th of a type in one member (M-SFZ#2)"})
    material_type = F.Nested(MaterialTypeSchema)
    licence_type = F.Nested(CodeNameSchema, allow_none=True, metadata={"description": "e-licence that meets it"})
    name = F.String()
    names = F.List(F.String(), metadata={"description": "what each member's guide calls it"})
    required = F.Boolean(metadata={"description": "required by at least one member"})
    commitment_allowed = F.Boolean(metadata={"description": "a 告知承诺 may replace it: every member allows one"})
    form = one_of(MATERIAL_FORMS, metadata={"description": "the strictest form any member asks"})
    copies = F.Integer()
    members = F.List(F.String(), metadata={"description": "service codes of the members it meets, met once for all"})
    sources = F.List(F.Nested(MaterialSourceSchema))


class BundleTimeSchema(ma.Schema):
    promised_days = F.Integer(metadata={"description": "the bundle's promise, working days"})
    members_longest_promised_days = F.Integer(metadata={"description": "the slowest member's promise, working days"})
    members_total_promised_days = F.Integer(
        metadata={"description": "what the members one after the other would promise, working days"}
    )


class BundleGuideSchema(BundleSummarySchema):
    legal_basis = F.List(F.String(), metadata={"description": "the bundle's own statutory basis"})
    time_limit = F.Nested(BundleTimeSchema)
    questions = F.List(F.Nested(BundleQuestionSchema), metadata={"description": "情形引导"})
    members = F.List(F.Nested(BundleMemberSchema))
    shared_form = F.Dict(metadata={"description": "JSON Schema of the fields asked once for every member"})
    materials = F.List(
        F.Nested(MergedMaterialSchema),
        metadata={"description": "the materials of every member, merged by standard type"},
    )


class EvaluateBodySchema(BaseSchema):
    answers = F.Dict(
        keys=F.String(validate=ma.validate.Length(min=1, max=40)),
        values=F.Raw(),
        required=True,
        metadata={"description": "question code → answer (" + ANSWER + "); every question answered"},
    )


class SkippedMemberSchema(ma.Schema):
    service_code = F.String()
    name = F.String()
    when_text = F.String(metadata={"description": "when it would apply"})


class BundleSituationSchema(ma.Schema):
    code = F.String()
    name = F.String()
    answers = F.Dict(metadata={"description": "the answers evaluated"})
    members = F.List(F.Nested(BundleMemberSchema), metadata={"description": "the members that apply"})
    not_applying = F.List(F.Nested(SkippedMemberSchema))
    form = F.Dict(
        metadata={
            "description": "JSON Schema of the one form: shared fields at the top, each member's own fields "
            "under members.<service_code>"
        }
    )
    materials = F.List(F.Nested(MergedMaterialSchema), metadata={"description": "the one checklist"})
    materials_saved = F.Integer(metadata={"description": "materials asked once instead of once per member"})
    fees = F.Nested(BundleFeesSchema)
    time_limit = F.Nested(BundleTimeSchema)
    legal_basis = F.List(F.String())
