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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.cases.helpers import citizen_face
from tests.identity.helpers import bearer

EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "10"))
BUDGET_SECONDS = float(os.environ.get("CONTRACT_FUZZ_SECONDS", "120"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

# Operations a fuzzer must not drive as a caller: provider callbacks are signed by the provider
# (their refusals are tested in payments/ and delivery/).
SKIP_PATH_PREFIXES = ("/payments/notify/", "/delivery/notify/")
ENDS_THE_SESSION = frozenset({"logout", "unlinkChannel"})


@pytest.fixture
def callers(api, sandbox, app, clean_slate):
    from app.extensions import db
    from app.staff import service as staff

    citizen = citizen_face(api, sandbox)
    username = f"fuzz-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        staff.create_staff(username=username, password="Fuzz-Contract-2026", department_code="YQX-GA", role="reviewer")
        db.session.remove()
    login = api.post("/staff/api/v1/auth/login", json={"username": username, "password": "Fuzz-Contract-2026"})
    assert login.status_code == 200, login.get_json()
    yield {
        "anonymous": {},
        "citizen": bearer(citizen),
        "staff": bearer(login.get_json()["access_token"]),
    }
    from app.staff.models import TABLES as STAFF_TABLES

    with app.app_context():
        import sqlalchemy as sa

        for table in STAFF_TABLES:
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        db.session.remove()


def fuzz(operation, callers: dict, examples: Counter, statuses: Counter, failures: list[str]):
    """A hypothesis test of one operation: each generated case sent as every caller."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
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
        fuzz(operation, callers, examples, statuses, failures)()

    report = f"{operations} operations, {sum(examples.values())} calls, statuses {dict(sorted(statuses.items()))}"
    print(report)  # noqa: T201 - shown with -s: the numbers of the run
    assert operations >= 89, report
    assert not failures, "\n".join([report, *sorted(set(failures))[:60]])
