"""Whether this process may serve the catalog: it has its search index.

gunicorn builds the index in the master before forking (gunicorn.conf.py) and again in a worker
whose master's index is stale, before the worker takes a request; a process started any other
way (a development server, a worker without preload) has none until something builds it.
`/readyz` asks `index_state`: without an index the process answers 503 NOT_READY and the index is
built in the background, so a balancer sends it requests only once it is ready."""

from __future__ import annotations

import threading

from flask import current_app

from app.catalog import service

READY, BUILDING = "ok", "building"


def index_state() -> str:
    """READY when this process holds a search index of its database (while a newer revision's
    is built in the background, the current one goes on serving: still ready); BUILDING
    otherwise, after starting a background build if none runs."""
    st = service._state
    if st.index is not None and st.db_url == current_app.config["SQLALCHEMY_DATABASE_URI"]:
        return READY
    rev = service._database_revision()  # also forgets an index of another database
    with st.lock:
        if st.index is not None and st.index.revision == rev:
            return READY
        if st.building is None:
            st.building = rev
            app = current_app._get_current_object()
            threading.Thread(target=service._build, args=(app, rev), name="catalog-index", daemon=True).start()
    return BUILDING
