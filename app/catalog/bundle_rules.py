"""The declarative language of 一件事 bundles: the questionnaire (情形引导), the conditions that
decide which members apply, and the checks a bundle passes on import. Pure functions over the
bundle document (the shape of the catalog file's `bundles` section, docs in README "一件事
bundles (catalog)"); nothing here reads the database.

A question:

    {"code": "need_seal", "text": "是否需要刻制公章", "kind": "yes_no"}          answered true / false
    {"code": "retire_type", "text": "退休类型", "kind": "choice", "options": ["…", "…"]}

A member's `when` (null or absent: the member always applies), the style of the fee rules
(app/catalog/fees.py) and the 秒批 rules (app/catalog/instant_rules.py):

    {"question": "need_seal", "equals": true}
    {"question": "retire_type", "in": ["特殊工种提前退休", "因病或非因工致残完全丧失劳动能力"]}
    {"all": [Condition, ...]}   {"any": [Condition, ...]}   {"not": Condition}

Because a questionnaire is short (at most MAX_QUESTIONS questions, MAX_SITUATIONS combinations
of answers), every situation is enumerated: on import to refuse a member that can never apply, a
question that changes nothing, or a member that may apply without a member it depends on; for
the guide to say what each answer changes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping

QUESTION_KINDS = ("yes_no", "choice")
MAX_QUESTIONS = 10
MAX_OPTIONS = 20
MAX_SITUATIONS = 4096
MAX_DEPTH = 4
MAX_MEMBERS = 20

_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# ---------------------------------------------------------------- questions and answers


def question_values(question: Mapping) -> list:
    """The answers a question accepts, in the order they are shown."""
    return [True, False] if question.get("kind") == "yes_no" else list(question.get("options") or [])


def answer_text(question: Mapping, value: object) -> str:
    if question.get("kind") == "yes_no":
        return "是" if value else "否"
    return str(value)


def _same(a: object, b: object) -> bool:
    # True == 1 in Python: a boolean only matches a boolean and the other way round
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def question_errors(questions: object) -> list[str]:
    if not isinstance(questions, list):
        return ["questions must be a list"]
    if len(questions) > MAX_QUESTIONS:
        return [f"at most {MAX_QUESTIONS} questions"]
    errors: list[str] = []
    seen: set[str] = set()
    for i, q in enumerate(questions):
        where = f"questions[{i}]"
        if not isinstance(q, dict):
            errors.append(f"{where}: must be an object")
            continue
        extra = set(q) - {"code", "text", "kind", "options", "hint"}
        if extra:
            errors.append(f"{where}: unknown key {', '.join(sorted(extra))}")
        code = q.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            errors.append(f"{where}: code must be 1-40 of a-z 0-9 _ starting with a letter")
        elif code in seen:
            errors.append(f"{where}: duplicate question code {code!r}")
        else:
            seen.add(code)
        if not isinstance(q.get("text"), str) or not q["text"].strip():
            errors.append(f"{where}: text is required")
        if "hint" in q and not isinstance(q["hint"], str):
            errors.append(f"{where}: hint must be text")
        kind = q.get("kind")
        if kind not in QUESTION_KINDS:
            errors.append(f"{where}: kind must be one of {', '.join(QUESTION_KINDS)}")
        elif kind == "yes_no" and "options" in q:
            errors.append(f"{where}: a yes_no question has no options")
        elif kind == "choice":
            options = q.get("options")
            if (
                not isinstance(options, list)
                or not 2 <= len(options) <= MAX_OPTIONS
                or not all(isinstance(o, str) and o.strip() for o in options)
            ):
                errors.append(f"{where}: a choice lists 2 to {MAX_OPTIONS} options (text)")
            elif len(set(options)) != len(options):
                errors.append(f"{where}: duplicate option")
    return errors


def answers_errors(questions: list[dict], answers: object) -> dict[str, list[str]]:
    """Field errors (`answers.<code>` -> [中文]) of a citizen's answers; empty when valid.
    Every question must be answered; an answer to no question is refused."""
    if not isinstance(answers, dict):
        return {"answers": ["请回答情形引导中的问题"]}
    errors: dict[str, list[str]] = {}
    by_code = {q["code"]: q for q in questions}
    for code, q in by_code.items():
        if code not in answers or answers[code] is None:
            errors[f"answers.{code}"] = [f"{q['text']}：请选择"]
        elif not any(_same(answers[code], v) for v in question_values(q)):
            hint = "请回答是或否" if q["kind"] == "yes_no" else "请从可选项中选择"
            errors[f"answers.{code}"] = [f"{q['text']}：{hint}"]
    for code in answers:
        if code not in by_code:
            errors[f"answers.{code}"] = ["没有这个问题"]
    return errors


# ---------------------------------------------------------------- conditions


def condition_errors(cond: object, questions: list[dict], where: str = "when", depth: int = 0) -> list[str]:
    """What is wrong with a member condition (empty when valid); `questions` are the bundle's."""
    if depth > MAX_DEPTH:
        return [f"{where}: nested deeper than {MAX_DEPTH}"]
    if not isinstance(cond, dict) or len(cond) == 0:
        return [f"{where}: a condition must be an object"]
    keys = set(cond)
    if keys in ({"all"}, {"any"}):
        (op,) = keys
        parts = cond[op]
        if not isinstance(parts, list) or not parts:
            return [f"{where}.{op}: must list at least one condition"]
        errors = []
        for i, part in enumerate(parts):
            errors += condition_errors(part, questions, f"{where}.{op}[{i}]", depth + 1)
        return errors
    if keys == {"not"}:
        return condition_errors(cond["not"], questions, f"{where}.not", depth + 1)
    if keys not in ({"question", "equals"}, {"question", "in"}):
        return [f'{where}: must be {{"question", "equals"}}, {{"question", "in"}}, all, any or not']
    code = cond["question"]
    q = next((q for q in questions if isinstance(q, dict) and q.get("code") == code), None)
    if q is None:
        return [f"{where}: unknown question {code!r}"]
    values = [cond["equals"]] if "equals" in cond else cond["in"]
    if "in" in cond and (not isinstance(values, list) or not values):
        return [f"{where}.in: must list at least one answer"]
    allowed = question_values(q)
    return [
        f"{where}: {value!r} is not an answer of question {code!r} ({'true or false' if q.get('kind') == 'yes_no' else 'one of its options'})"
        for value in values
        if not any(_same(value, a) for a in allowed)
    ]


