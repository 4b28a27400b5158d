"""The citizen's licence wallet (电子证照): list, detail, show code (亮证) and the public check."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from app.licences import errors as lic_errors
from app.licences import service as licences
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema
from miniprogram_api.licence_schemas import LicenceCheckSchema, LicenceDetailSchema, LicencePageSchema, ShowCodeSchema
from miniprogram_api.security import client_ip, current_principal, require_level

blp = Blueprint("licences", __name__, description="Electronic licences (电子证照)")


def _who() -> dict:
    """The caller and, acting for an enterprise, the enterprise whose wallet they see."""
    principal = current_principal()
    acting = principal.acting
    return {"account_id": principal.account_id, "enterprise_id": acting.enterprise_id if acting else None}


@blp.route("/licences")
class Wallet(MethodView):
    @require_level(3)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, LicencePageSchema)
    def get(self, page: int, page_size: int):
        """My licences (the person verified on this account), newest first"""
        return licences.wallet_page_for_account(page=page, page_size=page_size, **_who())


@blp.route("/licences/<int:licence_id>")
class Licence(MethodView):
    @require_level(3)
    @blp.response(200, LicenceDetailSchema)
    @declares(lic_errors.LicenceNotFound)
    def get(self, licence_id: int):
        """One of my licences with its particulars (personal values masked)"""
        return licences.get_for_account(licence_id=licence_id, **_who())


@blp.route("/licences/<int:licence_id>/show-code")
class ShowCode(MethodView):
    @require_level(4, fresh=True)
    @blp.response(200, ShowCodeSchema)
    @declares(lic_errors.LicenceNotFound, lic_errors.LicenceNotUsable)
    def post(self, licence_id: int):
        """Show a licence: a short-lived single-use code and its QR (needs a recent face check)"""
        return licences.create_show_code(licence_id=licence_id, **_who())


@blp.route("/licences/<int:licence_id>/show-code/<string:code>.png")
class ShowCodeImage(MethodView):
    @require_level(4, fresh=True)
    @blp.doc(responses={"200": {"description": "QR code PNG", "content": {"image/png": {}}}})
    @declares(lic_errors.ShowCodeInvalid, lic_errors.ShowCodeExpired)
    def get(self, licence_id: int, code: str):
        """The QR image of a live show code of mine"""
        png = licences.show_code_png(licence_id=licence_id, code=code, **_who())
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@blp.route("/licence-checks/<string:code>")
class LicenceCheck(MethodView):
    @blp.response(200, LicenceCheckSchema)
    @declares(
        lic_errors.ShowCodeInvalid,
        lic_errors.ShowCodeExpired,
        lic_errors.ShowCodeUsed,
        (429, "LICENCE_CHECK_RATE_LIMITED", "操作过于频繁，请稍后再试"),
    )
    def get(self, code: str):
        """Check a shown licence code (public, rate-limited): masked particulars and validity now"""
        return licences.check_show_code(code, ip=client_ip())
