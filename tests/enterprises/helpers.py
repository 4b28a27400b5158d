"""Keyword-only helpers for enterprise tests (and other folders'): citizens at a level, bound
legal representatives, agents, acting tokens, and new registry entries.

    rep = representative(api, sandbox, uscc=TEA)            # personal level-4 token, bound
    act = acting_token(api, rep, enterprise_id=enterprise_id(actx_app, TEA))
    agent = agent_acting_token(api, sandbox, uscc=TEA, agent="陈云栖", scope="items", codes=[CHANGE_REGISTRATION])
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from stdnum.cn import uscc as stdnum_uscc

from app.enterprises import registry
from app.enterprises.service import today
from app.extensions import db
from tests.identity.helpers import RESIDENTS, bearer, face_pass, realname, wechat_login

ROOT = Path(__file__).resolve().parents[2]
SEED = json.loads((ROOT / "app/enterprises/seed/enterprises.json").read_text("utf-8"))["enterprises"]
ENTERPRISES = {e["uscc"]: e for e in SEED}

# 青岚云栖茶业有限公司 (存续), legal representative 林晓岚; holds a 营业执照 (L-YYZZ) e-licence
TEA = "91539900MA2QLYC01P"
# 青岚海川物流有限公司 (存续), legal representative 郑海川; holds a 营业执照
LOGISTICS = "91539900MA3HCWL020"
# 青岚明远科技有限公司, 周明远: on the 经营异常名录 (credit flag)
ABNORMAL = "91539900MA5MYKJ04U"
# 青岚建国建材有限公司, 刘建国: 吊销
REVOKED = "91539900MA6JGJC05P"
# 云栖县雨桐餐饮有限公司, 赵雨桐: on the 严重违法失信名单 (credit block)
BLACKLISTED = "91539921MA7YTCY06M"
# 青岚市晓梅服装店, 黄晓梅: 注销
DEREGISTERED = "92539900MA9XMFE089"

# 企业变更登记 (青岚市行政审批局, legal_person): materials ask for a 营业执照 (M-YYZZ → L-YYZZ)
CHANGE_REGISTRATION = "11539900MBW767867N0000601060001"

API = "/api/v1"


def rep_of(uscc: str) -> str:
    """The name of the demo enterprise's legal representative (a demo resident)."""
    return ENTERPRISES[uscc]["legal_rep_name"]


def citizen(api, *, name: str, user: str | None = None) -> str:
    """A level-3 personal token of the demo resident `name` (a fresh WeChat account, or the
    sandbox WeChat user `user`)."""
    token = wechat_login(api, user=user or f"e{uuid.uuid4().hex[:10]}")["access_token"]
    return realname(api, token, person=(name, RESIDENTS[name]))["access_token"]


def citizen_face(api, sandbox, *, name: str, user: str | None = None) -> str:
    """A level-4 personal token (fresh face check) of the demo resident `name`."""
    return face_pass(api, sandbox, citizen(api, name=name, user=user), channel="wechat")["access_token"]


def enterprise_id(app, *, uscc: str) -> int:
    with app.app_context():
        enterprise = registry.by_uscc(uscc)
        assert enterprise is not None, uscc
        out = enterprise.id
        db.session.remove()
        return out


def bind(api, token: str, *, uscc: str) -> dict:
    resp = api.post(f"{API}/enterprises/bindings", json={"uscc": uscc}, headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def representative(api, sandbox, *, uscc: str = TEA) -> tuple[str, int]:
    """The demo representative of `uscc` at level 4, bound: (personal token, enterprise id)."""
    token = citizen_face(api, sandbox, name=rep_of(uscc))
    return token, bind(api, token, uscc=uscc)["id"]


def acting_token(api, personal_token: str, *, enterprise_id: int) -> str:
    """Switch a personal session into acting for the enterprise; returns the acting access token."""
    resp = api.post(f"{API}/enterprises/acting", json={"enterprise_id": enterprise_id}, headers=bearer(personal_token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["access_token"]


def representative_acting_token(api, sandbox, *, uscc: str = TEA) -> str:
    """The legal representative of `uscc` acting for it (every item)."""
    token, eid = representative(api, sandbox, uscc=uscc)
    return acting_token(api, token, enterprise_id=eid)


def grant(
    api,
    rep_token: str,
    *,
    enterprise_id: int,
    agent: str,
    scope: str = "all",
    codes=(),
    days: int = 30,
) -> dict:
    """The representative authorises the demo resident `agent`; returns the grant."""
    body = {
        "name": agent,
        "id_number": RESIDENTS[agent],
        "scope": scope,
        "codes": list(codes),
        "valid_until": (today() + timedelta(days=days)).isoformat(),
    }
    resp = api.post(f"{API}/enterprises/{enterprise_id}/grants", json=body, headers=bearer(rep_token))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def accept(api, agent_token: str, *, grant_id: int) -> dict:
    resp = api.post(f"{API}/me/enterprise-grants/{grant_id}/accept", headers=bearer(agent_token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def agent_acting(api, sandbox, *, uscc: str = TEA, agent: str = "陈云栖", scope: str = "all", codes=()) -> dict:
    """An agent of `uscc` with the given scope, accepted and acting. Returns {"token" (acting),
    "personal" (the agent's level-3 token), "rep" (the representative's personal token),
    "enterprise_id", "grant_id"}."""
    rep_token, eid = representative(api, sandbox, uscc=uscc)
    made = grant(api, rep_token, enterprise_id=eid, agent=agent, scope=scope, codes=codes)
    personal = citizen(api, name=agent)
    accept(api, personal, grant_id=made["id"])
    return {
        "token": acting_token(api, personal, enterprise_id=eid),
        "personal": personal,
        "rep": rep_token,
        "enterprise_id": eid,
        "grant_id": made["id"],
    }


def agent_acting_token(api, sandbox, *, uscc: str = TEA, agent: str = "陈云栖", scope: str = "all", codes=()) -> str:
    """Just the agent's acting access token (see `agent_acting`)."""
    return agent_acting(api, sandbox, uscc=uscc, agent=agent, scope=scope, codes=codes)["token"]


def new_uscc(*, kind: str = "91", division: str = "539900") -> str:
    """A never-used valid USCC."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = kind + division + "".join(alphabet[b % 31] for b in uuid.uuid4().bytes[:9])
    return body + stdnum_uscc.calc_check_digit(body)


def create_enterprise(
    app, *, legal_rep: str = "林晓岚", name: str | None = None, status: str = "存续", uscc: str | None = None
) -> dict:
    """A new registry entry led by the demo resident `legal_rep`: {"id", "uscc", "uscc_hash", "name"}."""
    uscc = uscc or new_uscc()
    with app.app_context():
        enterprise = registry.add_enterprise(
            {
                "uscc": uscc,
                "name": name or f"青岚测试{uscc[-6:]}有限公司",
                "kind": "有限责任公司",
                "status": status,
                "division_code": "539900",
                "legal_rep_name": legal_rep,
                "legal_rep_id_number": RESIDENTS[legal_rep],
            }
        )
        db.session.commit()
        out = {"id": enterprise.id, "uscc": enterprise.uscc, "uscc_hash": enterprise.uscc_hash, "name": enterprise.name}
        db.session.remove()
        return out


def seed_enterprise_credit(app) -> None:
    """The demo enterprises' credit records (明远科技 on the 经营异常名录, 雨桐餐饮 on the 严重违法失信名单):
    the test setup leaves them out (credit tests count rows) and suites that wipe credit rows drop them."""
    with app.app_context():
        registry.seed_credit()
        db.session.remove()
