"""The CLIP engine: a drop-in for OpenAI's ``clip`` package (filled in by the engine issue)."""
