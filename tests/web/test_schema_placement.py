"""The placement rule for schemas (README "Placement rules"): no schema classes in view modules,
the shapes both APIs show defined once, every list with a count in the one page envelope."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
API_PACKAGES = ("app", "miniprogram_api", "payments", "notifications", "delivery")
PENDING: set[str] = set()  # schema classes still defined in a view module (none)


def _view_modules():
    for package in API_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "MethodView" in text and ".route(" in text:
                yield path


def _schema_classes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases]
            if any(b.endswith("Schema") or b.endswith("page_of") or "page_of(" in b for b in bases):
                found.append(node.name)
    return found


def test_view_modules_define_no_schema_classes():
    modules = list(_view_modules())
    assert len(modules) > 20  # the scan sees the views
    offenders = {
        str(path.relative_to(REPO)): names
        for path in modules
        if (names := [name for name in _schema_classes(path) if name not in PENDING])
    }
    assert offenders == {}


@pytest.fixture(scope="module")
def components(app):
    return app.test_client().get("/openapi.json").get_json()["components"]["schemas"]


def test_every_list_with_a_count_is_the_one_page_envelope(components):
    counted = {name: schema for name, schema in components.items() if "total" in schema.get("properties", {})}
    counted.pop("PaginationMetadata")  # flask-smorest's own header schema, not a body
    assert {"ServicePage", "AddressPage", "DepartmentList", "ThemeList"} <= set(counted)
    for name, schema in counted.items():
        assert {"items", "total", "page", "page_size"} <= set(schema["properties"]), name
        assert {"items", "total", "page", "page_size"} <= set(schema["required"]), name


def test_case_material_and_timeline_shapes_are_defined_once(components):
    citizen, staff = components["AppMaterial"]["properties"], components["StaffMaterial"]["properties"]
    assert set(citizen) - set(staff) == {"options"}
    assert {name: spec for name, spec in citizen.items() if name != "options"} == staff
    assert staff["files"]["items"] == {"$ref": "#/components/schemas/CaseFile"}
    citizen, staff = components["AppTimelineEntry"]["properties"], components["TimelineEntry"]["properties"]
    assert set(staff) - set(citizen) == {"actor"}  # who moved the case: the staff's business only
    assert {name: spec for name, spec in staff.items() if name != "actor"} == citizen


@pytest.mark.parametrize("path", ["/api/v1/departments", "/api/v1/themes"])
def test_whole_lists_answer_page_one_of_the_envelope(client, path):
    body = client.get(path).get_json()
    assert body["total"] == len(body["items"]) > 0
    assert body["page"] == 1
    assert body["page_size"] == body["total"]
