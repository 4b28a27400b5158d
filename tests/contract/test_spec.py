"""The OpenAPI document as a contract: ids, names, order, required fields, enums, formats, examples
and the rules the server enforces (app/web/openapi.py)."""

from __future__ import annotations

import re

import jsonschema
import marshmallow as ma
import pytest

from app.web.openapi_examples import REQUEST_EXAMPLES
from miniprogram_api.application_schemas import MaterialChoiceSchema
from miniprogram_api.complaint_schemas import ComplaintCreateSchema
from miniprogram_api.delivery_schemas import DeliveryChoiceSchema
from miniprogram_api.identity_schemas import FaceCompleteSchema

SERVER_SCHEMAS = {
    "FaceComplete": FaceCompleteSchema,
    "DeliveryChoice": DeliveryChoiceSchema,
    "MaterialChoice": MaterialChoiceSchema,
    "ComplaintCreate": ComplaintCreateSchema,
}

METHODS = ("get", "put", "post", "delete", "patch")


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def body_validator(spec, schema):
    """A JSON Schema 2020-12 validator of `schema` that resolves the spec's component refs."""
    root = {**schema, "components": spec["components"]}
    return jsonschema.Draft202012Validator(root)


def test_every_operation_has_a_unique_readable_operation_id(spec):
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    assert len(ids) >= 89 and all(ids)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    by_id = {op["operationId"]: (method, path) for path, method, op in operations(spec)}
    assert by_id["listServices"] == ("get", "/api/v1/services")
    assert by_id["getApplication"] == ("get", "/api/v1/applications/{case_id}")
    assert by_id["uploadMaterialFile"] == ("post", "/api/v1/applications/{case_id}/materials/{position}/files")
    assert by_id["staffListCases"] == ("get", "/staff/api/v1/departments/{department_code}/cases")


def test_component_names_stay_unique_once_normalised(spec):
    """Generators turn names into class names: `CodeName` and `_CodeName` would collide."""
    names = list(spec["components"]["schemas"])
    normalised = [re.sub(r"[^a-z0-9]", "", n.lower()) for n in names]
    assert len(set(normalised)) == len(normalised)
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]+", n) for n in names), names
    assert {"LicenceSummary", "LicenceSummaryPage", "LicenceDetail", "LicenceCheck"} <= set(names)


def test_servers_and_the_citizen_api_first(spec):
    assert spec["servers"][0]["url"] == "/"
    tags = [t["name"] for t in spec["tags"]]
    staff = [i for i, t in enumerate(tags) if t.startswith("staff")]
    assert tags[0] == "catalog" and staff and tags.index("applications") < min(staff)
    assert tags[-1] == "health"
    first_path = next(iter(spec["paths"]))
    assert first_path.startswith("/api/v1/")
    assert "UTC" in spec["info"]["description"] and "fen" in spec["info"]["description"]


