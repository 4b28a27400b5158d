"""Schemas of the staff case endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.cases.schemas import CaseMaterialSchema, CaseTimelineEntrySchema
from app.cases.states import CaseStatus
from app.web.schemas import BaseSchema, Day, Instant, PageQuerySchema, one_of, page_of

SUPERVISION = {"description": "green | yellow (≤ SUPERVISION_YELLOW_DAYS working days left) | red (overdue)"}


class QueueQuerySchema(PageQuerySchema):
    status = F.String(validate=V.OneOf([s.value for s in CaseStatus if s != CaseStatus.DRAFT]))
    overdue = F.Boolean(metadata={"description": "true: only red cases; false: only the others"})


class CaseActionSchema(BaseSchema):
    note = F.String(
        validate=V.Length(max=500), metadata={"description": "required for reject, request_correction, deny, revoke"}
    )
    materials = F.List(
        F.Integer(validate=V.Range(min=0)),
        validate=V.Length(max=50),
        metadata={
            "description": "request_correction: positions of the materials to provide again; "
            "revoke: the commitments found false (default: all of the case's commitments)"
        },
    )


class CaseEnterpriseSchema(ma.Schema):
    id = F.Integer()
    name = F.String()


class QueueItemSchema(ma.Schema):
    id = F.Integer()
    case_number = F.String()
    service_code = F.String()
    service_name = F.String()
    status = one_of(CaseStatus)
    applicant_masked = F.String(
        metadata={"description": "the person's masked name, or the enterprise's registered name for its case"}
    )
    handler_masked = F.String(metadata={"description": "the person who applied (acting for the enterprise), masked"})
    enterprise = F.Nested(
        CaseEnterpriseSchema, allow_none=True, metadata={"description": "the applicant enterprise (null: a person)"}
    )
    submitted_at = Instant(allow_none=True)
    promised_time_limit = F.Integer(allow_none=True, metadata={"description": "working days"})
    deadline = Day(allow_none=True)
    working_days_left = F.Integer(allow_none=True, metadata={"description": "working days"})
    supervision = one_of(("green", "yellow", "red"), allow_none=True, metadata=SUPERVISION)


WorkQueuePageSchema = page_of(QueueItemSchema)


class TimelineEntrySchema(CaseTimelineEntrySchema):
    """An entry of the case's timeline (fields: app/cases/schemas.py) and who made it."""

    actor = F.String()


class StaffMaterialSchema(CaseMaterialSchema):
    """A material of the case's checklist (fields: app/cases/schemas.py)."""


class StaffBundleMemberSchema(ma.Schema):
    case_id = F.Integer()
    case_number = F.String(allow_none=True)
    service_code = F.String()
    service_name = F.String()
    department_name = F.String()
    status = one_of(CaseStatus)


class StaffBundleSchema(ma.Schema):
    """The 一件事 bundle a member case belongs to, and the state of every member."""

    id = F.Integer()
    bundle_code = F.String()
    bundle_name = F.String()
    status = one_of(("in_progress", "correction_needed", "concluded", "withdrawn"))
    promised_time_limit = F.Integer(metadata={"description": "working days for the whole bundle"})
    submitted_at = Instant(allow_none=True)
    members = F.List(F.Nested(StaffBundleMemberSchema))


class StaffCaseSchema(QueueItemSchema):
    department_code = F.String()
    department_name = F.String()
    required_level = F.Integer()
    credit_flag = F.String(allow_none=True)
    form_schema = F.Dict()
    form_data = F.Dict()
    correction_note = F.String(allow_none=True)
    created_at = Instant()
    updated_at = Instant()
    materials = F.List(F.Nested(StaffMaterialSchema))
    timeline = F.List(F.Nested(TimelineEntrySchema))
    bundle = F.Nested(
        StaffBundleSchema,
        allow_none=True,
        metadata={
            "description": "the 一件事 bundle of a member case and its members' state; null for a case on its own"
        },
    )
