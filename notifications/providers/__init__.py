"""Delivery channels: WeChat subscribe messages, Alipay mini-program messages, SMS and the in-app
inbox. SDK objects never leave their channel module; callers see `base.Outgoing`, the provider's
message id and the errors of `base`."""
