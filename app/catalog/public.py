"""The names of the catalog domain the citizen API may use besides the service functions: the
closed vocabularies of service items (audiences, delivery options, item types, levels, material
forms, result types). Imported from here, never from the core's models."""

from __future__ import annotations

from app.catalog.models import AUDIENCES, DELIVERY_OPTIONS, ITEM_TYPES, LEVELS, MATERIAL_FORMS, RESULT_TYPES

__all__ = ["AUDIENCES", "DELIVERY_OPTIONS", "ITEM_TYPES", "LEVELS", "MATERIAL_FORMS", "RESULT_TYPES"]
