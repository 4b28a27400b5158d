"""The citizen's address book. Recipient, mobile and detail are encrypted together at rest;
lists show them masked; only the owner ever reads or changes an address (anyone else's is
"not found"). Every function that changes something commits."""

from __future__ import annotations

import json
import unicodedata

import sqlalchemy as sa

from app import crypto
from app.errors import ValidationFailed
from app.extensions import db
from app.identity.registry import normalise_mobile
from delivery import divisions
from delivery.errors import AddressLimit, AddressNotFound
from delivery.models import Address, utcnow

CONTEXT = "delivery.address"
MAX_ADDRESSES = 20


def seal(contact: dict) -> str:
    return crypto.encrypt(json.dumps(contact, ensure_ascii=False), context=CONTEXT)


def unseal(token: str) -> dict:
    return json.loads(crypto.decrypt(token, context=CONTEXT))


def mask_detail(detail: str) -> str:
    """The first four characters of the street address; the rest starred (at most 8 stars)."""
    if len(detail) <= 4:
        return "*" * len(detail)
    return detail[:4] + "*" * min(len(detail) - 4, 8)


def _text(value: str, field: str, *, max_len: int, min_len: int = 1) -> str:
    text = " ".join(unicodedata.normalize("NFKC", value or "").split())
    if not (min_len <= len(text) <= max_len):
        raise ValidationFailed(errors={"json": {field: [f"请填写{min_len}–{max_len}个字"]}})
    return text


def _clean(body: dict) -> dict:
    """Normalised contact fields and division codes (the chain checked); raises on bad input."""
    divisions.validate_chain(body["province_code"], body["city_code"], body["county_code"])
    return {
        "contact": {
            "recipient": _text(body["recipient"], "recipient", max_len=30),
            "mobile": normalise_mobile(body["mobile"]),
            "detail": _text(body["detail"], "detail", min_len=4, max_len=120),
        },
        "codes": (body["province_code"], body["city_code"], body["county_code"]),
    }


def _view(address: Address, *, full: bool) -> dict:
    contact = unseal(address.contact)
    names = divisions.names(address.province_code, address.city_code, address.county_code)
    region = "".join(names.get(c, "") for c in (address.province_code, address.city_code, address.county_code))
    out = {
        "id": address.id,
        "province_code": address.province_code,
        "city_code": address.city_code,
        "county_code": address.county_code,
        "region": region,
        "is_default": address.is_default,
    }
    if full:
        out.update(recipient=contact["recipient"], mobile=contact["mobile"], detail=contact["detail"])
    else:
        out.update(
            recipient=crypto.mask_name(contact["recipient"]),
            mobile=crypto.mask_phone(contact["mobile"]),
            detail=mask_detail(contact["detail"]),
        )
    return out


def _live(account_id: int):
    return sa.select(Address).where(Address.account_id == account_id, Address.deleted_at.is_(None))


def own(account_id: int, address_id: int, *, lock: bool = False) -> Address:
    query = _live(account_id).where(Address.id == address_id)
    if lock:
        query = query.with_for_update()
    address = db.session.scalar(query)
    if address is None:
        raise AddressNotFound()
    return address


def list_addresses(account_id: int) -> dict:
    """The caller's addresses, default first, masked."""
    rows = list(db.session.scalars(_live(account_id).order_by(Address.is_default.desc(), Address.id.desc())))
    return {"items": [_view(a, full=False) for a in rows], "total": len(rows), "page": 1, "page_size": MAX_ADDRESSES}


def get_address(account_id: int, address_id: int) -> dict:
    """One of the caller's addresses in full (for editing)."""
    return _view(own(account_id, address_id), full=True)


def _clear_default(account_id: int, keep: int | None = None) -> None:
    query = sa.update(Address).where(Address.account_id == account_id, Address.is_default.is_(True))
    if keep is not None:
        query = query.where(Address.id != keep)
    db.session.execute(query.values(is_default=False))


def create_address(account_id: int, body: dict) -> dict:
    """Add an address; the first one (or one marked is_default) becomes the default."""
    clean = _clean(body)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(_live(account_id).subquery()))
    if count >= MAX_ADDRESSES:
        raise AddressLimit()
    make_default = bool(body.get("is_default")) or count == 0
    if make_default:
        _clear_default(account_id)
    province, city, county = clean["codes"]
    address = Address(
        account_id=account_id,
        contact=seal(clean["contact"]),
        province_code=province,
        city_code=city,
        county_code=county,
        is_default=make_default,
    )
    db.session.add(address)
    db.session.commit()
    return _view(address, full=True)


def update_address(account_id: int, address_id: int, changes: dict) -> dict:
    """Change some fields of an address (the division chain is checked as a whole)."""
    address = own(account_id, address_id, lock=True)
    current = unseal(address.contact)
    merged = {
        **current,
        "province_code": address.province_code,
        "city_code": address.city_code,
        "county_code": address.county_code,
        **{k: v for k, v in changes.items() if k != "is_default"},
    }
    clean = _clean(merged)
    address.contact = seal(clean["contact"])
    address.province_code, address.city_code, address.county_code = clean["codes"]
    if changes.get("is_default") is True:
        _clear_default(account_id, keep=address.id)
        address.is_default = True
    address.updated_at = utcnow()
    db.session.commit()
    return _view(address, full=True)


def delete_address(account_id: int, address_id: int) -> None:
    """Remove an address from the book (kept for the deliveries that refer to it)."""
    address = own(account_id, address_id, lock=True)
    address.deleted_at = utcnow()
    was_default = address.is_default
    address.is_default = False
    db.session.flush()
    if was_default:
        newest = db.session.scalar(_live(account_id).order_by(Address.id.desc()).limit(1))
        if newest is not None:
            newest.is_default = True
    db.session.commit()
