"""The development secrets: public by construction, so production must replace every one of them
(app/settings/production.py refuses them; app/config.py uses them as defaults)."""

DEV_SECRET_KEY = "dev-only-secret-key-change-me-0123456789"  # noqa: S105 - the known development value production refuses
# key id ":" urlsafe-base64 of 32 bytes; the first key encrypts, all of them decrypt (rotation).
DEV_FIELD_ENCRYPTION_KEYS = "dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLS0tLS0="
DEV_FIELD_HASH_KEY = "dev-only-field-hash-key"
