"""The e-licence identifier and its ISO 7064 MOD 37,36 check character."""

from __future__ import annotations

import itertools

from app.licences import identifiers

USCC = "115399210196755772"


def test_built_identifier_has_the_pattern_and_checks():
    ident = identifiers.build(type_code="L-JMSFZ", issuer_uscc=USCC, serial=42)
    assert ident.startswith("1.2.156.3005.2.L-JMSFZ.115399210196755772.00000042.001.")
    assert len(ident.rpartition(".")[2]) == 1
    assert identifiers.is_valid(ident)


def test_check_char_satisfies_the_mod_37_36_equation():
    # Validating over the whole string including the check character must end at 1.
    for body in ("0", "A", "1.2.156.3005.2.L-HKB." + USCC + ".00000001.001", "ZZZZ9999"):
        chars = [c for c in (body + identifiers.check_char(body)) if c in identifiers.ALPHABET]
        p = 36
        for ch in chars[:-1]:
            s = (p + identifiers.ALPHABET.index(ch)) % 36 or 36
            p = (2 * s) % 37
        assert (p + identifiers.ALPHABET.index(chars[-1])) % 36 == 1


def test_separators_do_not_count():
    assert identifiers.check_char("1.2.3") == identifiers.check_char("123")
    assert identifiers.check_char("l-jmsfz") == identifiers.check_char("LJMSFZ")


def test_single_substitutions_are_detected():
    ident = identifiers.build(type_code="L-JHZ", issuer_uscc=USCC, serial=7)
    body, _, check = ident.rpartition(".")
    for i, ch in enumerate(body):
        if ch not in identifiers.ALPHABET:
            continue
        for other in identifiers.ALPHABET:
            if other != ch:
                assert identifiers.check_char(body[:i] + other + body[i + 1 :]) != check


def test_adjacent_transpositions_are_detected():
    ident = identifiers.build(type_code="L-YYZZ", issuer_uscc="11539921MBK70686XT", serial=123456)
    body, _, check = ident.rpartition(".")
    chars = [c for c in body if c in identifiers.ALPHABET]
    for i, (a, b) in enumerate(itertools.pairwise(chars)):
        if a != b:
            swapped = chars[:i] + [b, a] + chars[i + 2 :]
            assert identifiers.check_char("".join(swapped)) != check


def test_invalid_identifiers():
    ident = identifiers.build(type_code="L-JSZ", issuer_uscc=USCC, serial=9)
    wrong = identifiers.ALPHABET[(identifiers.ALPHABET.index(ident[-1]) + 1) % 36]
    assert not identifiers.is_valid(ident[:-1] + wrong)
    assert not identifiers.is_valid(ident.replace("1.2.156", "1.2.157"))
    assert not identifiers.is_valid(ident.replace(".001.", ".1."))
    assert not identifiers.is_valid("")
