"""Output schemas of a case's parts both the citizen and the staff API show: a material of the
checklist, an uploaded file, a timeline entry. Each API names its own component by a subclass
(miniprogram_api/application_schemas.py, app/staff_api/case_schemas.py)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.cases.states import CaseStatus
from app.web.schemas import Instant, one_of

METHODS = ("licence", "commitment", "upload")


class CaseFileSchema(ma.Schema):
    id = F.Integer()
    content_type = one_of(("application/pdf", "image/jpeg", "image/png"))
    size = F.Integer(metadata={"description": "bytes"})
    created_at = Instant()


class CaseMaterialSchema(ma.Schema):
    position = F.Integer()
    name = F.String()
    material_type_code = F.String()
    licence_type_code = F.String(allow_none=True)
    required = F.Boolean()
    commitment_allowed = F.Boolean()
    method = one_of(METHODS, allow_none=True, metadata={"description": "how it is met; null: not chosen yet"})
    met = F.Boolean()
    needs_correction = F.Boolean(metadata={"description": "named in the correction request: provide it again"})
    licence_id = F.Integer(allow_none=True)
    commitment_version = F.String(allow_none=True)
    commitment_accepted_at = Instant(allow_none=True)
    files = F.List(F.Nested(CaseFileSchema))


class CaseTimelineEntrySchema(ma.Schema):
    action = F.String(metadata={"description": "what happened: submit, accept, approve, pay, delivery steps …"})
    from_status = one_of(CaseStatus)
    to_status = one_of(CaseStatus)
    note = F.String(allow_none=True)
    at = Instant()
