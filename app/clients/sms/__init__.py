"""SMS providers shared by identity (login codes) and notifications (progress messages).

`aliyun.AliyunSmsClient` sends one templated message through Aliyun SendSms and raises
`AliyunSmsError` (a ProviderError) saying whether a retry may help; each caller maps that to its
own outcome (identity: throttled / bad number; notifications: retryable / permanent)."""

from app.clients.sms.aliyun import AliyunSmsClient, AliyunSmsError

__all__ = ["AliyunSmsClient", "AliyunSmsError"]
