"""Schemas of the citizen bundle applications API (一件事一次办)."""

from __future__ import annotations

import marshmallow as ma

from app.bundles.public import BundleStatus, DeliveryMode
from app.cases.public import CaseStatus
from app.cases.schemas import CaseFileSchema
from app.web.schemas import BaseSchema, Instant, PageQuerySchema, one_of
from miniprogram_api.application_schemas import AppMaterialOptionsSchema, MaterialChoiceSchema

F = ma.fields
BUNDLE_STATUS_DOC = {
    "description": "draft; in_progress; correction_needed (a member waits for a correction); "
    "concluded (every member closed); withdrawn"
}


class BundleApplicationCreateSchema(BaseSchema):
    bundle_code = F.String(required=True, validate=ma.validate.Length(min=1, max=40))
    answers = F.Dict(
        keys=F.String(validate=ma.validate.Length(min=1, max=40)),
        metadata={"description": "optional: the answers at once (question code -> answer)"},
    )


class BundleAnswersSchema(BaseSchema):
    answers = F.Dict(
        keys=F.String(validate=ma.validate.Length(min=1, max=40)),
        required=True,
        metadata={"description": "question code -> answer (true/false for yes_no, an option for choice)"},
    )


class BundleFormPatchSchema(BaseSchema):
    form = F.Dict(
        keys=F.String(validate=ma.validate.Length(min=1, max=64)),
        required=True,
        metadata={"description": "fields of the combined form to save; a null value clears a field"},
    )


class BundleMaterialChoiceSchema(MaterialChoiceSchema):
    """How a merged material is met for every member needing it (fields: the applications API's)."""


class BundleDeliveryChoiceSchema(BaseSchema):
    mode = F.String(
        required=True,
        validate=ma.validate.OneOf(DeliveryMode.ALL),
        metadata={"description": "together: one parcel when every result is ready; each: as each comes"},
    )


class BundlePaymentSchema(BaseSchema):
    channel = F.String(required=True, validate=ma.validate.OneOf(["wechat", "alipay"]))


class BundleDeliverySchema(BaseSchema):
    address_id = F.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    mode = F.String(
        required=True,
        validate=ma.validate.OneOf(DeliveryMode.ALL),
        metadata={"description": "together: one parcel when every result is issued; each: as each comes"},
    )


class BundleFileUploadSchema(BaseSchema):
    file = F.Raw(required=True, metadata={"type": "string", "format": "binary"})


class BundleApplicationQuerySchema(PageQuerySchema):
    status = F.String(validate=ma.validate.OneOf(BundleStatus.ALL))


class BundleApplicationSummarySchema(ma.Schema):
    id = F.Integer()
    bundle_code = F.String()
    bundle_name = F.String()
    status = one_of(BundleStatus.ALL, metadata=BUNDLE_STATUS_DOC)
    member_count = F.Integer(metadata={"description": "members that apply on the answers"})
    created_at = Instant()
    updated_at = Instant()
    submitted_at = Instant(allow_none=True)


class BundleApplicationMemberSchema(ma.Schema):
    service_code = F.String()
    service_name = F.String()
    department_code = F.String()
    department_name = F.String()
    case_id = F.Integer(allow_none=True, metadata={"description": "the member's own case, once submitted"})
    case_number = F.String(allow_none=True)
    status = one_of(CaseStatus, allow_none=True, metadata={"description": "the member case's status"})
    correction_note = F.String(allow_none=True, metadata={"description": "what this member needs corrected"})
    prerequisites = F.List(
        F.String(), metadata={"description": "members this one depends on: if one is denied, this one is withdrawn"}
    )


class BundleApplicationMaterialSchema(ma.Schema):
    position = F.Integer()
    name = F.String()
    material_type_code = F.String()
    licence_type_code = F.String(allow_none=True)
    required = F.Boolean()
    commitment_allowed = F.Boolean()
    member_codes = F.List(F.String(), metadata={"description": "the members it is met once for"})
    method = one_of(("licence", "commitment", "upload"), allow_none=True)
    met = F.Boolean()
    licence_id = F.Integer(allow_none=True)
    commitment_version = F.String(allow_none=True)
    files = F.List(F.Nested(CaseFileSchema))
    options = F.Nested(AppMaterialOptionsSchema)


class BundleApplicationTimelineEntrySchema(ma.Schema):
    at = Instant()
    kind = one_of(("bundle", "member"), metadata={"description": "a step of the whole, or of one member"})
    action = F.String()
    service_code = F.String(allow_none=True)
    service_name = F.String(allow_none=True)
    case_id = F.Integer(allow_none=True)
    to_status = one_of(
        sorted(set(BundleStatus.ALL) | {s.value for s in CaseStatus}),
        metadata={"description": "the bundle's status (kind bundle) or the member case's (kind member)"},
    )
    note = F.String(allow_none=True)


class BundleApplicationSchema(BundleApplicationSummarySchema):
    promised_time_limit = F.Integer(metadata={"description": "working days for the whole bundle"})
    answers = F.Dict(allow_none=True)
    members = F.List(F.Nested(BundleApplicationMemberSchema))
    form_schema = F.Dict(metadata={"description": "the combined form (shared fields once, each member's own)"})
    form_data = F.Dict()
    form_errors = F.Dict(
        metadata={"description": "field errors of the saved form (each member's part checked against its own form)"}
    )
    materials = F.List(F.Nested(BundleApplicationMaterialSchema))
    delivery_mode = one_of(DeliveryMode.ALL)
    fee_fen = F.Integer(metadata={"description": "fees of all members, in fen (paid once for the bundle)"})
    closed_at = Instant(allow_none=True)
    timeline = F.List(F.Nested(BundleApplicationTimelineEntrySchema))
