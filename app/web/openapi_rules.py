"""Rules the server enforces on request bodies that marshmallow fields cannot say in the spec:
which one of several fields a body carries. app.web.openapi adds these keys to the named
component schemas (conditionals on the allowed shapes); the validators in the schemas stay the
server's truth and tests/contract check the two agree."""

from __future__ import annotations


def _when(condition: dict, then: dict) -> dict:
    return {"if": condition, "then": then}


def _is(**consts) -> dict:
    return {"properties": {name: {"const": value} for name, value in consts.items()}, "required": list(consts)}


def _has(name: str) -> dict:
    return {"required": [name]}


def _none_of(*names: str) -> dict:
    return {"not": {"anyOf": [{"required": [name]} for name in names]}}


# Conditionals (`allOf` of `if`/`then`) rather than `oneOf` of whole shapes: generated clients keep
# one typed model per body, validators and fuzzers still see the rule.
SCHEMA_RULES: dict[str, dict] = {
    # identity.FaceComplete / auth.FaceLogin: exactly one provider reference; name and ID number
    # only with the older WeChat flow's verify_result.
    "FaceComplete": {
        "description": "Exactly one of verify_id (WeChat), certify_id (Alipay), verify_result (older WeChat "
        "flow); name and id_number only with verify_result.",
        "allOf": [
            _when(_none_of("verify_id", "certify_id", "verify_result"), _has("verify_id")),
            _when(_has("verify_id"), _none_of("certify_id", "verify_result", "name", "id_number")),
            _when(_has("certify_id"), _none_of("verify_id", "verify_result", "name", "id_number")),
            _when(_has("verify_result"), _none_of("verify_id", "certify_id")),
        ],
    },
    # PUT applications/{id}/materials/{position}
    "MaterialChoice": {
        "description": "licence: licence_id; commitment: accept and text_version; upload: nothing else.",
        "allOf": [
            _when(_is(method="licence"), {**_has("licence_id"), **_none_of("accept", "text_version")}),
            _when(_is(method="commitment"), {"required": ["accept", "text_version"], **_none_of("licence_id")}),
            _when(_is(method="upload"), _none_of("licence_id", "accept", "text_version")),
        ],
    },
    # PUT applications/{id}/delivery: mail needs an address of mine, pickup none
    "DeliveryChoice": {
        "description": "mail needs address_id (one of my addresses); pickup takes none.",
        "allOf": [
            _when(_is(method="mail"), _has("address_id")),
            _when(_is(method="pickup"), _none_of("address_id")),
        ],
    },
    # POST complaints: the subject's reference, and only it
    "ComplaintCreate": {
        "description": "The subject's reference and only it: item → service_code, case → case_id (one of mine), "
        "hall → hall_code.",
        "allOf": [
            _when(_is(subject_type="item"), {**_has("service_code"), **_none_of("case_id", "hall_code")}),
            _when(_is(subject_type="case"), {**_has("case_id"), **_none_of("service_code", "hall_code")}),
            _when(_is(subject_type="hall"), {**_has("hall_code"), **_none_of("service_code", "case_id")}),
        ],
    },
    # PATCH addresses/{id}: at least one field
    "AddressPatch": {"minProperties": 1, "description": "At least one field to change."},
}

IDEMPOTENCY_KEY = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9_.:-]{8,64}$",
    "description": "8–64 letters, digits or _ . : - chosen by the client for this submit; a repeat "
    "with the same key returns the same case. Without it (or malformed) the answer is 428.",
}
