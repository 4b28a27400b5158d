"""Paying the fee of an application (在线支付) in the WeChat or Alipay mini-program."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from app.cases import errors as case_errors
from app.web.api import PlatformBlueprint as Blueprint
from app.web.contract import declares
from miniprogram_api.applications import LICENCE_ISSUE_ERRORS
from miniprogram_api.payment_schemas import (
    JointPaymentSchema,
    JointPaymentStartedSchema,
    JointPaymentStartSchema,
    PaymentSchema,
    PaymentStartedSchema,
    PaymentStartSchema,
)
from miniprogram_api.security import current_principal, require_level
from payments import errors as pay_errors
from payments import service as payments

blp = Blueprint("payments", __name__, description="Fee payment (在线支付)")


@blp.route("/applications/<int:case_id>/payment")
class Payment(MethodView):
    @require_level(3)
    @blp.response(200, PaymentSchema)
    @declares(case_errors.CaseNotFound)
    def get(self, case_id):
        """The fee of one of my applications: its order and any refund"""
        return payments.get_payment(current_principal(), case_id)

    @require_level(3)
    @blp.arguments(PaymentStartSchema)
    @blp.response(200, PaymentStartedSchema)
    @declares(
        case_errors.CaseNotFound,
        case_errors.IllegalTransition,
        pay_errors.NoFeeDue,
        pay_errors.AlreadyPaid,
        pay_errors.PayerUnknown,
        pay_errors.ProviderRefused,
        pay_errors.ChannelUnavailable,
        *LICENCE_ISSUE_ERRORS,
    )
    def post(self, body, case_id):
        """Pay the fee: WeChat Pay (wx.requestPayment parameters) or Alipay (trade_no for my.tradePay).
        Repeating the call returns the same open order."""
        return payments.start_payment(current_principal(), case_id, body["channel"])


@blp.route("/payments/joint")
class JointPayments(MethodView):
    @require_level(3)
    @blp.arguments(JointPaymentStartSchema)
    @blp.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"}}])
    @blp.response(200, JointPaymentStartedSchema)
    @declares(
        case_errors.CaseNotFound,
        case_errors.IdempotencyKeyMissing,
        case_errors.IdempotencyKeyReused,
        case_errors.IllegalTransition,
        pay_errors.NoFeeDue,
        pay_errors.AlreadyPaid,
        pay_errors.PayerUnknown,
        pay_errors.ProviderRefused,
        pay_errors.ChannelUnavailable,
        *LICENCE_ISSUE_ERRORS,
    )
    def post(self, body):
        """Pay the fees of several of my applications at once: one WeChat Pay / Alipay order, one
        fee order per application inside it. Applications with no fee due are skipped; repeat-safe
        with Idempotency-Key"""
        return payments.start_joint_payment(
            current_principal(),
            body["case_ids"],
            body["channel"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )


@blp.route("/payments/joint/<string:out_trade_no>")
class JointPayment(MethodView):
    @require_level(3)
    @blp.response(200, JointPaymentSchema)
    @declares(case_errors.CaseNotFound, pay_errors.PaymentNotFound)
    def get(self, out_trade_no):
        """One of my joint payments: its order at the provider and the fee order of each application"""
        return payments.get_joint_payment(current_principal(), out_trade_no)
