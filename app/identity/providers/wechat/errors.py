"""WeChat errcodes → the typed errors of providers.base."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import redis
import requests
from wechatpy.exceptions import WeChatClientException

from app.identity.providers.base import (
    BadProviderResponse,
    FaceNotFinished,
    FaceResultExpired,
    FaceResultUnknown,
    GatewayError,
    InvalidCode,
    ProviderBusy,
    ProviderRateLimited,
    RiskyUser,
)

log = logging.getLogger(__name__)

# The access token was refused: refresh once and retry once (the gateway does that).
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# 84003: no verdict yet for the face check (the sandbox's documented "not finished" answer;
# the platform documents it for the older flow as "user information does not exist").
FACE_NOT_FINISHED = 84003

BY_ERRCODE: dict[int, type[GatewayError]] = {
    -1: ProviderBusy,
    40029: InvalidCode,
    40163: InvalidCode,
    45009: ProviderRateLimited,  # daily quota
    45011: ProviderRateLimited,
    40226: RiskyUser,
    FACE_NOT_FINISHED: FaceNotFinished,
    84001: FaceResultUnknown,  # unknown verify_id / verify_result: the caller's input
    84002: FaceResultExpired,
}


def from_client_exception(exc: WeChatClientException, operation: str) -> GatewayError:
    errcode = exc.errcode
    if errcode is None:  # wechatpy's wrapper of an HTTP error status
        status = getattr(exc.response, "status_code", None)
        if status is None or status >= 500 or status == 429:
            return ProviderBusy(f"{operation}: HTTP {status}")
        return BadProviderResponse(f"{operation}: HTTP {status}")
    try:
        errcode = int(errcode)
    except (TypeError, ValueError):
        return BadProviderResponse(f"{operation}: errcode {errcode!r}")
    detail = f"{operation}: errcode {errcode} {exc.errmsg}"
    if errcode in TOKEN_ERRCODES:
        return ProviderBusy(detail + " (access token refused after a refresh)", provider_code=str(errcode))
    return BY_ERRCODE.get(errcode, GatewayError)(detail, provider_code=str(errcode))


@contextmanager
def translated(operation: str):
    """Run a provider call; every failure leaves as a providers.base error."""
    try:
        yield
    except GatewayError:
        raise
    except WeChatClientException as exc:
        error = from_client_exception(exc, operation)
        _log(error, operation)
        raise error from exc
    except (requests.RequestException, redis.exceptions.LockError) as exc:
        log.warning("wechat %s unreachable: %s", operation, type(exc).__name__)
        raise ProviderBusy(f"{operation}: {type(exc).__name__}") from exc
    except (ValueError, KeyError) as exc:  # JSON that does not parse or lacks a field
        log.warning("wechat %s: malformed answer", operation)
        raise BadProviderResponse(f"{operation}: malformed answer") from exc


def _log(error: GatewayError, operation: str) -> None:
    if isinstance(error, InvalidCode | FaceNotFinished):
        log.info("wechat %s: %s", operation, error.error, extra={"provider_code": error.provider_code})
    else:
        log.warning("wechat %s failed: %s", operation, error.detail, extra={"provider_code": error.provider_code})
