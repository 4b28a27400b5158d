"""Schemas of the citizen e-licence endpoints (电子证照)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F

from app.licences.public import LicenceStatus
from app.web.schemas import Day, Instant, one_of, page_of
from miniprogram_api.catalog_schemas import CodeNameSchema as _CodeName

_STATUS = {"description": "valid | expired | revoked"}


class LicenceSummarySchema(ma.Schema):
    id = F.Integer()
    identifier = F.String(metadata={"description": "GB/T 36904-style e-licence identifier"})
    licence_type = F.Nested(_CodeName)
    status = one_of(LicenceStatus, metadata=_STATUS)
    holder_masked = F.String(metadata={"example": "林*岚"})
    number_masked = F.String(metadata={"example": "5399**********1204"})
    issued_on = Day()
    valid_until = Day(allow_none=True, metadata={"description": "null: long-term (长期)"})
    issuer = F.Nested(_CodeName)


LicencePageSchema = page_of(LicenceSummarySchema)


class LicenceDetailSchema(LicenceSummarySchema):
    essentials = F.Dict(metadata={"description": "the licence's registered particulars, personal values masked"})


class ShowCodeSchema(ma.Schema):
    code = F.String(metadata={"description": "show this (as the QR) to the verifier"})
    expires_at = Instant()
    expires_in = F.Integer(metadata={"description": "seconds"})
    qr_png_base64 = F.String(metadata={"description": "PNG of the QR code, base64"})


class LicenceCheckSchema(ma.Schema):
    valid = F.Boolean(metadata={"description": "the licence is valid right now"})
    status = one_of(LicenceStatus, metadata=_STATUS)
    checked_at = Instant()
    identifier = F.String()
    licence_type = F.Nested(_CodeName)
    issuer = F.Nested(_CodeName)
    holder_masked = F.String()
    number_masked = F.String()
    essentials = F.Dict()
    issued_on = Day()
    valid_until = Day(allow_none=True)
