"""An item's fee standards and the declarative rule that picks what an application is charged.

`fees.items` lists the item's fee lines (收费标准). Each line is one of:

    {"name", "amount_fen", "basis"}                        charged on every application
    {"name", "amount_fen", "basis", "per": "field"}        charged per unit of an integer form field
                                                           (每增加一本 …; missing or 0 → nothing)
    {"name", "amount_fen", "basis", "when": Condition}     an alternative standard, chosen when
                                                           its condition holds on the form
    {"name", "amount_fen", "basis", "default": true}       the alternative chosen when no `when` holds

Alternatives are alternatives: exactly one of them is charged — the first (in file order) whose
`when` holds, else the default. An item with `when` lines has exactly one default line.

    Condition = {"field": "apply_reason", "equals": "证件严重损坏"}
              | {"field": "house_use", "in": ["商业", "办公"]}

The field must be a property of the item's form schema and each value one it allows (its enum,
else its JSON type), so a rule that can never hold is refused on import with its line.
"""

from __future__ import annotations

_FIELD_TYPES = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
MAX_IN = 50


def _alternative(line: dict) -> bool:
    return line.get("when") is not None or bool(line.get("default"))


def _value_problem(prop: dict, value: object) -> str | None:
    if isinstance(value, dict | list) or value is None:
        return "must be a string, number or boolean"
    if "enum" in prop:
        return None if _same_kind(value, prop["enum"]) else "is not one of the field's options"
    check = _FIELD_TYPES.get(prop.get("type"))
    if check is not None and not check(value):
        return f"is not a {prop.get('type')}"
    return None


def _same_kind(value: object, options: list) -> bool:
    # True == 1 in Python: a boolean only matches a boolean option and the other way round
    return any(_same(value, option) for option in options)


def _same(a: object, b: object) -> bool:
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _condition_problems(where: str, cond: object, properties: dict) -> list[str]:
    if not isinstance(cond, dict) or set(cond) not in ({"field", "equals"}, {"field", "in"}):
        return [f'{where}: when must be {{"field", "equals"}} or {{"field", "in": [...]}}']
    field = cond["field"]
    if not isinstance(field, str) or field not in properties:
        return [f"{where}: when.field {field!r} is not a field of the form"]
    prop = properties[field] if isinstance(properties[field], dict) else {}
    values = [cond["equals"]] if "equals" in cond else cond["in"]
    if "in" in cond and (not isinstance(values, list) or not 1 <= len(values) <= MAX_IN):
        return [f"{where}: when.in must list 1 to {MAX_IN} values"]
    problems = []
    for value in values:
        problem = _value_problem(prop, value)
        if problem:
            problems.append(f"{where}: when value {value!r} {problem} ({field})")
    return problems


def rule_errors(fees: dict, form_schema: dict) -> list[str]:
    """What is wrong with the fee rule of an item (empty when it is valid). `fees` is the loaded
    fees object (formats.Fees); `form_schema` the item's form."""
    properties = form_schema.get("properties") if isinstance(form_schema, dict) else None
    properties = properties if isinstance(properties, dict) else {}
    items = fees.get("items") or []
    problems: list[str] = []
    defaults = 0
    conditional = 0
    for index, line in enumerate(items):
        where = f"items[{index}]"
        when, per, default = line.get("when"), line.get("per"), bool(line.get("default"))
        if when is not None:
            conditional += 1
            problems += _condition_problems(where, when, properties)
        if default:
            defaults += 1
            if when is not None:
                problems.append(f"{where}: the default standard has no when")
        if per is not None:
            if when is not None or default:
                problems.append(f"{where}: per is for lines charged on every application, not alternatives")
            prop = properties.get(per)
            if not isinstance(prop, dict) or prop.get("type") != "integer":
                problems.append(f"{where}: per {per!r} must name an integer field of the form")
    if conditional and defaults != 1:
        problems.append("alternative standards (with when) need exactly one default standard (default: true)")
    elif defaults and not conditional:
        problems.append("a default standard needs alternatives with when")
    return problems


