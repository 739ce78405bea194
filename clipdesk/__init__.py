"""clipdesk: offline photo labeling with OpenAI's CLIP.

Layers (each imports only those below it): ``weights`` -> ``clip`` -> ``labeling`` -> ``cli`` / ``gui``.
Nothing heavy is imported here, so ``clipdesk --help`` starts instantly.
"""

__version__ = "0.1.0"
