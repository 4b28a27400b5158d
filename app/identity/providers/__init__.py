"""Channel identity providers (WeChat, Alipay, SMS). SDK objects never leave the provider's
sub-package; the rest of the core sees only the dataclasses and errors in `base`."""