def normalise(fees: dict) -> dict:
    """The fees object as stored and exported: only the keys a line uses."""
    if fees.get("free"):
        return {"free": True}
    lines = []
    for line in fees.get("items") or []:
        out = {"name": line["name"], "amount_fen": line["amount_fen"], "basis": line.get("basis", "")}
        if line.get("when") is not None:
            out["when"] = line["when"]
        if line.get("default"):
            out["default"] = True
        if line.get("per") is not None:
            out["per"] = line["per"]
        lines.append(out)
    return {"free": False, "items": lines}


def _quantity(form: dict, field: str) -> int:
    value = form.get(field)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _holds(cond: dict, form: dict) -> bool:
    if cond["field"] not in form:
        return False
    value = form[cond["field"]]
    options = [cond["equals"]] if "equals" in cond else cond["in"]
    return any(_same(value, option) for option in options)


def charged_lines(fees: dict, form: dict | None) -> list[tuple[dict, int]]:
    """The lines an application with this form is charged, each with its amount in fen."""
    if fees.get("free", True):
        return []
    form = form or {}
    items = fees.get("items") or []
    alternatives = [line for line in items if _alternative(line)]
    chosen = None
    if alternatives:
        chosen = next((line for line in alternatives if line.get("when") and _holds(line["when"], form)), None)
        chosen = chosen or next((line for line in alternatives if line.get("default")), alternatives[0])
    out = []
    for line in items:
        if _alternative(line):
            if line is chosen:
                out.append((line, int(line["amount_fen"])))
        elif line.get("per"):
            count = _quantity(form, line["per"])
            if count:
                out.append((line, int(line["amount_fen"]) * count))
        else:
            out.append((line, int(line["amount_fen"])))
    return out


def charged_fen(fees: dict, form: dict | None) -> int:
    """What an application with this form is charged, in fen (0: free)."""
    return sum(amount for _, amount in charged_lines(fees, form))


def from_fen(fees: dict) -> int:
    """The least any application is charged, in fen: the cheapest alternative plus the lines
    charged on every application (per-unit lines may be 0)."""
    if fees.get("free", True):
        return 0
    items = fees.get("items") or []
    alternatives = [int(line["amount_fen"]) for line in items if _alternative(line)]
    fixed = sum(int(line["amount_fen"]) for line in items if not _alternative(line) and not line.get("per"))
    return fixed + (min(alternatives) if alternatives else 0)


def varies(fees: dict) -> bool:
    """Whether the amount depends on the application (alternatives or per-unit lines)."""
    return not fees.get("free", True) and any(_alternative(line) or line.get("per") for line in fees.get("items") or [])


def yuan(fen: int) -> str:
    """2000 → "20", 1050 → "10.50"."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"


def fee_text(least_fen: int, depends: bool) -> str:
    """The fee as a list shows it: 免费, 120 元, 20 元起."""
    if least_fen == 0 and not depends:
        return "免费"
    return f"{yuan(least_fen)} 元{'起' if depends else ''}"


def text(fees: dict) -> str:
    return fee_text(from_fen(fees), varies(fees))


def _title(properties: dict, field: str) -> str:
    prop = properties.get(field)
    return (prop.get("title") if isinstance(prop, dict) else None) or field


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def applies_text(line: dict, properties: dict) -> str:
    """When a line is charged, in words for the guide."""
    when = line.get("when")
    if when is not None:
        values = [when["equals"]] if "equals" in when else when["in"]
        return f"{_title(properties, when['field'])}为" + "或".join(f"“{_shown(v)}”" for v in values)
    if line.get("default"):
        return "其他情形（默认）"
    if line.get("per"):
        return f"按“{_title(properties, line['per'])}”逐件计收"
    return "每件申请"


def guide_fees(fees: dict, form_schema: dict) -> dict:
    """The fees element of the served guide: the standards as alternatives, each with when it
    applies, and what the least charge is."""
    properties = (form_schema or {}).get("properties") or {}
    return {
        "free": bool(fees.get("free")),
        "from_fen": from_fen(fees),
        "varies": varies(fees),
        "text": text(fees),
        "items": [
            {
                "name": line["name"],
                "amount_fen": int(line["amount_fen"]),
                "basis": line.get("basis", ""),
                "when": line.get("when"),
                "default": bool(line.get("default")),
                "per": line.get("per"),
                "applies": applies_text(line, properties),
            }
            for line in fees.get("items") or []
        ],
    }
