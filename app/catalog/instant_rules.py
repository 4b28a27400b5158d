"""The declarative instant-approval (秒批) rules an item may carry, as the catalog stores them.

An item marked `instant` is approved at once when every one of its rules holds for the
application; app/cases/instant.py evaluates them. An instant item without rules of its own gets
DEFAULT_RULES: nothing left for an officer to read (every required material met by an e-licence
or a commitment) and a clean credit record.

    {"rule": "age_at_least", "years": 80}            applicant's age, from the ID number
    {"rule": "materials_by_licence"}                  every required material met by an e-licence
    {"rule": "no_uploads"}                            … by an e-licence or a commitment
    {"rule": "no_credit_record"}                      nothing on the bad-credit list, not even flagged
    {"rule": "holds_licence", "licence_type": "L-XSZ"}  a valid e-licence of that type in the wallet
    {"rule": "form_equals", "field": "purpose", "value": "本人使用"}
"""

from __future__ import annotations

import re

DEFAULT_RULES: list[dict] = [{"rule": "no_uploads"}, {"rule": "no_credit_record"}]

_LICENCE_CODE = re.compile(r"^[A-Z0-9-]{2,32}$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

# rule name -> {parameter: checker}
SHAPES: dict[str, dict] = {
    "age_at_least": {"years": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 120},
    "materials_by_licence": {},
    "no_uploads": {},
    "no_credit_record": {},
    "holds_licence": {"licence_type": lambda v: isinstance(v, str) and bool(_LICENCE_CODE.match(v))},
    "form_equals": {
        "field": lambda v: isinstance(v, str) and bool(_FIELD.match(v)),
        "value": lambda v: isinstance(v, str | int | bool) and len(str(v)) <= 100,
    },
}


def rule_errors(rules: object) -> list[str]:
    """What is wrong with a list of rules (empty when it is valid)."""
    if not isinstance(rules, list):
        return ["instant_rules must be a list"]
    errors = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or rule.get("rule") not in SHAPES:
            errors.append(f"rule {index}: unknown rule (one of {', '.join(SHAPES)})")
            continue
        params = SHAPES[rule["rule"]]
        extra = set(rule) - {"rule"} - set(params)
        if extra:
            errors.append(f"rule {index}: unknown parameter {', '.join(sorted(extra))}")
        for name, check in params.items():
            if name not in rule or not check(rule[name]):
                errors.append(f"rule {index}: {rule['rule']} needs a valid {name}")
    return errors


def effective_rules(instant: bool, rules: list[dict] | None) -> list[dict]:
    """The rules that decide an instant item (its own, else the defaults); [] when not instant."""
    if not instant:
        return []
    return list(rules) if rules else list(DEFAULT_RULES)
