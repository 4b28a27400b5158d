"""Department work queue (with electronic supervision), case detail and the staff moves."""

from __future__ import annotations

from flask.views import MethodView

from app.bundles import service as bundles
from app.cases import errors as case_errors
from app.cases import files as case_files
from app.cases import queue
from app.cases import staff as case_staff
from app.errors import ValidationFailed
from app.licences import errors as lic_errors
from app.staff import errors as staff_errors
from app.staff_api.case_schemas import CaseActionSchema, QueueQuerySchema, StaffCaseSchema, WorkQueuePageSchema
from app.staff_api.security import current_staff, require_staff
from app.storage import StorageUnavailable
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from app.web.downloads import FILE_DOC, file_response

blp = Blueprint("staff_cases", __name__, description="Staff API: cases (办件)")

_ACTIONS = ",".join(sorted(case_staff.ACTIONS))


@blp.route("/departments/<string:department_code>/cases")
class WorkQueue(MethodView):
    @require_staff()
    @blp.arguments(QueueQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, WorkQueuePageSchema)
    def get(self, department_code: str, **query):
        """My department's work queue with promised deadlines and supervision colours"""
        return queue.department_queue(department_code, **query)


@blp.route("/cases/<int:case_id>")
class StaffCase(MethodView):
    @require_staff()
    @blp.response(200, StaffCaseSchema)
    @declares(case_errors.CaseNotFound)
    def get(self, case_id: int):
        """One case of my department: form, materials and how each is met, timeline, its bundle"""
        return bundles.staff_case(current_staff(), case_id)


@blp.route("/cases/<int:case_id>/files/<int:file_id>")
class StaffCaseFile(MethodView):
    @require_staff()
    @blp.doc(responses=FILE_DOC)
    @declares(case_errors.CaseNotFound, case_errors.FileNotFound, StorageUnavailable)
    def get(self, case_id: int, file_id: int):
        """Download a file uploaded to a case of my department (audited)"""
        return file_response(case_files.staff_file(current_staff(), case_id, file_id))


@blp.route(f"/cases/<int:case_id>/<any({_ACTIONS}):action>")
class StaffCaseAction(MethodView):
    @require_staff()
    @blp.arguments(CaseActionSchema)
    @blp.response(200, StaffCaseSchema)
    @declares(
        case_errors.CaseNotFound,
        case_errors.IllegalTransition,
        ValidationFailed,
        staff_errors.StaffRoleRequired,
        staff_errors.StaffRoleRequired,
        (422, "MATERIAL_NOT_FOUND", "该事项没有这项材料"),
        (422, "NOT_A_COMMITMENT", "该材料未使用告知承诺"),
        lic_errors.ResidentNotFound,
        lic_errors.UnknownLicenceType,
        lic_errors.UnknownIssuer,
        lic_errors.InvalidEssentials,
        (422, "INVALID_VALIDITY", "有效期截止日期不能早于发证日期"),
    )
    def post(self, body: dict, case_id: int, action: str):
        """Move a case: accept, reject, request_correction (clerks and up); approve, deny, conclude, revoke (reviewers, heads)

        revoke: a commitment (告知承诺) was found false — the case is revoked (撤销), the e-licence
        it produced is revoked and the false commitment is recorded against the applicant's credit."""
        return bundles.staff_move(
            current_staff(), case_id, action, note=body.get("note"), materials=body.get("materials")
        )
