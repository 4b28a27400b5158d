"""Citizen applications (网上申报): drafts, form, materials checklist, uploads, submit, withdraw."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.cases import errors as case_errors
from app.cases import files, retention
from app.cases import service as cases
from app.catalog import errors as catalog_errors
from app.licences import errors as lic_errors
from app.storage import StorageUnavailable
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.downloads import FILE_DOC, file_response
from app.web.input_guard import body_limit
from app.web.schemas import page_of
from miniprogram_api.application_schemas import (
    ApplicationQuerySchema,
    ApplicationSchema,
    ApplicationSummarySchema,
    DraftCreateSchema,
    FileUploadSchema,
    FormPatchSchema,
    MaterialChoiceSchema,
)
from miniprogram_api.security import current_principal, require_level

blp = Blueprint("applications", __name__, description="Applications (网上申报与办件)")

LEVEL = 3  # real name: drafts are tied to a verified person (credit, commitments)
# 秒批: an instantly approved submission issues its e-licence in the same request
LICENCE_ISSUE_ERRORS = (
    lic_errors.ResidentNotFound,
    lic_errors.UnknownLicenceType,
    lic_errors.UnknownIssuer,
    lic_errors.InvalidEssentials,
    (422, "INVALID_VALIDITY", "有效期截止日期不能早于发证日期"),
)
# who may apply in the caller's context (a person, or an enterprise acted for)
APPLICANT_ERRORS = (case_errors.AudienceMismatch, case_errors.NotAuthorisedForItem, case_errors.EnterpriseCannotApply)


@blp.route("/applications")
class Applications(MethodView):
    @require_level(LEVEL)
    @blp.arguments(ApplicationQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(ApplicationSummarySchema))
    def get(self, **query):
        """My drafts and cases, newest first"""
        return cases.list_applications(current_principal(), **query)

    @require_level(LEVEL)
    @blp.arguments(DraftCreateSchema)
    @blp.response(201, ApplicationSchema)
    @declares(catalog_errors.ServiceNotFound, case_errors.TooManyDrafts, *APPLICANT_ERRORS)
    def post(self, body):
        """Start a draft application for a service item"""
        return cases.create_draft(current_principal(), body["service_code"])


@blp.route("/applications/<int:case_id>")
class Application(MethodView):
    @require_level(LEVEL)
    @blp.response(200, ApplicationSchema)
    @declares(case_errors.CaseNotFound)
    def get(self, case_id):
        """One of my applications, with its materials checklist and timeline"""
        return cases.get_application(current_principal(), case_id)

    @require_level(LEVEL)
    @blp.arguments(FormPatchSchema)
    @blp.response(200, ApplicationSchema)
    @declares(case_errors.CaseNotFound, case_errors.NotEditable, case_errors.FormRefused)
    def patch(self, body, case_id):
        """Save form fields (incomplete forms are saved; their errors are listed)"""
        return cases.save_form(current_principal(), case_id, body["form"])

    @require_level(LEVEL)
    @blp.response(204)
    @declares(case_errors.CaseNotFound, case_errors.NotADraft)
    def delete(self, case_id):
        """Discard one of my drafts, with its form and uploaded files"""
        retention.discard_draft(current_principal(), case_id)


@blp.route("/applications/<int:case_id>/materials/<int:position>")
class Material(MethodView):
    @require_level(LEVEL)
    @blp.arguments(MaterialChoiceSchema)
    @blp.response(200, ApplicationSchema)
    @declares(
        case_errors.CaseNotFound,
        case_errors.MaterialNotFound,
        case_errors.NotEditable,
        case_errors.MethodNotAllowed,
        case_errors.LicenceTypeMismatch,
        case_errors.CommitmentTextChanged,
        case_errors.CommitmentRefused,
        case_errors.EnterpriseCannotApply,
        lic_errors.LicenceNotFound,
        lic_errors.LicenceNotUsable,
        lic_errors.InvalidPurpose,
    )
    def put(self, body, case_id, position):
        """Choose how a material is met: e-licence, commitment or upload"""
        return cases.choose_method(current_principal(), case_id, position, body)


@blp.route("/applications/<int:case_id>/materials/<int:position>/files")
class MaterialFiles(MethodView):
    @body_limit(files.upload_body_limit)
    @require_level(LEVEL)
    @blp.arguments(FileUploadSchema, location="files")
    @blp.response(201, ApplicationSchema)
    @declares(
        case_errors.CaseNotFound,
        case_errors.MaterialNotFound,
        case_errors.NotEditable,
        case_errors.TooManyFiles,
        case_errors.PayloadTooLarge,
        case_errors.UploadRejected,
        StorageUnavailable,
    )
    def post(self, body, case_id, position):
        """Upload a file for a material (PDF, JPEG or PNG, judged by content)"""
        return cases.upload_file(current_principal(), case_id, position, body["file"].stream)


@blp.route("/applications/<int:case_id>/files/<int:file_id>")
class MaterialFile(MethodView):
    @require_level(LEVEL)
    @blp.doc(responses=FILE_DOC)
    @declares(case_errors.CaseNotFound, case_errors.FileNotFound, StorageUnavailable)
    def get(self, case_id, file_id):
        """Download a file I uploaded to one of my applications"""
        return file_response(files.citizen_file(current_principal(), case_id, file_id))


@blp.route("/applications/<int:case_id>/submit")
class Submit(MethodView):
    @require_level(LEVEL)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, ApplicationSchema)
    @declares(
        case_errors.CaseNotFound,
        case_errors.IllegalTransition,
        case_errors.NotReady,
        case_errors.CreditBlocked,
        case_errors.CommitmentRefused,
        case_errors.IdempotencyKeyMissing,
        case_errors.IdempotencyKeyReused,
        case_errors.AudienceMismatch,
        case_errors.EnterpriseCannotApply,
        *LICENCE_ISSUE_ERRORS,
    )
    def post(self, case_id):
        """Submit (or resubmit after a correction request); repeat-safe with Idempotency-Key"""
        return cases.submit(current_principal(), case_id, idempotency_key=request.headers.get("Idempotency-Key"))


@blp.route("/applications/<int:case_id>/withdraw")
class Withdraw(MethodView):
    @require_level(LEVEL)
    @blp.response(200, ApplicationSchema)
    @declares(case_errors.CaseNotFound, case_errors.IllegalTransition)
    def post(self, case_id):
        """Withdraw a submitted application before a decision"""
        return cases.withdraw(current_principal(), case_id)
