"""The commitment texts (告知承诺书) a citizen accepts instead of providing a certificate.

One text per material type, versioned: the citizen's acceptance stores the version, and an
acceptance of an older version is refused (the citizen must read the current text). Change a
text → bump its version.
"""

from __future__ import annotations

_GENERIC = (
    "本人承诺：本次申请所涉“{name}”相关事项真实、准确、完整，符合告知的条件、标准和要求。"
    "本人知晓，如承诺不实，将依法承担相应法律责任，行政机关可撤销相关决定，"
    "虚假承诺情况将记入本人信用记录，今后不再适用告知承诺制。"
)

# material type code -> version of its text; types not listed use the generic text, version 1
VERSIONS: dict[str, int] = {}


def commitment_for(material_type_code: str, material_name: str) -> dict:
    """{"version", "text"} of the commitment for one material."""
    version = VERSIONS.get(material_type_code, 1)
    return {"version": f"{material_type_code}/v{version}", "text": _GENERIC.format(name=material_name)}
