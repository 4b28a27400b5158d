"""Staff domain errors."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed


class StaffLoginFailed(Unauthenticated):
    error = "STAFF_LOGIN_FAILED"
    message = "用户名或密码错误"


class StaffLocked(Forbidden):
    error = "STAFF_ACCOUNT_LOCKED"
    message = "密码错误次数过多，账号已临时锁定，请稍后再试"


class StaffTokenInvalid(Unauthenticated):
    error = "STAFF_TOKEN_INVALID"
    message = "登录状态无效，请重新登录"


class StaffTokenExpired(Unauthenticated):
    error = "STAFF_TOKEN_EXPIRED"
    message = "登录已过期，请重新登录"


class StaffRoleRequired(Forbidden):
    error = "STAFF_ROLE_REQUIRED"
    message = "您的岗位无权进行该操作"


class DepartmentScope(Forbidden):
    error = "DEPARTMENT_SCOPE"
    message = "只能办理本部门的业务"


class StaffExists(Conflict):
    error = "STAFF_EXISTS"
    message = "该用户名已存在"


class StaffInvalid(ValidationFailed):
    error = "STAFF_INVALID"
    message = "工作人员信息有误"
