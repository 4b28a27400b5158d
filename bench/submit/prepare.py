"""Build the benchmark's drafts through the cores' own service functions (run in a child process
with the benchmark database in its environment): every demo resident with a valid 居民身份证
e-licence logs in by SMS, proves their real name (level 3), and starts drafts of 户籍证明开具 with
the form filled and the ID card met by their e-licence (授权用证). Prints one JSON line:
{"drafts": [[access_token, case_id, scenario], ...]}.

Scenario "instant": the item's own rules hold (no uploads, clean credit), so submit approves the
case at once and issues the 户籍证明 e-licence in the same transaction. Scenario "officer": the same
drafts with their copied instant rules cleared, so submit stops at `submitted` for an officer.
"""

from __future__ import annotations

import json
import sys

HUJI = "1153992101967557720000111070001"


def _form_for(schema: dict) -> dict:
    """Values for the required fields of a seeded form schema."""
    out = {}
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if "enum" in prop:
            out[name] = prop["enum"][0]
        elif prop.get("type") == "boolean":
            out[name] = False
        elif prop.get("type") in ("integer", "number"):
            out[name] = prop.get("minimum", 0)
        elif "pattern" in prop:
            out[name] = "13800138000"
        elif prop.get("format") == "date":
            out[name] = "1990-03-07"
        else:
            out[name] = "测" * max(prop.get("minLength", 2), 2)
    return out


def main(per_scenario: int) -> int:
    import sqlalchemy as sa

    from app import create_app
    from app.cases import service as cases
    from app.cases.models import Case
    from app.extensions import db
    from app.identity import service as identity
    from app.identity.models import Resident  # noqa: F401 - registry rows exist after `residents seed`
    from app.licences import service as licences
    from sandbox.sms import SandboxSmsProvider

    # the benchmark's 14 applicants hold hundreds of drafts each; the per-citizen bound on open drafts
    # (CASE_MAX_OPEN_DRAFTS) protects people, it is not what this measures
    app = create_app(CASE_MAX_OPEN_DRAFTS=1_000_000)
    residents = json.loads((__import__("pathlib").Path("app/identity/seed/residents.json")).read_text("utf-8"))
    out = []
    with app.app_context():
        people = []
        for n, row in enumerate(residents["residents"]):
            mobile = f"139{n:08d}"
            identity.send_sms_code(mobile, ip=None)
            pair = identity.login_sms(mobile, SandboxSmsProvider.last_code(mobile), ip=None)
            try:
                pair = identity.verify_realname(
                    identity.authenticate(pair.access_token), name=row["name"], id_number=row["id_number"], ip=None
                )
            except Exception:  # noqa: BLE001 - already verified (a re-run), or refused by the registry
                db.session.rollback()
                if pair.level < 3:
                    continue
            principal = identity.authenticate(pair.access_token)
            card = next(
                (
                    lic
                    for lic in licences.wallet_for_account(principal.account_id)
                    if lic["licence_type"]["code"] == "L-JMSFZ" and lic["status"] == "valid"
                ),
                None,
            )
            if card is not None:
                people.append((pair.access_token, principal, card["id"]))
        total = per_scenario * 2
        for i in range(total):
            token, principal, licence_id = people[i % len(people)]
            draft = cases.create_draft(principal, HUJI)
            cases.save_form(principal, draft["id"], _form_for(draft["form_schema"]))
            cases.choose_method(principal, draft["id"], 0, {"method": "licence", "licence_id": licence_id})
            scenario = "instant" if i % 2 == 0 else "officer"
            out.append([token, draft["id"], scenario])
        officer_ids = [case_id for _, case_id, s in out if s == "officer"]
        db.session.execute(sa.update(Case).where(Case.id.in_(officer_ids)).values(instant_rules=[]))
        db.session.commit()
        print(json.dumps({"drafts": out, "people": len(people)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
