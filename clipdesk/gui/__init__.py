"""The desktop window: the only Qt code in clipdesk."""
