"""Citizen catalog: departments, services (search and guide), life-event themes."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from app.catalog import errors as catalog_errors
from app.catalog import service as catalog
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.http_cache import cached_json, conditional_get_doc
from miniprogram_api.cache import memo
from miniprogram_api.catalog_schemas import (
    DepartmentListSchema,
    ServiceGuideSchema,
    ServicePageSchema,
    ServiceQuerySchema,
    ThemeListSchema,
)

blp = Blueprint("catalog", __name__, description="Service catalog (办事指南)")

# Built once: constructing a nested marshmallow schema costs more than dumping with it.
_departments = DepartmentListSchema()
_themes = ThemeListSchema()


def page_body(page: catalog.ServicePage) -> dict:
    """What `ServicePageSchema().dump(page)` gives, without walking the schema: the core's
    summaries already have the schema's fields, types and order (tests/miniprogram_api/
    test_catalog_bodies.py holds the two equal over the whole demo catalog). The schema stays
    the contract; this saves a cold list or search page most of its serialising."""
    return {"items": page.items, "total": page.total, "page": page.page, "page_size": page.page_size}


def page_json(page: catalog.ServicePage) -> bytes:
    """`page_body(page)` serialised as the memo serialises it, for a page whose items are their
    JSON text already (`search_services(as_json=True)`): joined, not encoded again (held equal
    byte for byte by the same tests)."""
    items = b",".join(page.items)
    return b'{"items":[%b],"total":%d,"page":%d,"page_size":%d}' % (items, page.total, page.page, page.page_size)


def guide_body(guide: dict) -> dict:
    """What `ServiceGuideSchema().dump(guide)` gives for a guide document built by the core
    (app/catalog/guide.py): the document itself (held equal by the same tests). The endpoint
    sends the stored text of that document (`catalog.guide_text`), tested byte-equal to it."""
    return guide


def _whole_list(items: list) -> dict:
    """A list the endpoint answers in full, in the one page envelope: page 1 of size total (at least 1)."""
    return {"items": items, "total": len(items), "page": 1, "page_size": max(len(items), 1)}


def _reply(key: tuple, build):
    body, etag = memo.get_or_build((catalog.revision(), *key), build)
    return cached_json(body, etag, current_app.config["CATALOG_CACHE_MAX_AGE"])


@blp.route("/departments")
class Departments(MethodView):
    @blp.response(200, DepartmentListSchema)
    @conditional_get_doc
    def get(self):
        """Departments that offer services"""

        def build():
            return _departments.dump(_whole_list(catalog.list_departments()))

        return _reply(("departments",), build)


@blp.route("/services")
class Services(MethodView):
    @blp.arguments(ServiceQuerySchema(), location="query", as_kwargs=True)
    @blp.response(200, ServicePageSchema)
    @declares(catalog_errors.UnknownFilter)
    @conditional_get_doc
    def get(self, **args):
        """Find services: search and filters, ranked by relevance then popularity"""

        def build():
            return page_json(catalog.search_services(**args, as_json=True))

        return _reply(("services", tuple(sorted(args.items()))), build)


@blp.route("/services/<string:code>")
class ServiceDetail(MethodView):
    @blp.response(200, ServiceGuideSchema)
    @declares(catalog_errors.ServiceNotFound)
    @conditional_get_doc
    def get(self, code: str):
        """The full service guide of one item"""
        return _reply(("service", code), lambda: catalog.guide_text(code).encode())


@blp.route("/themes")
class Themes(MethodView):
    @blp.response(200, ThemeListSchema)
    @conditional_get_doc
    def get(self):
        """Life-event themes and their services"""

        def build():
            return _themes.dump(_whole_list(catalog.list_themes()))

        return _reply(("themes",), build)
