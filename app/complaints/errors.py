"""Consultation and complaint errors."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class ComplaintNotFound(NotFound):
    error = "COMPLAINT_NOT_FOUND"
    message = "未找到该咨询或投诉"


class HallNotFound(NotFound):
    error = "HALL_NOT_FOUND"
    message = "未找到该政务服务大厅"


class AlreadyAnswered(Conflict):
    error = "ALREADY_ANSWERED"
    message = "该咨询或投诉已答复"


class NotAnswered(Conflict):
    error = "NOT_ANSWERED"
    message = "尚未答复，暂不能评价"


class AnswerAlreadyRated(Conflict):
    error = "ALREADY_RATED"
    message = "已评价过该答复"
