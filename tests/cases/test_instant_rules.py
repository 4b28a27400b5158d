"""The declarative instant-approval rules: their shapes as the catalog accepts them, and the age
arithmetic from the ID number's birth date."""

from __future__ import annotations

from datetime import date

import pytest

from app.cases.instant import _age_on
from app.catalog.instant_rules import DEFAULT_RULES, effective_rules, rule_errors


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1944, 5, 16), date(2024, 5, 15), 79),
        (date(1944, 5, 16), date(2024, 5, 16), 80),
        (date(1944, 2, 29), date(2024, 2, 28), 79),
        (date(1944, 2, 29), date(2024, 2, 29), 80),
        (date(1944, 2, 29), date(2025, 3, 1), 81),
    ],
)
def test_age_counts_birthdays(born, on, age):
    assert _age_on(born, on) == age


def test_valid_rules():
    rules = [
        {"rule": "age_at_least", "years": 60},
        {"rule": "materials_by_licence"},
        {"rule": "no_uploads"},
        {"rule": "no_credit_record"},
        {"rule": "holds_licence", "licence_type": "L-XSZ"},
        {"rule": "form_equals", "field": "purpose", "value": "本人使用"},
    ]
    assert rule_errors(rules) == []


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ("age", "must be a list"),
        ([{"rule": "vip"}], "unknown rule"),
        ([{"rule": "age_at_least"}], "needs a valid years"),
        ([{"rule": "age_at_least", "years": True}], "needs a valid years"),
        ([{"rule": "age_at_least", "years": 200}], "needs a valid years"),
        ([{"rule": "no_uploads", "strict": True}], "unknown parameter strict"),
        ([{"rule": "holds_licence", "licence_type": "l xsz"}], "needs a valid licence_type"),
        ([{"rule": "form_equals", "field": "1bad", "value": "x"}], "needs a valid field"),
    ],
)
def test_invalid_rules_are_named(rules, fragment):
    errors = rule_errors(rules)
    assert errors and fragment in errors[0]


def test_instant_items_without_rules_get_the_defaults():
    assert effective_rules(False, [{"rule": "no_uploads"}]) == []
    assert effective_rules(True, None) == DEFAULT_RULES
    assert effective_rules(True, [{"rule": "age_at_least", "years": 80}]) == [{"rule": "age_at_least", "years": 80}]
