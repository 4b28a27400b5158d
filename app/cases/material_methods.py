"""How one material is met — by an e-licence (授权用证), a commitment (告知承诺) or upload. The one
rule for a case's own checklist (app/cases/service.py) and a bundle's merged checklist
(app/bundles/materials.py): the material rows differ, the rule does not.

A licence must be of the material's type; it is looked up in the applicant's wallet (the
enterprise's when the person acts for it) and the licences core records the authorisation in its
own transaction. A commitment needs the current text and an applicant whose credit record allows
commitments."""

from __future__ import annotations

from app.cases import applicant
from app.cases.commitments import commitment_for
from app.cases.errors import CommitmentRefused, CommitmentTextChanged, LicenceTypeMismatch, MethodNotAllowed
from app.cases.models import utcnow
from app.credit import service as credit
from app.identity.tokens import Principal
from app.licences import service as licences


def authorise_licence(
    principal: Principal, material, *, licence_id: int, purpose: str, enterprise_id: int | None
) -> dict:
    """Authorise the use of one of the applicant's e-licences for `material` (committed by the
    licences core): {"licence_id", "authorisation_id"}. Call it before locking the material's
    owner row, and re-check the owner under the lock."""
    if not material.licence_type_code:
        raise MethodNotAllowed("这项材料不能用电子证照代替", errors={"method": ["这项材料不能用电子证照代替"]})
    wanted = material.licence_type_code
    mismatch = LicenceTypeMismatch(errors={"licence_id": ["所选证照与该材料不符"]})
    # a licence of another type is refused before any authorisation is recorded; one not in
    # the wallet is left to authorise_use, which answers not found
    holder = {"account_id": principal.account_id, "enterprise_id": enterprise_id}
    held = next((lic for lic in licences.wallet_for_account(**holder) if lic["id"] == licence_id), None)
    if held is not None and held["licence_type"]["code"] != wanted:
        raise mismatch
    granted = licences.authorise_use(licence_id=licence_id, purpose=purpose[:200], **holder)
    if granted["licence_type_code"] != wanted:
        raise mismatch
    return {"licence_id": int(granted["licence_id"]), "authorisation_id": int(granted["authorisation_id"])}


def apply(principal: Principal, material, choice: dict, granted: dict | None) -> None:
    """Record the chosen method on a locked material: the licence `granted` by
    `authorise_licence`, the accepted commitment, or upload."""
    method = choice["method"]
    if method == "commitment":
        _accept_commitment(principal, material, choice)
        return
    reset(material)
    if method == "licence":
        material.method = "licence"
        material.licence_id = granted["licence_id"]
        material.authorisation_id = granted["authorisation_id"]
    else:
        material.method = "upload"


def reset(material) -> None:
    material.method = None
    material.licence_id = material.authorisation_id = None
    material.commitment_version = None
    material.commitment_accepted_at = None


def _accept_commitment(principal: Principal, material, choice: dict) -> None:
    if not material.commitment_allowed:
        raise MethodNotAllowed("这项材料不适用告知承诺", errors={"method": ["这项材料不适用告知承诺"]})
    if choice.get("accept") is not True:
        raise MethodNotAllowed("请阅读并同意承诺书", errors={"accept": ["请阅读并同意承诺书"]})
    current = commitment_for(material.material_type_code, material.name)
    if choice.get("text_version") != current["version"]:
        raise CommitmentTextChanged(errors={"text_version": {"current": current["version"]}})
    applicant_hash = applicant.applicant_of(principal).holder_hash
    if applicant_hash is None or not credit.check(applicant_hash).commitment_allowed:
        raise CommitmentRefused()
    reset(material)
    material.method = "commitment"
    material.commitment_version = current["version"]
    material.commitment_accepted_at = utcnow()