def test_response_schemas_say_which_fields_are_always_there(app, spec):
    again = app.test_client().get("/openapi.json").get_json()
    assert again == spec  # finishing the document is repeatable (it works on a copy)
    schemas = spec["components"]["schemas"]
    assert schemas["Application"]["required"][:3] == ["id", "status", "case_number"]
    assert schemas["Application"]["properties"]["case_number"]["type"] == ["string", "null"]
    assert "x-optional" not in str(schemas)
    started = schemas["PaymentStarted"]
    assert started["required"] == ["order"]  # wechat / alipay: only the chosen channel's
    for name in ("LicenceSummary", "FeeOrder", "Delivery", "StaffCase", "Token", "ServiceGuide"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    # request bodies are left as the server reads them
    assert schemas["DraftCreate"]["required"] == ["service_code"]


def test_statuses_kinds_and_channels_are_enums(spec):
    schemas = spec["components"]["schemas"]
    free = []
    pattern = re.compile(r"(^|_)(status|kind|channel|method|role|level|state|outcome|courier|supervision|audience)$")
    for name, schema in schemas.items():
        for prop, value in (schema.get("properties") or {}).items():
            if pattern.search(prop) and "string" in str(value) and "enum" not in str(value):
                free.append(f"{name}.{prop}")
    # free text on purpose: HTTP status names (the envelope, /readyz), audit logs' open sets, a
    # provider's alarm kind, the guide's 监督投诉 contact
    assert sorted(free) == [
        "Alarm.kind",
        "Attempt.outcome",
        "ErrorEnvelope.status",
        "NotReady.status",
        "ServiceGuide.supervision",
        "StaffAction.outcome",
    ], free
    assert schemas["Application"]["properties"]["status"]["enum"][0] == "draft"
    nullable = schemas["Delivery"]["properties"]["status"]["anyOf"]
    assert nullable[0]["enum"][0] == "chosen" and nullable[1] == {"type": "null"}


def test_every_time_field_has_a_format(spec):
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        for prop, value in (schema.get("properties") or {}).items():
            if re.search(r"(_at|_on|_until|^at|^day|deadline|as_of)$", prop) and "format" not in value:
                missing.append(f"{name}.{prop}")
    assert missing == []


def test_binary_responses_are_declared(spec):
    png = spec["paths"]["/api/v1/licences/{licence_id}/show-code/{code}.png"]["get"]["responses"]["200"]
    assert png["content"]["image/png"]["schema"] == {"type": "string", "format": "binary"}
    svg = spec["paths"]["/api/v1/stats/trend.svg"]["get"]["responses"]["200"]
    assert svg["content"]["image/svg+xml"]["schema"] == {"type": "string", "format": "binary"}


def test_every_request_body_has_an_example_that_fits_its_schema(spec):
    bodies = 0
    for path, method, operation in operations(spec):
        if "requestBody" not in operation:
            continue
        for media, content in operation["requestBody"]["content"].items():
            bodies += 1
            assert "example" in content, (method, path)
            if media != "multipart/form-data":
                body_validator(spec, content["schema"]).validate(content["example"])
    assert bodies >= len(REQUEST_EXAMPLES) >= 35


@pytest.mark.parametrize(
    ("schema", "good", "bad"),
    [
        ("FaceComplete", {"verify_id": "v1"}, {"verify_id": "v1", "certify_id": "c1"}),
        ("FaceComplete", {"verify_result": "r", "name": "林晓岚"}, {"certify_id": "c1", "id_number": "x"}),
        ("DeliveryChoice", {"method": "mail", "address_id": 3}, {"method": "mail"}),
        ("DeliveryChoice", {"method": "pickup"}, {"method": "pickup", "address_id": 3}),
        ("MaterialChoice", {"method": "licence", "licence_id": 1}, {"method": "licence", "accept": True}),
        ("MaterialChoice", {"method": "upload"}, {"method": "upload", "licence_id": 1}),
        (
            "ComplaintCreate",
            {"kind": "complaint", "subject_type": "hall", "hall_code": "YQX-ZWZX", "title": "t", "content": "c"},
            {"kind": "complaint", "subject_type": "hall", "case_id": 1, "title": "t", "content": "c"},
        ),
        ("Realname", {"name": "林晓岚", "id_number": "539921199003071204"}, {"name": "林晓岚", "id_number": "5399"}),
        ("SmsSend", {"mobile": "13800138000"}, {"mobile": "1380013800"}),
    ],
)
def test_one_of_bodies_and_patterns_match_what_the_server_accepts(spec, schema, good, bad):
    validator = body_validator(spec, {"$ref": f"#/components/schemas/{schema}"})
    assert validator.is_valid(good)
    assert not validator.is_valid(bad)
    server_schema = SERVER_SCHEMAS.get(schema)
    if server_schema is not None:  # the marshmallow validator agrees
        server_schema().load(good)
        with pytest.raises(ma.ValidationError):
            server_schema().load(bad)


def test_submit_declares_the_idempotency_key(spec):
    submit = spec["paths"]["/api/v1/applications/{case_id}/submit"]["post"]
    header = next(p for p in submit["parameters"] if p["name"] == "Idempotency-Key")
    assert header["required"] is True and header["in"] == "header"
    assert re.fullmatch(header["schema"]["pattern"], "2f9c1a7e-submit-1")
    assert "428" in header["description"]


def test_units_are_stated(spec):
    """Money in fen, durations in seconds, time limits in working days: said on each field."""
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        for prop, value in (schema.get("properties") or {}).items():
            text = value.get("description", "")
            if prop.endswith("_fen") and "fen" not in text:
                missing.append(f"{name}.{prop}: fen")
            if re.search(r"(expires_in|_after)$", prop) and "second" not in text:
                missing.append(f"{name}.{prop}: seconds")
            if re.search(r"(_days|time_limit|days_left)$", prop) and "$ref" not in value and "day" not in text:
                missing.append(f"{name}.{prop}: days")
    assert missing == []