def holds(cond: Mapping | None, answers: Mapping) -> bool:
    """Whether a (valid) condition holds on (valid) answers; None always holds."""
    if cond is None:
        return True
    if "all" in cond:
        return all(holds(c, answers) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, answers) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], answers)
    values = [cond["equals"]] if "equals" in cond else cond["in"]
    return any(_same(answers.get(cond["question"]), v) for v in values)


def questions_in(cond: Mapping | None) -> set[str]:
    if cond is None:
        return set()
    for op in ("all", "any"):
        if op in cond:
            return set().union(*(questions_in(c) for c in cond[op]))
    if "not" in cond:
        return questions_in(cond["not"])
    return {cond["question"]}


def describe(cond: Mapping | None, questions: list[dict]) -> str:
    """A condition in words, for the guide: 「是否需要刻制公章」为“是”."""
    if cond is None:
        return "均需办理"
    if "all" in cond:
        return "且".join(_grouped(c, questions) for c in cond["all"])
    if "any" in cond:
        return "或".join(_grouped(c, questions) for c in cond["any"])
    if "not" in cond:
        return f"并非（{describe(cond['not'], questions)}）"
    q = next(q for q in questions if q["code"] == cond["question"])
    values = [cond["equals"]] if "equals" in cond else cond["in"]
    shown = "、".join(f"“{answer_text(q, v)}”" for v in values)
    return f"「{q['text']}」为{shown}" if len(values) == 1 else f"「{q['text']}」为{shown}之一"


def _grouped(cond: Mapping, questions: list[dict]) -> str:
    text = describe(cond, questions)
    return f"（{text}）" if ("all" in cond or "any" in cond) else text


def situations(questions: list[dict]) -> Iterator[dict]:
    """Every combination of answers to the questions."""
    codes = [q["code"] for q in questions]
    for combo in itertools.product(*(question_values(q) for q in questions)):
        yield dict(zip(codes, combo, strict=True))


def situation_count(questions: list[dict]) -> int:
    n = 1
    for q in questions:
        n *= max(len(question_values(q)), 1)
    return n


# ---------------------------------------------------------------- dependencies


