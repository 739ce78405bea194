"""Where CLIP weights come from: registry, download, cache. Stdlib and platformdirs only."""
