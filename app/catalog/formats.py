"""Schemas of the catalog file format (docs/catalog-format.md), used by import and seed."""

from __future__ import annotations

import marshmallow as ma
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from app.catalog.fees import rule_errors as fee_rule_errors
from app.catalog.instant_rules import rule_errors
from app.catalog.models import (
    AUDIENCES,
    DELIVERY_OPTIONS,
    ITEM_TYPES,
    LEVELS,
    MATERIAL_FORMS,
    RESULT_TYPES,
)

FORMAT_ID = "zhangshangban.catalog/1"
SECTIONS = ("departments", "licence_types", "material_types", "themes", "items", "bundles")

_code = ma.validate.Regexp(r"^[A-Za-z0-9_-]{2,32}$", error="must be 2-32 of A-Z a-z 0-9 _ -")
_text = ma.fields.String
_nonempty = ma.validate.Length(min=1)


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class DepartmentRow(_Strict):
    code = _text(required=True, validate=_code)
    name = _text(required=True, validate=ma.validate.Length(min=1, max=100))
    uscc = _text(load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{18}$"))
    division_code = _text(required=True, validate=ma.validate.Regexp(r"^\d{6}(\d{3}|\d{6})?$"))
    division_name = _text(load_default="")
    level = _text(required=True, validate=ma.validate.OneOf(LEVELS))
    address = _text(load_default="")
    phone = _text(load_default="")
    office_hours = _text(load_default="")


class LicenceTypeRow(_Strict):
    code = _text(required=True, validate=_code)
    name = _text(required=True, validate=_nonempty)
    issuer_level = _text(load_default="national", validate=ma.validate.OneOf(("national",) + LEVELS))


class MaterialTypeRow(_Strict):
    code = _text(required=True, validate=_code)
    name = _text(required=True, validate=_nonempty)
    synonyms = ma.fields.List(_text(validate=_nonempty), load_default=list)
    licence_type = _text(load_default=None, allow_none=True)
    description = _text(load_default="")


class ThemeRow(_Strict):
    code = _text(required=True, validate=_code)
    name = _text(required=True, validate=_nonempty)
    audience = _text(required=True, validate=ma.validate.OneOf(AUDIENCES))
    description = _text(load_default="")
    sort = ma.fields.Integer(load_default=0)


class ProcessStep(_Strict):
    name = _text(required=True, validate=_nonempty)
    description = _text(load_default="")
    time_limit = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=0))


class MaterialRow(_Strict):
    material_type = _text(required=True)
    name = _text(required=True, validate=_nonempty)
    required = ma.fields.Boolean(load_default=True)
    form = _text(load_default="original", validate=ma.validate.OneOf(MATERIAL_FORMS))
    copies = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=99))
    commitment_allowed = ma.fields.Boolean(load_default=False)
    notes = _text(load_default="")


class FeeItem(_Strict):
    name = _text(required=True, validate=_nonempty)
    amount_fen = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    basis = _text(load_default="")
    # the rule choosing among alternative standards (app/catalog/fees.py)
    when = ma.fields.Raw(load_default=None, allow_none=True)
    default = ma.fields.Boolean(load_default=False)
    per = _text(load_default=None, allow_none=True)


class Fees(_Strict):
    free = ma.fields.Boolean(required=True)
    items = ma.fields.List(ma.fields.Nested(FeeItem), load_default=list)

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if data["free"] and data["items"]:
            raise ma.ValidationError("a free item lists no fee items", "items")
        if not data["free"] and not data["items"]:
            raise ma.ValidationError("a charged item lists at least one fee item", "items")


class Result(_Strict):
    type = _text(required=True, validate=ma.validate.OneOf(RESULT_TYPES))
    name = _text(required=True, validate=_nonempty)
    licence_type = _text(load_default=None, allow_none=True)


class Channels(_Strict):
    fully_online = ma.fields.Boolean(required=True)
    mobile = ma.fields.Boolean(required=True)


