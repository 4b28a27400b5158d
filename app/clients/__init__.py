"""Clients of the providers that several packages talk to, in one place (GOV.UK Notify's
`app/clients/` is the model): each sub-package builds and configures one provider's client and
exposes a small interface; SDK quirks are fixed here once.

- `alipay/`: the alipay-sdk-python client builder, the key reading and checks, the SDK shim
  (identity, payments and notifications each get their client from `build_client`).
- `wechat/`: the access-token client shared by every process through Redis (identity, notifications).
- `sms/`: Aliyun SMS SendSms with its request signing (identity's login codes, notifications).
- `errors`: `ProviderError`, the one base of every provider failure in the tree.

Which calls a package makes and how it maps a provider's answers to its own results stays in
that package's `providers/` folder. Nothing here imports a feature package.
"""
