"""The citizen's enterprises: bind as legal representative, list the enterprises I may act for,
switch into acting for one (a child token pair) and back, agent grants (经办人) and their audit.

Personal-only (an acting token gets 403 ACTING_NOT_ALLOWED): binding, switching, my grants and
accepting / declining them. The representative's grant management works from the personal
session or from an acting session of the same enterprise.
"""

from __future__ import annotations

from flask.views import MethodView

from app.enterprises import ebl_login, grants
from app.enterprises import errors as ent_errors
from app.enterprises import service as enterprises
from app.enterprises.providers.base import EBL_ERRORS
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.schemas import PageQuerySchema
from miniprogram_api.enterprise_schemas import (
    AuditPageSchema,
    BindSchema,
    EblCompleteSchema,
    EblStartedSchema,
    EnterpriseListSchema,
    EnterpriseSchema,
    GrantCreateSchema,
    GrantPageSchema,
    GrantSchema,
    SwitchSchema,
)
from miniprogram_api.identity_schemas import TokenSchema
from miniprogram_api.security import current_principal, require_level

blp = Blueprint("enterprises", __name__, description="Acting for an enterprise (法定代表人与经办人)")


@blp.route("/enterprises")
class MyEnterprises(MethodView):
    @require_level(3)
    @blp.response(200, EnterpriseListSchema)
    def get(self):
        """The enterprises I may act for, with my role"""
        return {"items": enterprises.my_enterprises(current_principal())}


@blp.route("/enterprises/bindings")
class Bindings(MethodView):
    @require_level(4, personal=True)
    @blp.arguments(BindSchema)
    @blp.response(200, EnterpriseSchema)
    @declares(ent_errors.InvalidUscc, ent_errors.BindingRefused)
    def post(self, body):
        """Bind me as the legal representative of an enterprise (my verified identity must be the registered one)"""
        return enterprises.bind(current_principal(), uscc=body["uscc"])


@blp.route("/enterprises/ebl/start")
class EblStart(MethodView):
    @require_level(3, personal=True)
    @blp.response(200, EblStartedSchema)
    @declares(*EBL_ERRORS)
    def post(self):
        """Start an electronic business licence (电子营业执照) scan: a ticket and the QR content to show"""
        return ebl_login.start(current_principal())


@blp.route("/enterprises/ebl/complete")
class EblComplete(MethodView):
    @require_level(3, personal=True)
    @blp.arguments(EblCompleteSchema)
    @blp.response(200, EnterpriseSchema)
    @declares(ent_errors.BindingRefused, *EBL_ERRORS)
    def post(self, body):
        """Finish the scan: the legal representative who authorised it in the 电子营业执照 app is bound"""
        return ebl_login.complete(current_principal(), ticket=body["ticket"])


@blp.route("/enterprises/acting")
class Acting(MethodView):
    @require_level(3, personal=True)
    @blp.arguments(SwitchSchema)
    @blp.response(200, TokenSchema)
    @declares(ent_errors.EnterpriseNotFound, ent_errors.AlreadyActing)
    def post(self, body):
        """Switch to acting for an enterprise: a token pair of an acting session (the representative needs level 4)"""
        return enterprises.switch(current_principal(), body["enterprise_id"])

    @require_level(2)
    @blp.response(204)
    @declares(ent_errors.NotActing)
    def delete(self):
        """Stop acting for the enterprise: the acting session ends; carry on with the personal token"""
        enterprises.leave(current_principal())


@blp.route("/enterprises/<int:enterprise_id>/grants")
class EnterpriseGrants(MethodView):
    @require_level(3)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, GrantPageSchema)
    @declares(ent_errors.EnterpriseNotFound)
    def get(self, enterprise_id: int, page: int, page_size: int):
        """The agent grants of an enterprise I represent, newest first"""
        return grants.list_for_enterprise(current_principal(), enterprise_id, page=page, page_size=page_size)

    @require_level(4)
    @blp.arguments(GrantCreateSchema)
    @blp.response(201, GrantSchema)
    @declares(
        ent_errors.EnterpriseNotFound,
        ent_errors.InvalidGrant,
        ent_errors.SelfGrant,
        ent_errors.GrantExists,
        (422, "INVALID_NAME", "姓名格式有误，请填写身份证上的姓名"),
        (422, "INVALID_ID_NUMBER", "身份证号码有误，请检查后重新输入"),
    )
    def post(self, body, enterprise_id: int):
        """Authorise a person (name + ID number) as an agent for all items, listed items or themes, until a date"""
        return grants.grant(current_principal(), enterprise_id, **body)


@blp.route("/enterprises/<int:enterprise_id>/grants/<int:grant_id>")
class EnterpriseGrant(MethodView):
    @require_level(3)
    @blp.response(204)
    @declares(ent_errors.EnterpriseNotFound, ent_errors.GrantNotFound)
    def delete(self, enterprise_id: int, grant_id: int):
        """Revoke an agent grant (takes effect on the agent's next request); revoking twice is a no-op"""
        grants.revoke(current_principal(), enterprise_id, grant_id)


@blp.route("/enterprises/<int:enterprise_id>/audit")
class EnterpriseAudit(MethodView):
    @require_level(3)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, AuditPageSchema)
    @declares(ent_errors.EnterpriseNotFound)
    def get(self, enterprise_id: int, page: int, page_size: int):
        """The audit trail of an enterprise I represent: bindings, grants, acceptances, uses, revocations"""
        return grants.audit_page(current_principal(), enterprise_id, page=page, page_size=page_size)


@blp.route("/me/enterprise-grants")
class MyGrants(MethodView):
    @require_level(3, personal=True)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, GrantPageSchema)
    def get(self, page: int, page_size: int):
        """Grants made to me as an agent (pending, active, and ended ones), newest first"""
        return grants.list_for_agent(current_principal(), page=page, page_size=page_size)


@blp.route("/me/enterprise-grants/<int:grant_id>/accept")
class AcceptGrant(MethodView):
    @require_level(3, personal=True)
    @blp.response(200, GrantSchema)
    @declares(ent_errors.GrantNotFound, ent_errors.GrantNotPending, ent_errors.GrantRevoked)
    def post(self, grant_id: int):
        """Accept a grant made to me: I may then act for the enterprise in its scope"""
        return grants.accept(current_principal(), grant_id)


@blp.route("/me/enterprise-grants/<int:grant_id>/decline")
class DeclineGrant(MethodView):
    @require_level(3, personal=True)
    @blp.response(200, GrantSchema)
    @declares(ent_errors.GrantNotFound, ent_errors.GrantNotPending)
    def post(self, grant_id: int):
        """Decline a grant made to me"""
        return grants.decline(current_principal(), grant_id)
