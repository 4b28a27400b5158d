"""schemathesis over every operation of the spec, as three callers — anonymous, a level-4 citizen
(WeChat login, real name, fresh face check) and a department reviewer — with no 5xx and no
response that breaks what the operation declares (body schema for the status, declared status).

Bounded for CI: a few examples per operation (CONTRACT_FUZZ_EXAMPLES, default 10), derandomised,
no shrinking; the whole run stops generating after CONTRACT_FUZZ_SECONDS (default 120)."""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.cases.helpers import HUJI, citizen_face, create_draft
from tests.delivery.helpers import add_address
from tests.identity.helpers import bearer

EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "10"))
BUDGET_SECONDS = float(os.environ.get("CONTRACT_FUZZ_SECONDS", "120"))
# positive (valid requests, the CI default) or negative (requests the spec says are invalid)
MODE = schemathesis.GenerationMode(os.environ.get("CONTRACT_FUZZ_MODE", "positive"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

# Operations a fuzzer must not drive as a caller: provider callbacks are signed by the provider
# (their refusals are tested in payments/ and delivery/).
SKIP_PATH_PREFIXES = ("/payments/notify/", "/delivery/notify/")
ENDS_THE_SESSION = frozenset({"logout", "unlinkChannel"})
DEPARTMENT = "YQX-GA"  # 户籍证明开具 (HUJI), the draft's item
PASSWORD = "Fuzz-Contract-2026"


@pytest.fixture
def callers(api, sandbox, app, clean_slate):
    """{caller: headers}, and the citizen's own objects (path values that exist) as `known`."""
    from app.extensions import db
    from app.staff import service as staff

    citizen = citizen_face(api, sandbox)
    username = f"fuzz-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        staff.create_staff(username=username, password=PASSWORD, department_code=DEPARTMENT, role="reviewer")
        db.session.remove()
    login = api.post("/staff/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.get_json()
    draft = create_draft(api, citizen, code=HUJI)
    address = add_address(api, citizen)
    known = {"case_id": draft["id"], "address_id": address["id"], "position": 0, "code": HUJI}
    known["department_code"] = DEPARTMENT
    return {"anonymous": {}, "citizen": bearer(citizen), "staff": bearer(login.get_json()["access_token"])}, known


def fuzz(operation, callers: dict, known: dict, examples: Counter, statuses: Counter, failures: list[str]):
    """A hypothesis test of one operation: each generated case sent as every caller; in about half
    the cases the path names objects that exist (the citizen's draft and address, the reviewer's
    department), so bodies reach the services and not only the 404."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=MODE), real_path=st.booleans())
    def run(case, real_path):
        if real_path:
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
        for who, headers in callers.items():
            generated = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            response = case.call(headers={**generated, **headers})
            examples[operation.label] += 1
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - collected, then reported
                text = str(failure).strip().splitlines()
                failures.append(f"{operation.label} as {who}: {response.status_code} {' | '.join(text[:8])}")

    return run


def test_every_operation_answers_as_declared(sandbox_app, callers):
    callers, known = callers
    schema = schemathesis.openapi.from_wsgi("/openapi.json", sandbox_app)
    deadline = time.monotonic() + BUDGET_SECONDS
    operations, examples, statuses = 0, Counter(), Counter()
    failures: list[str] = []
    every = [result.ok() for result in schema.get_all_operations()]
    # the callers' own sessions end last: logging out or unlinking the channel would end them
    every.sort(key=lambda op: op.definition.raw.get("operationId") in ENDS_THE_SESSION)
    for operation in every:
        if operation.path.startswith(SKIP_PATH_PREFIXES):
            continue
        if time.monotonic() > deadline:
            break
        operations += 1
        try:
            fuzz(operation, callers, known, examples, statuses, failures)()
        except Unsatisfiable:  # negative mode: nothing in this operation can be made invalid
            assert MODE is schemathesis.GenerationMode.NEGATIVE

    report = f"{operations} operations, {sum(examples.values())} calls, statuses {dict(sorted(statuses.items()))}"
    print(report)  # noqa: T201 - shown with -s: the numbers of the run
    assert operations >= 89, report
    assert not failures, "\n".join([report, *sorted(set(failures))[:60]])
