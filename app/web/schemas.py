"""Base schemas: request bodies refuse unknown fields; lists share one pagination envelope."""

from __future__ import annotations

import marshmallow as ma

MAX_PAGE_SIZE = 100
# The range of the database's integer ids (INTEGER columns): for id fields in bodies and queries.
MAX_ID = 2**31 - 1
ID_RANGE = ma.validate.Range(min=1, max=MAX_ID)


class BaseSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class PageQuerySchema(BaseSchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE))


_page_schemas: dict[tuple[type, str | None], type] = {}


def page_of(item_schema: type[ma.Schema], name: str | None = None) -> type[ma.Schema]:
    """The `{items, total, page, page_size}` envelope around `item_schema` (one class per item
    schema). Its component is `<Item>Page`, or `name` where a published name must stay."""
    key = (item_schema, name)
    cls = _page_schemas.get(key)
    if cls is None:
        name = (name or item_schema.__name__.removesuffix("Schema") + "Page") + "Schema"
        cls = type(
            name,
            (ma.Schema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema)),
                "total": ma.fields.Integer(),
                "page": ma.fields.Integer(),
                "page_size": ma.fields.Integer(),
            },
        )
        _page_schemas[key] = cls
    return cls


# ---------------------------------------------------------------- output fields of the contract


class Instant(ma.fields.DateTime):
    """An instant, `format: date-time` (RFC 3339 with an offset). A naive datetime is UTC (how the
    database stores them) and leaves with `Z`; an aware one keeps its offset; a string a presenter
    already formatted passes through."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if value.tzinfo is None:
            return value.isoformat() + "Z"
        return value.isoformat()


class Day(ma.fields.Date):
    """A calendar day in Asia/Shanghai, `format: date`; a formatted string passes through."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


def one_of(values, **kwargs) -> ma.fields.String:
    """A string output field whose values are a closed set (an `enum` in the spec)."""
    values = [getattr(v, "value", v) for v in values]
    return ma.fields.String(validate=ma.validate.OneOf(values), **kwargs)
