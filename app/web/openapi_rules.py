"""Rules the server enforces on request bodies that marshmallow fields cannot say in the spec:
which one of several fields a body carries. app.web.openapi adds these keys to the named
component schemas (`oneOf` of the allowed shapes); the validators in the schemas stay the
server's truth and tests/contract check the two agree."""

from __future__ import annotations


def _only(required: list[str], absent: list[str], **consts) -> dict:
    """One allowed shape: `required` present, `absent` left out, `consts` fixed values."""
    shape: dict = {"required": [*consts, *required]}
    if consts:
        shape["properties"] = {name: {"const": value} for name, value in consts.items()}
    if absent:
        shape["not"] = {"anyOf": [{"required": [name]} for name in absent]}
    return shape


_FACE_REFS = ["verify_id", "certify_id", "verify_result"]

SCHEMA_RULES: dict[str, dict] = {
    # identity.FaceComplete / auth.FaceLogin: exactly one provider reference; name and ID number
    # only with the older WeChat flow's verify_result.
    "FaceComplete": {
        "oneOf": [
            _only(["verify_id"], ["certify_id", "verify_result", "name", "id_number"]),
            _only(["certify_id"], ["verify_id", "verify_result", "name", "id_number"]),
            _only(["verify_result"], ["verify_id", "certify_id"]),
        ],
    },
    # PUT applications/{id}/materials/{position}
    "MaterialChoice": {
        "oneOf": [
            _only(["licence_id"], ["accept", "text_version"], method="licence"),
            _only(["accept", "text_version"], ["licence_id"], method="commitment"),
            _only([], ["licence_id", "accept", "text_version"], method="upload"),
        ],
    },
    # PUT applications/{id}/delivery: mail needs an address of mine, pickup none
    "DeliveryChoice": {
        "oneOf": [
            _only(["address_id"], [], method="mail"),
            _only([], ["address_id"], method="pickup"),
        ],
    },
    # POST complaints: the subject's reference, and only it
    "ComplaintCreate": {
        "oneOf": [
            _only(["service_code"], ["case_id", "hall_code"], subject_type="item"),
            _only(["case_id"], ["service_code", "hall_code"], subject_type="case"),
            _only(["hall_code"], ["service_code", "case_id"], subject_type="hall"),
        ],
    },
    # PATCH addresses/{id}: at least one field
    "AddressPatch": {"minProperties": 1},
}

IDEMPOTENCY_KEY = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9_.:-]{8,64}$",
    "description": "8–64 letters, digits or _ . : - chosen by the client for this submit; a repeat "
    "with the same key returns the same case. Without it (or malformed) the answer is 428.",
}