def dependency_cycle(depends: Mapping[str, list[str]]) -> list[str] | None:
    """One cycle among the members' dependencies (as a path a -> b -> a), or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in depends.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt in depends and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in depends:
        if state.get(node) is None:
            found = visit(node)
            if found:
                return found
    return None


# ---------------------------------------------------------------- the whole bundle


def applicable(bundle: Mapping, answers: Mapping) -> list[dict]:
    """The members of a bundle document that apply on these (valid) answers, in order."""
    return [m for m in bundle["members"] if holds(m.get("when"), answers)]


def _properties(schema: object) -> dict:
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


def _field_problem(member_prop: object, shared_prop: object) -> str | None:
    """Why a shared field cannot fill a member field (its values would not fit), or None."""
    if not isinstance(member_prop, dict) or not isinstance(shared_prop, dict):
        return None
    if member_prop.get("type") and shared_prop.get("type") != member_prop.get("type"):
        return f"is {shared_prop.get('type')!r}, the member field {member_prop.get('type')!r}"
    if "enum" in member_prop:
        extra = [v for v in shared_prop.get("enum", [None]) if v not in member_prop["enum"]]
        if extra:
            return "allows answers the member field does not (its enum must be a subset)"
    return None


def validate_bundle(doc: Mapping, items: Mapping[str, Mapping] | None = None) -> list[str]:
    """What is wrong with a bundle document (empty when valid).

    `items` maps the service codes the bundle may name to {"form_schema", "audience"} (the
    items of the file being imported and of the database); when None, member references are
    not checked."""
    errors = question_errors(doc.get("questions"))
    questions = doc.get("questions") if not errors else []
    shared = _properties(doc.get("shared_form"))
    members = doc.get("members")
    if not isinstance(members, list) or not 1 <= len(members) <= MAX_MEMBERS:
        return errors + [f"members: a bundle has 1 to {MAX_MEMBERS} members"]
    codes = [m.get("service_code") if isinstance(m, dict) else None for m in members]
    mapped: set[str] = set()
    used_questions: set[str] = set()
    conditions_ok = not errors
    for i, m in enumerate(members):
        where = f"members[{i}]"
        code = codes[i]
        if not isinstance(m, dict) or not isinstance(code, str):
            errors.append(f"{where}: needs a service_code")
            conditions_ok = False
            continue
        where = f"members[{i}] {code}"
        if code in codes[:i]:
            errors.append(f"{where}: the item is already a member")
        item = items.get(code) if items is not None else None
        if items is not None and item is None:
            errors.append(f"{where}: unknown item {code!r}")
        elif item is not None and doc.get("audience") not in (item.get("audience") or []):
            errors.append(f"{where}: the item does not serve {doc.get('audience')!r} applicants")
        if m.get("when") is not None:
            problems = condition_errors(m["when"], questions) if questions or not errors else []
            if not questions and not errors:
                problems = [f"{where}: a condition needs questions"]
            errors += [f"{where} {p}" for p in problems]
            conditions_ok = conditions_ok and not problems
            if not problems:
                used_questions |= questions_in(m["when"])
        member_props = _properties(item.get("form_schema")) if item is not None else None
        field_map = m.get("field_map") or {}
        for field, target in field_map.items():
            if target not in shared:
                errors.append(f"{where}: field_map.{field}: unknown shared field {target!r}")
                continue
            mapped.add(target)
            if member_props is None:
                continue
            if field not in member_props:
                errors.append(f"{where}: field_map.{field}: unknown member field {field!r} (not in the item's form)")
                continue
            problem = _field_problem(member_props[field], shared[target])
            if problem:
                errors.append(f"{where}: field_map.{field}: shared field {target!r} {problem}")
        for dep in m.get("depends_on") or []:
            if dep == code:
                errors.append(f"{where}: depends_on names the member itself")
            elif dep not in codes:
                errors.append(f"{where}: depends_on {dep!r} is not a member of the bundle")
    for name in shared:
        if name not in mapped:
            errors.append(f"shared_form: field {name!r} fills no member field (map it or remove it)")
    depends = {
        c: [d for d in (m.get("depends_on") or []) if d in codes and d != c]
        for c, m in zip(codes, members, strict=True)
        if isinstance(c, str)
    }
    cycle = dependency_cycle(depends)
    if cycle:
        errors.append(f"depends_on: dependency cycle {' -> '.join(cycle)}")
    for q in questions:
        if q["code"] not in used_questions and conditions_ok:
            errors.append(f"questions: {q['code']!r} decides no member (no condition asks it)")
    if conditions_ok and not errors:
        errors += _situation_errors(doc, codes, depends)
    return errors


def _situation_errors(doc: Mapping, codes: list[str], depends: Mapping[str, list[str]]) -> list[str]:
    questions = doc.get("questions") or []
    if situation_count(questions) > MAX_SITUATIONS:
        return [f"questions: more than {MAX_SITUATIONS} combinations of answers"]
    members = doc["members"]
    ever: set[str] = set()
    errors: list[str] = []
    missing_dep: dict[tuple[str, str], dict] = {}
    for answers in situations(questions):
        applying = {m["service_code"] for m in applicable(doc, answers)}
        ever |= applying
        for code in applying:
            for dep in depends.get(code, []):
                if dep not in applying:
                    missing_dep.setdefault((code, dep), answers)
    for m in members:
        if m["service_code"] not in ever:
            errors.append(f"members {m['service_code']}: when can never hold")
    for (code, dep), answers in missing_dep.items():
        shown = "，".join(f"{q['code']}={answer_text(q, answers[q['code']])}" for q in questions)
        errors.append(
            f"members {code}: applies without {dep} it depends on (when {shown}); make its when imply the other's"
        )
    return errors
