"""Schemas of the liveness and readiness probes (app/health.py)."""

from __future__ import annotations

import marshmallow as ma

from app.web.api import ErrorEnvelopeSchema

CHECK_STATES = ("ok", "unreachable")


class ChecksSchema(ma.Schema):
    database = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(CHECK_STATES),
        metadata={"description": "the database answers `SELECT 1`"},
    )
    redis = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(CHECK_STATES),
        metadata={"description": "Redis (queues, limits) answers PING"},
    )
    catalog_index = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(("ok", "building", "not_built")),
        metadata={
            "description": "this process holds the catalog search index (`building`: asking started its build; "
            "`not_built`: the database is unreachable)"
        },
    )


class LiveSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["ok"]})


class ReadySchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"enum": ["ok"]})
    checks = ma.fields.Nested(ChecksSchema, required=True)


class NotReadySchema(ErrorEnvelopeSchema):
    """The error envelope (`error` = `NOT_READY`) with the state of each dependency."""

    class Meta:
        description = "The error envelope with `error` = `NOT_READY` and the state of each dependency in `checks`."

    checks = ma.fields.Nested(ChecksSchema, required=True)
