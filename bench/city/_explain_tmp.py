from datetime import timedelta
from app import create_app
from app.extensions import db
app = create_app()
with app.app_context():
    from app.stats import service
    from app.cases import queue
    import sqlalchemy as sa
    orig = db.session.execute
    def spy(stmt, *a, **k):
        if hasattr(stmt, "compile") and "SET LOCAL" not in str(stmt):
            c = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
            import time
            conn = db.session.connection()
            raw = conn.connection.driver_connection
            params = c.construct_params()
            sql_text = str(c)
            cur = raw.cursor()
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text.replace("%(", "%(") , params)
            print("\n".join(r[0] for r in cur.fetchall()))
            print("-----")
        return orig(stmt, *a, **k)
    db.session.execute = spy
    today = queue.today()
    service.figures(today - timedelta(days=364), today)
