"""The service catalog: departments, service items and their guides, the standard material
catalog, life-event themes. Other layers use `app.catalog.service` only."""
