"""A working example for every request body of the API, by operationId, drawn from the demo data
(README: demo residents, the catalog seed, staff seed, sandbox login codes). app.web.openapi puts
each on its operation; tests/contract check they validate against the body's schema."""

from __future__ import annotations

# 居民身份证换领 (云栖县公安局; fee 2000 fen, mail or pickup) and 高龄津贴申领 (秒批 for 80+).
ID_CARD_RENEWAL = "1153992101967557720000107020001"
OLD_AGE_ALLOWANCE = "1153992102507040050000205060001"

REQUEST_EXAMPLES: dict[str, dict] = {
    # --- bundle-catalog --- 新生儿出生一件事: parents registered here, a card wanted
    "evaluateBundle": {
        "answers": {"parents_local": True, "need_sscard": True, "birth_registered": True, "mother_insured": False}
    },
    # auth: the sandbox accepts any "<user>:<unique>" login code
    "loginWithWechat": {"code": "linxiaolan:1"},
    "loginWithWechatApp": {"code": "linxiaolan:app-1"},
    "loginWithAlipay": {"auth_code": "qianguifang:1"},
    "sendSmsCode": {"mobile": "13800138000"},
    "loginWithSms": {"mobile": "13800138000", "code": "246810"},
    "loginWithFace": {"verify_id": "wxfv_8c1d2e3f4a5b6c7d"},
    "refreshToken": {"refresh_token": "rt_3q2+7w-HqZk1c9V0bNn4YxM"},
    # identity
    "verifyRealname": {"name": "林晓岚", "id_number": "539921199003071204"},
    "startFaceCheck": {"channel": "wechat"},
    "completeFaceCheck": {"verify_id": "wxfv_8c1d2e3f4a5b6c7d"},
    # applications
    "createApplication": {"service_code": ID_CARD_RENEWAL},
    "updateApplicationForm": {
        "form": {
            "applicant_name": "林晓岚",
            "contact_phone": "13800138000",
            "apply_reason": "有效期满",
            "is_nonlocal": False,
            "delivery_method": "邮寄送达",
            "mailing_address": "青岚市云栖县栖凤大道188号3栋2单元501室",
        }
    },
    "chooseMaterial": {"method": "licence", "licence_id": 1},
    "uploadMaterialFile": {"file": "hukou-page.jpg"},
    "startPayment": {"channel": "wechat"},
    "startJointPayment": {"case_ids": [101, 102, 103], "channel": "wechat"},
    # delivery
    "createAddress": {
        "recipient": "林晓岚",
        "mobile": "13800138000",
        "province_code": "990000",
        "city_code": "539900",
        "county_code": "539921",
        "detail": "栖凤大道188号3栋2单元501室",
        "is_default": True,
    },
    "updateAddress": {"detail": "栖凤大道200号1栋101室"},
    "chooseDelivery": {"method": "mail", "address_id": 1},
    "chooseJointDelivery": {"case_ids": [101, 102, 103], "address_id": 1, "mode": "together"},
    "recordSubscriptions": {
        "channel": "wechat",
        "kind": "one_time",
        "results": {"sbxWxCaseProgress000000000000000000000001": "accept"},
    },
    # engagement
    "bookAppointment": {"slot_id": 1, "service_code": ID_CARD_RENEWAL},
    "createComplaint": {
        "kind": "consultation",
        "subject_type": "item",
        "service_code": ID_CARD_RENEWAL,
        "title": "换领身份证需要带户口簿吗？",
        "content": "我的身份证下个月到期，网上申请换领时需要上传户口簿吗？",
    },
    "rateComplaint": {"rating": 5},
    "createEvaluation": {
        "score": 5,
        "answers": {"attitude": 5, "efficiency": 5, "convenience": 4, "guidance": 5, "integrity": 5},
        "comment": "全程网上办，很方便",
    },
    "resolveEvaluation": {"resolved": True},
    # staff API
    "staffLogin": {"username": "yqx-zwfw-clerk", "password": "Zsb-Demo-2026"},
    "staffStartTotpEnrolment": {},
    "staffConfirmTotpEnrolment": {"code": "730114"},
    "staffActOnCase": {"note": "材料齐全，予以受理"},
    "staffSetCourier": {"courier": "sf"},
    "staffSetWaybill": {"waybill_no": "SF1234567890123", "courier_name": "顺丰速运"},
    "staffMarkPickedUp": {"pickup_code": "358024"},
    "staffAnswerComplaint": {"answer": "换领居民身份证无需上传户口簿，系统将调用您的电子户口簿。"},
    "staffReplyToEvaluation": {"reply": "感谢您的反馈，我们已优化窗口叫号流程。"},
    "staffCheckInAppointment": {"code": "482913"},
    "staffResolvePaymentAlarm": {"note": "已与微信支付核对，订单已退款"},
    # --- bundle-apply ---
    "createBundleApplication": {
        "bundle_code": "newborn",
        "answers": {"parents_local": True, "need_sscard": True, "birth_registered": True, "mother_insured": False},
    },
    "answerBundleQuestions": {
        "answers": {"parents_local": True, "need_sscard": False, "birth_registered": True, "mother_insured": False}
    },
    "updateBundleApplicationForm": {
        "form": {"newborn_name": "李小禾", "birth_date": "2026-11-20", "contact_phone": "13800138000"}
    },
    "chooseBundleMaterial": {"method": "licence", "licence_id": 1},
    "uploadBundleMaterialFile": {"file": "birth-medical-certificate.pdf"},
    "chooseBundleDeliveryMode": {"mode": "together"},
    "payBundleApplication": {"channel": "wechat"},
    "chooseBundleDelivery": {"address_id": 1, "mode": "together"},
    # provider callbacks (what the provider sends; the signature is over the raw body)
    "alipayNotify": {
        "notify_time": "2026-06-08 10:34:56",
        "notify_type": "trade_status_sync",
        "notify_id": "2026060800222103456789010512345678",
        "app_id": "9021000122680000",
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "sign": "base64-SHA256withRSA-signature",
        "trade_no": "2026060822001404560512345678",
        "out_trade_no": "ZSB20260608103400A1B2C3",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "20.00",
        "receipt_amount": "20.00",
        "gmt_payment": "2026-06-08 10:34:55",
    },
    # --- ent-core: enterprises (青岚云栖茶业有限公司, legal representative 林晓岚; agent 陈云栖) ---
    "bindEnterprise": {"uscc": "91539900MA2QLYC01P"},
    "completeEnterpriseLicenceLogin": {"ticket": "ebl_t_5f0c1d2e3a4b5c6d7e8f9a0b"},
    "startActingForEnterprise": {"enterprise_id": 1},
    "createEnterpriseGrant": {
        "name": "陈云栖",
        "id_number": "539921198511120418",
        "scope": "items",
        "codes": ["11539900MBW767867N0000601060001"],
        "valid_until": "2027-06-30",
    },
    "sfRoutePush": {
        "partnerID": "ZSBDEMO",
        "requestID": "6f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
        "serviceCode": "RoutePushService",
        "timestamp": "1780900496000",
        "msgDigest": "base64-md5-digest",
        "msgData": '{"Body": {"WaybillRoute": [{"mailno": "SF1234567890123", "orderid": "ZSB-D-000001", '
        '"acceptTime": "2026-06-08 10:34:56", "acceptAddress": "青岚市", "remark": "顺丰速运 已收取快件", "opCode": "50"}]}}',
    },
}
