import time, sys
from datetime import date, timedelta
from app import create_app
app = create_app()
def t(label, fn, n=3):
    best = 1e9
    for _ in range(n):
        s = time.perf_counter(); fn(); best = min(best, time.perf_counter() - s)
    print(f"{label:40} {best*1000:8.1f} ms", flush=True)
with app.app_context():
    from app.stats import service
    from app.cases import queue
    today = queue.today()
    one = (today - timedelta(days=364), today); three = (today - timedelta(days=3*365), today)
    t("figures platform 1y", lambda: service.figures(*one))
    t("figures platform 3y", lambda: service.figures(*three))
    t("figures YQX-GA 1y", lambda: service.figures(*one, department="YQX-GA"))
    t("figures YQX-GA 3y", lambda: service.figures(*three, department="YQX-GA"))
    t("trend 36 platform", lambda: service.monthly_trend(months=36))
    t("trend 36 YQX-GA", lambda: service.monthly_trend(months=36, department="YQX-GA"))
    t("queue YQX-GA p1", lambda: queue.department_queue("YQX-GA"))
    t("queue YQX-GA overdue", lambda: queue.department_queue("YQX-GA", overdue=True), 1)
    t("queue YQX-GA not overdue", lambda: queue.department_queue("YQX-GA", overdue=False), 1)
