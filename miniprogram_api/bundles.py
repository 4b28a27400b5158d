"""Citizen bundle applications (一件事一次办): answers → the members that apply, one combined form,
one material checklist, one submit creating every member case, one view of the whole, withdraw."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.bundles import errors as bundle_errors
from app.bundles import service as bundles
from app.cases import errors as case_errors
from app.cases import files
from app.catalog import errors as catalog_errors
from app.licences import errors as lic_errors
from app.storage import StorageUnavailable
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.input_guard import body_limit
from app.web.schemas import page_of
from delivery import errors as delivery_errors
from delivery import service as delivery
from miniprogram_api.applications import LICENCE_ISSUE_ERRORS
from miniprogram_api.bundle_schemas import (
    BundleAnswersSchema,
    BundleApplicationCreateSchema,
    BundleApplicationQuerySchema,
    BundleApplicationSchema,
    BundleApplicationSummarySchema,
    BundleDeliveryChoiceSchema,
    BundleDeliverySchema,
    BundleFileUploadSchema,
    BundleFormPatchSchema,
    BundleMaterialChoiceSchema,
    BundlePaymentSchema,
)
from miniprogram_api.delivery_schemas import JointDeliverySchema
from miniprogram_api.payment_schemas import JointPaymentStartedSchema
from miniprogram_api.security import current_principal, require_level
from payments import errors as pay_errors
from payments import service as payments

blp = Blueprint("bundle_applications", __name__, description="Bundle applications (一件事一次办)")

LEVEL = 3  # real name, as for a single application
BUNDLE_NOT_FOUND = catalog_errors.BundleNotFound
ANSWERS_INVALID = catalog_errors.AnswersInvalid


@blp.route("/bundle-applications")
class BundleApplications(MethodView):
    @require_level(LEVEL)
    @blp.arguments(BundleApplicationQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(BundleApplicationSummarySchema))
    def get(self, **query):
        """My bundle applications, newest first"""
        return bundles.list_applications(current_principal(), **query)

    @require_level(LEVEL)
    @blp.arguments(BundleApplicationCreateSchema)
    @blp.response(201, BundleApplicationSchema)
    @declares(BUNDLE_NOT_FOUND, ANSWERS_INVALID, bundle_errors.TooManyBundleDrafts)
    def post(self, body):
        """Start a bundle application (optionally with the answers to its questions)"""
        return bundles.start(current_principal(), body["bundle_code"], body.get("answers"))


@blp.route("/bundle-applications/<int:application_id>")
class BundleApplication(MethodView):
    @require_level(LEVEL)
    @blp.response(200, BundleApplicationSchema)
    @declares(bundle_errors.BundleApplicationNotFound)
    def get(self, application_id):
        """One of my bundle applications: each member's status and the bundle's, one timeline"""
        return bundles.get_application(current_principal(), application_id)

    @require_level(LEVEL)
    @blp.arguments(BundleFormPatchSchema)
    @blp.response(200, BundleApplicationSchema)
    @declares(bundle_errors.BundleApplicationNotFound, bundle_errors.BundleNotEditable, case_errors.FormRefused)
    def patch(self, body, application_id):
        """Save fields of the one combined form (validated per member; incomplete forms are saved)"""
        return bundles.save_form(current_principal(), application_id, body["form"])

    @require_level(LEVEL)
    @blp.response(204)
    @declares(bundle_errors.BundleApplicationNotFound, bundle_errors.BundleNotEditable)
    def delete(self, application_id):
        """Discard one of my bundle drafts, with its answers, form and uploaded files"""
        bundles.discard_draft(current_principal(), application_id)


@blp.route("/bundle-applications/<int:application_id>/answers")
class BundleAnswers(MethodView):
    @require_level(LEVEL)
    @blp.arguments(BundleAnswersSchema)
    @blp.response(200, BundleApplicationSchema)
    @declares(bundle_errors.BundleApplicationNotFound, bundle_errors.BundleNotEditable, ANSWERS_INVALID)
    def put(self, body, application_id):
        """Answer the questions (情形引导): the members that apply, their form and checklist"""
        return bundles.answer(current_principal(), application_id, body["answers"])


@blp.route("/bundle-applications/<int:application_id>/materials/<int:position>")
class BundleMaterial(MethodView):
    @require_level(LEVEL)
    @blp.arguments(BundleMaterialChoiceSchema)
    @blp.response(200, BundleApplicationSchema)
    @declares(
        bundle_errors.BundleApplicationNotFound,
        bundle_errors.BundleMaterialNotFound,
        bundle_errors.BundleNotEditable,
        case_errors.MethodNotAllowed,
        case_errors.LicenceTypeMismatch,
        case_errors.CommitmentTextChanged,
        case_errors.CommitmentRefused,
        lic_errors.LicenceNotFound,
        lic_errors.LicenceNotUsable,
        lic_errors.InvalidPurpose,
    )
    def put(self, body, application_id, position):
        """Meet a shared material once for every member: e-licence, commitment or upload"""
        return bundles.choose_method(current_principal(), application_id, position, body)


@blp.route("/bundle-applications/<int:application_id>/materials/<int:position>/files")
class BundleMaterialFiles(MethodView):
    @body_limit(files.upload_body_limit)
    @require_level(LEVEL)
    @blp.arguments(BundleFileUploadSchema, location="files")
    @blp.response(201, BundleApplicationSchema)
    @declares(
        bundle_errors.BundleApplicationNotFound,
        bundle_errors.BundleMaterialNotFound,
        bundle_errors.BundleNotEditable,
        case_errors.TooManyFiles,
        case_errors.PayloadTooLarge,
        case_errors.UploadRejected,
        StorageUnavailable,
    )
    def post(self, body, application_id, position):
        """Upload a file once for a shared material (PDF, JPEG or PNG, judged by content)"""
        return bundles.upload_file(current_principal(), application_id, position, body["file"].stream)


@blp.route("/bundle-applications/<int:application_id>/submit")
class BundleSubmit(MethodView):
    @require_level(LEVEL)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, BundleApplicationSchema)
    @declares(
        bundle_errors.BundleApplicationNotFound,
        bundle_errors.BundleNotEditable,
        bundle_errors.BundleNotAnswered,
        bundle_errors.BundleIncomplete,
        bundle_errors.BundleKeyReused,
        case_errors.CreditBlocked,
        case_errors.CommitmentRefused,
        case_errors.IdempotencyKeyMissing,
        *LICENCE_ISSUE_ERRORS,
    )
    def post(self, application_id):
        """Submit the whole bundle: every member case created and routed in one go; repeat-safe"""
        return bundles.submit(
            current_principal(), application_id, idempotency_key=request.headers.get("Idempotency-Key")
        )


@blp.route("/bundle-applications/<int:application_id>/withdraw")
class BundleWithdraw(MethodView):
    @require_level(LEVEL)
    @blp.response(200, BundleApplicationSchema)
    @declares(bundle_errors.BundleApplicationNotFound, bundle_errors.BundleNotWithdrawable)
    def post(self, application_id):
        """Withdraw the bundle: the members not yet decided are withdrawn"""
        return bundles.withdraw(current_principal(), application_id)


@blp.route("/bundle-applications/<int:application_id>/delivery-mode")
class BundleDeliveryMode(MethodView):
    @require_level(LEVEL)
    @blp.arguments(BundleDeliveryChoiceSchema)
    @blp.response(200, BundleApplicationSchema)
    @declares(bundle_errors.BundleApplicationNotFound, bundle_errors.BundleNotEditable)
    def put(self, body, application_id):
        """One delivery choice for all results: together in one parcel, or each as it comes"""
        return bundles.choose_delivery(current_principal(), application_id, body["mode"])


@blp.route("/bundle-applications/<int:application_id>/payment")
class BundlePayment(MethodView):
    @require_level(LEVEL)
    @blp.arguments(BundlePaymentSchema)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, JointPaymentStartedSchema)
    @declares(
        bundle_errors.BundleApplicationNotFound,
        case_errors.CaseNotFound,
        case_errors.IdempotencyKeyMissing,
        case_errors.IdempotencyKeyReused,
        case_errors.IllegalTransition,
        pay_errors.NoFeeDue,
        pay_errors.AlreadyPaid,
        pay_errors.PayerUnknown,
        pay_errors.ProviderRefused,
        pay_errors.ChannelUnavailable,
        *LICENCE_ISSUE_ERRORS,
    )
    def post(self, body, application_id):
        """Pay the fees of every member once: one WeChat Pay / Alipay order, split per member inside"""
        principal = current_principal()
        return payments.start_joint_payment(
            principal,
            bundles.member_case_ids(principal, application_id),
            body["channel"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )


@blp.route("/bundle-applications/<int:application_id>/delivery")
class BundleDelivery(MethodView):
    @require_level(LEVEL)
    @blp.arguments(BundleDeliverySchema)
    @blp.response(200, JointDeliverySchema)
    @declares(
        bundle_errors.BundleApplicationNotFound,
        bundle_errors.BundleNotEditable,
        case_errors.CaseNotFound,
        catalog_errors.ServiceNotFound,
        delivery_errors.AddressNotFound,
        delivery_errors.DeliveryLocked,
        delivery_errors.DeliveryOptionUnavailable,
    )
    def put(self, body, application_id):
        """Mail every member's result to one address: together in one parcel when all are issued
        (the bundle's delivery choice), or each as it comes"""
        principal = current_principal()
        mode = bundles.choose_delivery(principal, application_id, body["mode"])["delivery_mode"]
        case_ids = bundles.deliverable_case_ids(principal, application_id)
        return delivery.choose_joint(principal, case_ids, body["address_id"], mode)
