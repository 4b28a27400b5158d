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


_page_schemas: dict[type, type] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The `{items, total, page, page_size}` envelope around `item_schema` (one class per item schema)."""
    cls = _page_schemas.get(item_schema)
    if cls is None:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
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
        _page_schemas[item_schema] = cls
    return cls
