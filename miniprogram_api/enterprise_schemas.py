"""Schemas of the citizen enterprise endpoints: binding, my enterprises, switching, agent grants."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.enterprises.public import GRANT_SCOPES, GRANT_STATUSES, ROLES, STATUSES
from app.web.schemas import BaseSchema, Day, Instant, one_of, page_of
from miniprogram_api.identity_schemas import ID_NUMBER, NAME

USCC = {
    "description": "18-character unified social credit code (统一社会信用代码), check digit verified",
    "pattern": r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    "example": "91539900MA2QLYC01P",
}


class BindSchema(BaseSchema):
    uscc = F.String(required=True, validate=V.Length(min=1, max=40), metadata=USCC)


class EnterpriseSchema(ma.Schema):
    id = F.Integer()
    uscc = F.String(metadata=USCC)
    name = F.String()
    entity_type = F.String(attribute="kind", metadata={"description": "market-entity type (市场主体类型), free text"})
    status = one_of(STATUSES, metadata={"description": "registration status (登记状态)"})
    role = one_of(ROLES, metadata={"description": "legal_representative (法定代表人) or agent (经办人)"})
    grant_id = F.Integer(allow_none=True, metadata={"description": "the agent grant (null for the representative)"})
    scope = one_of(GRANT_SCOPES, metadata={"description": "what the role covers: all items, listed items or themes"})
    valid_until = Day(allow_none=True, metadata={"description": "last day of the grant (null: no end)"})


class EnterpriseListSchema(ma.Schema):
    items = F.List(F.Nested(EnterpriseSchema))


class SwitchSchema(BaseSchema):
    enterprise_id = F.Integer(required=True, validate=V.Range(min=1, max=2**31 - 1))


class GrantCreateSchema(BaseSchema):
    name = F.String(required=True, validate=V.Length(min=1, max=60), metadata=NAME)
    id_number = F.String(required=True, validate=V.Length(min=1, max=40), metadata=ID_NUMBER)
    scope = F.String(required=True, validate=V.OneOf(GRANT_SCOPES))
    codes = F.List(
        F.String(validate=V.Length(min=1, max=40)),
        load_default=list,
        validate=V.Length(max=50),
        metadata={
            "description": "item implementation codes (scope items) or theme codes (scope themes); empty for all"
        },
    )
    valid_until = F.Date(required=True, metadata={"description": "last day the agent may act (at most 3 years ahead)"})


class GrantSchema(ma.Schema):
    id = F.Integer()
    enterprise_id = F.Integer()
    enterprise_name = F.String()
    enterprise_uscc = F.String(metadata=USCC)
    agent_name_masked = F.String()
    agent_id_masked = F.String()
    scope = one_of(GRANT_SCOPES)
    codes = F.List(F.String())
    valid_until = Day()
    status = one_of(
        (*GRANT_STATUSES, "expired"), metadata={"description": "pending, active, revoked, declined, expired"}
    )
    created_at = Instant()
    accepted_at = Instant(allow_none=True)
    revoked_at = Instant(allow_none=True)


GrantPageSchema = page_of(GrantSchema)


class AuditEntrySchema(ma.Schema):
    id = F.Integer()
    action = F.String(
        metadata={
            "description": "bound, grant_created, grant_accepted, grant_declined, grant_revoked, acting_started, acting_ended, acting_refused"
        }
    )
    actor_masked = F.String(allow_none=True, metadata={"description": "who did it (masked name)"})
    grant_id = F.Integer(allow_none=True)
    ref = F.String(allow_none=True)
    created_at = Instant()


AuditPageSchema = page_of(AuditEntrySchema)


class EblStartedSchema(ma.Schema):
    ticket = F.String(metadata={"description": "the scan ticket; poll /enterprises/ebl/complete with it"})
    qr_content = F.String(metadata={"description": "what the QR code shown to the 电子营业执照 app encodes"})
    expires_in = F.Integer(metadata={"description": "seconds"})


class EblCompleteSchema(BaseSchema):
    ticket = F.String(required=True, validate=V.Length(min=1, max=128))
