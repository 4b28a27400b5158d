"""Two officer moves that concern particular materials of a case:

- a correction request (补正) names what the citizen must provide again; those materials are
  marked, the citizen's next change to each clears its mark, and resubmit waits until none is left;
- a commitment found false (告知承诺 核查不实) revokes the case (撤销), revokes the e-licence it
  produced, and records the false commitment against the applicant's credit — so they can no
  longer use commitments (app/credit) — all in one transaction.
"""

from __future__ import annotations

from app.cases import transitions
from app.cases.models import Case, CaseMaterial
from app.credit import service as credit
from app.errors import ValidationFailed
from app.licences import service as licences


def _named(case: Case, positions: list[int]) -> list[CaseMaterial]:
    by_position = {m.position: m for m in case.materials}
    unknown = [p for p in positions if p not in by_position]
    if unknown:
        raise ValidationFailed(
            "该事项没有这项材料",
            error="MATERIAL_NOT_FOUND",
            errors={"materials": {str(p): ["该事项没有这项材料"] for p in unknown}},
        )
    return [by_position[p] for p in dict.fromkeys(positions)]


def request(case: Case, *, actor: str, note: str | None, positions: list[int]) -> None:
    """submitted / accepted → correction_requested, naming the materials to provide again."""
    named = _named(case, positions)
    full_note = note
    if named and note and note.strip():
        full_note = f"{note.strip()}（需补正材料：{'、'.join(m.name for m in named)}）"[:500]
    transitions.request_correction(case, actor=actor, note=full_note)
    for material in named:
        material.needs_correction = True


def revoke_for_false_commitment(case: Case, *, actor: str, note: str | None, positions: list[int] | None) -> list[str]:
    """→ revoked, with the false commitment on the applicant's credit and the case's e-licence
    revoked (no commit); the identifiers of the revoked licences."""
    committed = [m for m in case.materials if m.method == "commitment"]
    named = _named(case, positions) if positions else committed
    not_committed = [m for m in named if m.method != "commitment"]
    if not committed or not_committed:
        bad = not_committed or case.materials
        raise ValidationFailed(
            "所选材料不是以告知承诺方式提供的",
            error="NOT_A_COMMITMENT",
            errors={"materials": {str(m.position): ["该材料未使用告知承诺"] for m in bad}},
        )
    transitions.revoke(case, actor=actor, note=note)
    reason = f"{case.case_number}：{'、'.join(m.name for m in named)}承诺不实"
    if case.applicant_hash:
        credit.record_false_commitment(resident_hash=case.applicant_hash, reason=reason, case_id=case.id)
    return licences.revoke_issued_for(case.case_number, f"告知承诺不实，办件撤销（{case.case_number}）")


def clear_mark(material: CaseMaterial) -> None:
    """The citizen changed a material the officer asked for again."""
    material.needs_correction = False


def still_to_correct(case: Case) -> dict:
    """Field errors for the materials a correction request named that were not provided again."""
    return {str(m.position): [f"{m.name}：请按补正要求重新提供"] for m in case.materials if m.needs_correction}
