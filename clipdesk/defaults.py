"""The choices every layer shares, each stated once: the default model, the precisions and devices a
user can pick, the default prompt templates.

Standard library only and imported by every layer (the CLI builds its ``--help`` from it without
importing torch), so a default changed here changes the engine, the CLI and the window alike.
"""

from __future__ import annotations

DEFAULT_MODEL = "ViT-B/32"  # small, fast on a CPU, and what OpenAI's README uses
PRECISIONS = ("exact", "fast")  # exact: the reference's numbers; fast: bf16 products where native
AUTO = "auto"  # a precision or device chosen by what this machine does well
PRECISION_CHOICES = (AUTO, *PRECISIONS)
DEVICE_KINDS = ("cpu", "cuda", "mps")  # "cuda:1" names one GPU of several
DEVICE_CHOICES = (AUTO, *DEVICE_KINDS)
DEFAULT_TEMPLATE = "a photo of a {}."  # OpenAI's prompt for zero-shot labels
CHINESE_DEFAULT_TEMPLATE = "一张{}的照片。"  # the same for Chinese-CLIP ("a photo of {}.")
TEXT_CHUNK = 256  # texts per transformer pass when many labels are encoded: bounds activation memory
DEFAULT_MIN_SIMILARITY = 0.95  # near-duplicates: bursts, re-saves, small crops of one picture (cosine)
# Photos per model call: CPU throughput is flat above ~16; GPUs want more, 32 keeps memory small.
DEFAULT_BATCH_SIZE = 32
# A cluster run writes its results in Parquet parts of this many rows: a kill loses at most one part's worth.
DEFAULT_ROWS_PER_PART = 5000
WINDOW_BATCH_SIZE = 16  # the window's: small enough that Cancel answers within a batch on a laptop CPU
