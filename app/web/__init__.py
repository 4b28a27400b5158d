"""HTTP plumbing shared by every API of the platform: the error envelope, base schemas,
pagination, caching headers and request ids. No business rules live here."""