class ItemRow(_Strict):
    basic_code = _text(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9]{4,40}$"))
    # Stored as opaque strings (providers.md); 31 characters in practice, checked loosely.
    implementation_code = _text(required=True, validate=ma.validate.Regexp(r"^[0-9A-Za-z]{20,40}$"))
    name = _text(required=True, validate=ma.validate.Length(min=2, max=200))
    department = _text(required=True)
    type = _text(required=True, validate=ma.validate.OneOf(ITEM_TYPES))
    audience = ma.fields.List(
        _text(validate=ma.validate.OneOf(AUDIENCES)), required=True, validate=ma.validate.Length(min=1, max=2)
    )
    level = _text(required=True, validate=ma.validate.OneOf(LEVELS))
    legal_basis = ma.fields.List(_text(validate=_nonempty), load_default=list)
    scope = _text(load_default="")
    conditions = ma.fields.List(_text(validate=_nonempty), load_default=list)
    statutory_time_limit = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=3650))
    promised_time_limit = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=3650))
    process = ma.fields.List(ma.fields.Nested(ProcessStep), required=True, validate=_nonempty)
    materials = ma.fields.List(ma.fields.Nested(MaterialRow), load_default=list)
    form_schema = ma.fields.Dict(required=True)
    fees = ma.fields.Nested(Fees, required=True)
    result = ma.fields.Nested(Result, required=True)
    themes = ma.fields.List(_text(), load_default=list)
    channels = ma.fields.Nested(Channels, required=True)
    visits = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=5))
    instant = ma.fields.Boolean(load_default=False)
    instant_rules = ma.fields.List(ma.fields.Raw(), load_default=list)
    delivery_options = ma.fields.List(
        _text(validate=ma.validate.OneOf(DELIVERY_OPTIONS)), required=True, validate=_nonempty
    )
    keywords = ma.fields.List(_text(validate=_nonempty), load_default=list)
    consult = _text(load_default="")
    supervision = _text(load_default="")
    popularity = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0))

    @ma.validates_schema
    def _rules(self, data, **kwargs):
        errors = {}
        if data["promised_time_limit"] > data["statutory_time_limit"]:
            errors["promised_time_limit"] = ["must not exceed statutory_time_limit"]
        if data["visits"] == 0 and not data["channels"]["fully_online"]:
            errors["visits"] = ["visits 0 means fully online: channels.fully_online must be true"]
        rule_problems = rule_errors(data["instant_rules"])
        if rule_problems:
            errors["instant_rules"] = rule_problems
        elif data["instant_rules"] and not data["instant"]:
            errors["instant_rules"] = ["instant rules need instant: true"]
        if len(set(data["delivery_options"])) != len(data["delivery_options"]):
            errors["delivery_options"] = ["duplicate option"]
        try:
            Draft202012Validator.check_schema(data["form_schema"])
            if data["form_schema"].get("type") != "object":
                errors["form_schema"] = ['the form schema must describe an object ("type": "object")']
        except SchemaError as exc:
            errors["form_schema"] = [f"not a valid JSON Schema: {exc.message}"]
        fee_problems = fee_rule_errors(data["fees"], data["form_schema"])
        if fee_problems:
            errors["fees"] = fee_problems
        if errors:
            raise ma.ValidationError(errors)


class BundleMemberRow(_Strict):
    service_code = _text(required=True, validate=ma.validate.Regexp(r"^[0-9A-Za-z]{20,40}$"))
    # the condition on the answers (app/catalog/bundle_rules.py); null: always
    when = ma.fields.Raw(load_default=None, allow_none=True)
    field_map = ma.fields.Dict(keys=_text(validate=_nonempty), values=_text(validate=_nonempty), load_default=dict)
    depends_on = ma.fields.List(_text(validate=_nonempty), load_default=list)


class BundleRow(_Strict):
    """A 一件事 bundle; its questions, conditions, field maps and dependencies are checked
    against each other and the member items by app/catalog/bundle_rules.validate_bundle."""

    code = _text(
        required=True,
        validate=ma.validate.Regexp(
            r"^[a-z][a-z0-9-]{1,39}$", error="must be 2-40 of a-z 0-9 - starting with a letter"
        ),
    )
    name = _text(required=True, validate=ma.validate.Length(min=2, max=100))
    audience = _text(required=True, validate=ma.validate.OneOf(AUDIENCES))
    description = _text(load_default="")
    legal_basis = ma.fields.List(_text(validate=_nonempty), required=True, validate=_nonempty)
    promised_time_limit = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=3650))
    keywords = ma.fields.List(_text(validate=_nonempty), load_default=list)
    sort = ma.fields.Integer(load_default=0)
    active = ma.fields.Boolean(load_default=True)
    questions = ma.fields.List(ma.fields.Raw(), load_default=list)
    shared_form = ma.fields.Dict(load_default=lambda: {"type": "object", "properties": {}})
    members = ma.fields.List(ma.fields.Nested(BundleMemberRow), required=True, validate=_nonempty)

    @ma.validates_schema
    def _shared_form(self, data, **kwargs):
        try:
            Draft202012Validator.check_schema(data["shared_form"])
        except SchemaError as exc:
            raise ma.ValidationError(f"not a valid JSON Schema: {exc.message}", "shared_form") from None
        if data["shared_form"].get("type") != "object":
            raise ma.ValidationError('the shared form must describe an object ("type": "object")', "shared_form")


ROW_SCHEMAS: dict[str, ma.Schema] = {
    "departments": DepartmentRow(),
    "licence_types": LicenceTypeRow(),
    "material_types": MaterialTypeRow(),
    "themes": ThemeRow(),
    "items": ItemRow(),
    "bundles": BundleRow(),
}

# Keys of an item that CSV carries as JSON text.
CSV_JSON_KEYS = (
    "audience",
    "legal_basis",
    "conditions",
    "process",
    "materials",
    "form_schema",
    "fees",
    "result",
    "themes",
    "channels",
    "delivery_options",
    "keywords",
    "instant_rules",
)
CSV_INT_KEYS = ("statutory_time_limit", "promised_time_limit", "visits", "popularity")
CSV_BOOL_KEYS = ("instant",)
CSV_COLUMNS = (
    "implementation_code",
    "basic_code",
    "name",
    "department",
    "type",
    "audience",
    "level",
    "legal_basis",
    "scope",
    "conditions",
    "statutory_time_limit",
    "promised_time_limit",
    "process",
    "materials",
    "form_schema",
    "fees",
    "result",
    "themes",
    "channels",
    "visits",
    "instant",
    "instant_rules",
    "delivery_options",
    "keywords",
    "consult",
    "supervision",
    "popularity",
)
