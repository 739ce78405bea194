"""Zero-shot labeling service on top of the CLIP engine: classifier, caches, batch runs, exports."""
