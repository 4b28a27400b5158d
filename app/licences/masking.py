"""What licence responses show instead of personal values."""

from __future__ import annotations

from app import crypto


def mask_holder_name(name: str) -> str:
    """林*岚, 何*, 阿*****提: first and last character kept (a two-character name keeps the first)."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_number(number: str) -> str:
    """A licence number: an 18-character ID-like number as 5399**********1204, otherwise
    the first and last quarter kept (at most four characters each)."""
    if len(number) == 18:
        return crypto.mask_id_number(number)
    keep = min(4, len(number) // 4)
    return crypto.mask_middle(number, keep_start=keep, keep_end=keep)


def mask_essentials(essentials: dict) -> dict:
    """Essentials with their personal values masked, by key: names, ID/licence numbers and
    addresses; dates, categories and other descriptive values are shown."""
    out: dict = {}
    for key, value in essentials.items():
        if not isinstance(value, str):
            out[key] = value
        elif key.endswith("name"):
            out[key] = mask_holder_name(value)
        elif key.endswith("id_number") or key.endswith("number") or key.endswith("uscc"):
            out[key] = mask_number(value)
        elif key.endswith("address"):
            out[key] = value[:6] + "*" * max(0, min(len(value) - 6, 8))
        else:
            out[key] = value
    return out
