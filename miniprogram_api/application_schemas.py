"""Schemas of the citizen applications API (drafts, materials, submit)."""

from __future__ import annotations

import marshmallow as ma

from app.cases.public import CaseStatus
from app.cases.schemas import CaseMaterialSchema, CaseTimelineEntrySchema
from app.web.schemas import ID_RANGE, BaseSchema, Instant, PageQuerySchema, one_of

STATUS_DOC = {"description": "the application's status (办件状态)"}

F = ma.fields


class DraftCreateSchema(BaseSchema):
    service_code = F.String(required=True, validate=ma.validate.Length(min=1, max=64))


class FormPatchSchema(BaseSchema):
    form = F.Dict(
        keys=F.String(validate=ma.validate.Length(min=1, max=64)),
        required=True,
        metadata={"description": "fields to save; a null value clears a field"},
    )


class MaterialChoiceSchema(BaseSchema):
    method = F.String(required=True, validate=ma.validate.OneOf(["licence", "commitment", "upload"]))
    licence_id = F.Integer(validate=ID_RANGE)
    accept = F.Boolean()
    text_version = F.String(validate=ma.validate.Length(min=1, max=64))

    @ma.validates_schema
    def _fields_of_method(self, data, **kwargs):
        needed = {"licence": {"licence_id"}, "commitment": {"accept", "text_version"}, "upload": set()}
        allowed = needed[data["method"]] | {"method"}
        errors = {name: ["此项为必填项"] for name in needed[data["method"]] if name not in data}
        errors.update({name: ["此方式不需要该项"] for name in data if name not in allowed})
        if errors:
            raise ma.ValidationError(errors)


class FileUploadSchema(BaseSchema):
    file = F.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ApplicationQuerySchema(PageQuerySchema):
    status = F.String(validate=ma.validate.OneOf([s.value for s in CaseStatus]))


class AppCommitmentSchema(ma.Schema):
    version = F.String()
    text = F.String()


class AppLicenceOptionSchema(ma.Schema):
    id = F.Integer()
    name = F.String()
    holder_masked = F.String(allow_none=True)


class AppMaterialOptionsSchema(ma.Schema):
    licences = F.List(F.Nested(AppLicenceOptionSchema), metadata={"description": "usable e-licences (授权用证)"})
    commitment = F.Nested(AppCommitmentSchema, allow_none=True, metadata={"description": "告知承诺, where allowed"})
    upload = F.Boolean()


class AppMaterialSchema(CaseMaterialSchema):
    """A material of the checklist (fields: app/cases/schemas.py) and the ways it can still be met."""

    options = F.Nested(AppMaterialOptionsSchema)


class AppTimelineEntrySchema(CaseTimelineEntrySchema):
    """An entry of the application's timeline (fields: app/cases/schemas.py)."""


class ApplicationSummarySchema(ma.Schema):
    id = F.Integer()
    status = one_of(CaseStatus, metadata=STATUS_DOC)
    case_number = F.String(allow_none=True, metadata={"description": "办件编号, once submitted"})
    service_code = F.String()
    service_name = F.String()
    department_name = F.String()
    created_at = Instant()
    updated_at = Instant()
    submitted_at = Instant(allow_none=True)
    enterprise_id = F.Integer(
        allow_none=True, metadata={"description": "the enterprise applied for (acting for it); null: my own"}
    )


class ApplicationSchema(ApplicationSummarySchema):
    department_code = F.String()
    required_level = F.Integer(
        validate=ma.validate.OneOf([3, 4]),
        metadata={"description": "assurance level submit needs (3 real name, 4 fresh face check)"},
    )
    fee_fen = F.Integer(metadata={"description": "fee due on submit, in fen (0: free); paid in the app"})
    form_schema = F.Dict()
    form_data = F.Dict()
    form_errors = F.Dict(metadata={"description": "field errors of the saved form; submit needs none"})
    materials = F.List(F.Nested(AppMaterialSchema))
    correction_note = F.String(allow_none=True)
    timeline = F.List(F.Nested(AppTimelineEntrySchema))
