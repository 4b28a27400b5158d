"""Mounts the engagement endpoints: ratings, appointments, complaints, public figures."""

from __future__ import annotations


def register(api, url_prefix: str) -> None:
    from miniprogram_api.appointments import blp as appointments_blp
    from miniprogram_api.complaints import blp as complaints_blp
    from miniprogram_api.evaluations import blp as evaluations_blp
    from miniprogram_api.stats import blp as stats_blp

    for blp in (
        stats_blp,
        complaints_blp,
        evaluations_blp,
        appointments_blp,
    ):
        api.register_blueprint(blp, url_prefix=url_prefix)
