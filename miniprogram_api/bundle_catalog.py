"""Citizen 一件事 bundle guide: the bundles, each one's guide, and what a situation means
(answers → the members that apply, the one form, the one checklist). No sign-in needed; the
bundle application itself is miniprogram_api/bundles.py."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from app.catalog import errors as catalog_errors
from app.catalog import service as catalog
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.http_cache import cached_json, conditional_get_doc
from miniprogram_api.bundle_catalog_schemas import (
    BundleGuideSchema,
    BundlePageSchema,
    BundleQuerySchema,
    BundleSituationSchema,
    EvaluateBodySchema,
)
from miniprogram_api.cache import memo

blp = Blueprint("bundle_catalog", __name__, description="一件事 bundles: guide and situation (情形引导)")

_page = BundlePageSchema()
_guide = BundleGuideSchema()
_situation = BundleSituationSchema()


def _reply(key: tuple, build):
    body, etag = memo.get_or_build((catalog.revision(), "bundles", *key), build)
    return cached_json(body, etag, current_app.config["CATALOG_CACHE_MAX_AGE"])


@blp.route("/bundles")
class Bundles(MethodView):
    @blp.arguments(BundleQuerySchema(), location="query", as_kwargs=True)
    @blp.response(200, BundlePageSchema)
    @conditional_get_doc
    def get(self, **args):
        """一件事 bundles: life events done in one application across departments"""
        return _reply(("list", tuple(sorted(args.items()))), lambda: _page.dump(catalog.list_bundles(**args)))


@blp.route("/bundles/<string:code>")
class BundleGuide(MethodView):
    @blp.response(200, BundleGuideSchema)
    @declares(catalog_errors.BundleNotFound)
    @conditional_get_doc
    def get(self, code: str):
        """The guide of one bundle: members, questions and what each answer changes, fees, time"""
        return _reply(("guide", code), lambda: _guide.dump(catalog.get_bundle(code)))


@blp.route("/bundles/<string:code>/evaluate")
class BundleEvaluation(MethodView):
    @blp.arguments(EvaluateBodySchema)
    @blp.response(200, BundleSituationSchema)
    @declares(catalog_errors.BundleNotFound, catalog_errors.AnswersInvalid)
    def post(self, body, code: str):
        """What the answers mean: the members that apply, the one form, the one checklist, fees and time"""
        return _situation.dump(catalog.evaluate_bundle(code, body["answers"]))
