"""Data files shipped with clipdesk (installed as the package ``clipdesk.resources``)."""
