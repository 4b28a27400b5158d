"""Staff domain errors."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed


class StaffLoginFailed(Unauthenticated):
    # The one answer for an unknown username, a wrong password, an inactive account and a
    # missing or wrong second factor: nothing tells which.
    error = "STAFF_LOGIN_FAILED"
    message = "用户名、密码或动态验证码错误"


class StaffLoginRateLimited(RateLimited):
    error = "STAFF_LOGIN_RATE_LIMITED"
    message = "登录尝试过于频繁，请稍后再试"


class StaffTokenInvalid(Unauthenticated):
    error = "STAFF_TOKEN_INVALID"
    message = "登录状态无效，请重新登录"


class StaffTokenExpired(Unauthenticated):
    error = "STAFF_TOKEN_EXPIRED"
    message = "登录已过期，请重新登录"


class StaffSessionRevoked(Unauthenticated):
    error = "STAFF_SESSION_REVOKED"
    message = "登录已失效，请重新登录"


class StaffRoleRequired(Forbidden):
    error = "STAFF_ROLE_REQUIRED"
    message = "您的岗位无权进行该操作"


class DepartmentScope(Forbidden):
    error = "DEPARTMENT_SCOPE"
    message = "只能办理本部门的业务"


class StaffNotFound(NotFound):
    error = "STAFF_NOT_FOUND"
    message = "未找到该工作人员"


class StaffExists(Conflict):
    error = "STAFF_EXISTS"
    message = "该用户名已存在"


class StaffInvalid(ValidationFailed):
    error = "STAFF_INVALID"
    message = "工作人员信息有误"


class StaffTotpInvalid(ValidationFailed):
    error = "STAFF_TOTP_INVALID"
    message = "动态验证码错误，请输入验证器中当前显示的6位数字"


class StaffTotpNotPending(Conflict):
    error = "STAFF_TOTP_NOT_PENDING"
    message = "请先发起动态验证码绑定"


class StaffTotpRateLimited(RateLimited):
    error = "STAFF_TOTP_RATE_LIMITED"
    message = "动态验证码错误次数过多，请稍后再试"
