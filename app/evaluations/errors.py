"""Rating (好差评) errors."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class EvaluationNotFound(NotFound):
    error = "EVALUATION_NOT_FOUND"
    message = "未找到该评价"


class NotRateable(Conflict):
    error = "CASE_NOT_CONCLUDED"
    message = "办件办结后才能评价"


class AlreadyRated(Conflict):
    error = "ALREADY_RATED"
    message = "该办件已评价，评价提交后不能修改"


class FollowupNotOpen(Conflict):
    error = "FOLLOWUP_NOT_OPEN"
    message = "该评价没有待回复的整改事项"


class FollowupNotReplied(Conflict):
    error = "FOLLOWUP_NOT_REPLIED"
    message = "部门尚未回复，暂不能确认"
