"""The citizen's account and identity: who am I, real name (level 3), face verification (level 4)."""

from __future__ import annotations

from flask.views import MethodView

from app.errors import ValidationFailed
from app.identity import errors as id_errors
from app.identity import service as identity
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema
from miniprogram_api.auth import FACE_COMPLETE_ERRORS
from miniprogram_api.identity_schemas import (
    AttemptPageSchema,
    FaceCompleteSchema,
    FaceStartedSchema,
    FaceStartSchema,
    MeSchema,
    RealnameSchema,
    TokenSchema,
)
from miniprogram_api.security import PROVIDER_ERRORS, client_ip, current_principal, require_level

blp = Blueprint("identity", __name__, description="Account and identity verification (实名与刷脸)")


@blp.route("/me")
class Me(MethodView):
    @require_level(2)
    @blp.response(200, MeSchema)
    def get(self):
        """My account: masked identity, assurance level, linked channels"""
        return identity.describe_account(current_principal())


@blp.route("/me/channels/<string:channel>")
class MyChannel(MethodView):
    @require_level(4, fresh=True, personal=True)
    @blp.response(204)
    @declares(id_errors.ChannelNotFound, id_errors.LastChannel)
    def delete(self, channel: str):
        """Unlink a login channel (needs a recent face check)"""
        identity.unlink_channel(current_principal(), channel)


@blp.route("/identity/verifications")
class Verifications(MethodView):
    @require_level(2)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, AttemptPageSchema)
    def get(self, page: int, page_size: int):
        """My verification attempts (real name, face), newest first"""
        return identity.verification_history(current_principal(), page=page, page_size=page_size)


@blp.route("/identity/realname")
class Realname(MethodView):
    @require_level(2, personal=True)
    @blp.arguments(RealnameSchema)
    @blp.response(200, TokenSchema)
    @declares(
        id_errors.InvalidName,
        id_errors.InvalidIdNumber,
        id_errors.RealnameMismatch,
        id_errors.RealnameLocked,
        id_errors.AlreadyVerified,
    )
    def post(self, body):
        """Prove my real name: name and resident ID number against the population registry (level 3)"""
        return identity.verify_realname(
            current_principal(), name=body["name"], id_number=body["id_number"], ip=client_ip()
        )


@blp.route("/identity/face/start")
class FaceStart(MethodView):
    @require_level(2, personal=True)
    @blp.arguments(FaceStartSchema)
    @blp.response(200, FaceStartedSchema)
    @declares(
        ValidationFailed,
        id_errors.InvalidName,
        id_errors.InvalidIdNumber,
        id_errors.RealnameMismatch,
        id_errors.RealnameLocked,
        id_errors.IdentityMismatch,
        id_errors.ChannelNotLinked,
        (429, "FACE_RATE_LIMITED", "人脸核验过于频繁，请稍后再试"),
        *PROVIDER_ERRORS,
    )
    def post(self, body):
        """Start a face check at WeChat (verify_id) or Alipay (certify_id and certify URL)"""
        return identity.start_face(
            current_principal(),
            channel=body["channel"],
            name=body.get("name"),
            id_number=body.get("id_number"),
            ip=client_ip(),
        )


@blp.route("/identity/face/complete")
class FaceComplete(MethodView):
    @require_level(2, personal=True)
    @blp.arguments(FaceCompleteSchema)
    @blp.response(200, TokenSchema)
    @declares(*FACE_COMPLETE_ERRORS, *PROVIDER_ERRORS)
    def post(self, body):
        """Finish a face check: a pass gives a level-4 session (step-up)"""
        return identity.complete_face(current_principal(), **body, ip=client_ip())
