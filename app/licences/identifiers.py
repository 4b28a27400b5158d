"""E-licence identifiers in the GB/T 36904 pattern seen in practice:

    1.2.156.3005.2.<licence-type code>.<issuer USCC>.<serial>.<3-digit version>.<check char>

* licence-type code: the catalog code (e.g. ``L-JMSFZ``), upper-case;
* issuer USCC: the issuing department's 18-character unified social credit code;
* serial: the licence's row number, zero-padded to 8 digits (unique platform-wide, so two
  issuers can never race for the same serial);
* version: ``001`` for a first issue, counting up on re-issue;
* check char: ISO/IEC 7064 MOD 37,36 (the hybrid system over the 36 characters 0-9A-Z) computed
  over every character before it that is a digit or an upper-case Latin letter, in order — the
  separators ``.`` and ``-`` are skipped (the structure fixes where they stand).

ISO 7064 MOD 37,36: p = 36; for each character value v (0-9 → 0-9, A-Z → 10-35):
s = (p + v) mod 36, with 0 read as 36; p = 2·s mod 37. The check character c satisfies
(p + c) mod 36 = 1, so c = (37 − p) mod 36. It catches every single substitution and every
transposition of adjacent characters.
"""

from __future__ import annotations

import re

PREFIX = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36

_PATTERN = re.compile(
    r"^1\.2\.156\.3005\.2\.(?P<type>[A-Z0-9-]{1,32})\.(?P<uscc>[0-9A-Z]{18})\.(?P<serial>\d{8,12})"
    r"\.(?P<version>\d{3})\.(?P<check>[0-9A-Z])$"
)


def check_char(text: str) -> str:
    """The ISO 7064 MOD 37,36 check character over the alphanumerics of `text`."""
    p = _M
    for ch in text.upper():
        value = ALPHABET.find(ch)
        if value < 0:
            continue  # separators
        s = (p + value) % _M or _M
        p = (2 * s) % (_M + 1)
    return ALPHABET[(_M + 1 - p) % _M]


def build(*, type_code: str, issuer_uscc: str, serial: int, version: int = 1) -> str:
    body = f"{PREFIX}.{type_code.upper()}.{issuer_uscc.upper()}.{serial:08d}.{version:03d}"
    return f"{body}.{check_char(body)}"


def is_valid(identifier: str) -> bool:
    """True when `identifier` has the pattern and its check character is right."""
    if not isinstance(identifier, str) or not _PATTERN.match(identifier):
        return False
    body, _, check = identifier.rpartition(".")
    return check_char(body) == check
