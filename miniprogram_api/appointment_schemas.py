"""Schemas of the appointment (网上预约) endpoints."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as F
from marshmallow import validate as V

from app.appointments.public import AppointmentStatus
from app.web.schemas import ID_RANGE, BaseSchema, Day, Instant, one_of

HHMM = {"description": "HH:MM, Beijing time", "pattern": r"^\d{2}:\d{2}$"}

CODE = V.Length(min=1, max=64)


class SlotQuerySchema(BaseSchema):
    service_code = F.String(required=True, validate=CODE, metadata={"description": "the item's implementation code"})
    hall = F.String(validate=V.Length(min=1, max=32), metadata={"description": "a hall code"})
    date_from = F.Date()
    date_to = F.Date()


class SlotSchema(ma.Schema):
    id = F.Integer()
    hall_code = F.String()
    hall_name = F.String()
    hall_address = F.String()
    window_number = F.String()
    window_name = F.String()
    day = Day()
    starts = F.String(metadata=HHMM)
    ends = F.String(metadata=HHMM)
    capacity = F.Integer()
    remaining = F.Integer()


class SlotListSchema(ma.Schema):
    items = F.List(F.Nested(SlotSchema))


class BookingSchema(BaseSchema):
    slot_id = F.Integer(required=True, validate=ID_RANGE)
    service_code = F.String(required=True, validate=CODE)
    case_id = F.Integer(validate=ID_RANGE, metadata={"description": "optional: the application this visit is for"})


class AppointmentSchema(ma.Schema):
    id = F.Integer()
    status = one_of(AppointmentStatus)
    service_code = F.String()
    service_name = F.String()
    case_id = F.Integer(allow_none=True)
    slot = F.Nested(SlotSchema)
    checkin_code = F.String(metadata={"description": "show it at the hall on the day"})
    cancellable_until = Instant(metadata={"description": "Beijing time (+08:00)"})
    created_at = Instant()
    cancelled_at = Instant(allow_none=True)
    checked_in_at = Instant(allow_none=True)
