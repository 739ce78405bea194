"""The pipelines ``clipdesk bench`` times besides the classifier: one photo from file to embedding,
the reference's folder pipeline, and peak memory of a fresh process encoding many labels."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REFERENCE_BATCH = 32  # photos per encode_image call in the reference pipeline, as `clipdesk label`


def encode_photo(path: Path, model, preprocess: Callable, device: str, draft: bool = False):
    """Decode, preprocess and encode one photo; ``draft``: clipdesk's fast JPEG decoding."""
    from PIL import Image

    if draft:
        from clipdesk.clip.fast_decode import open_for_model

        image = open_for_model(path, model.visual.input_resolution)
    else:
        image = Image.open(path)
    return model.encode_image(preprocess(image).unsqueeze(0).to(device))


class ReferencePipeline:
    """What a user of the reference package writes to label a folder: ``Image.open`` -> its
    preprocess -> ``encode_image`` in batches -> softmax over the label prompts; top label per photo."""

    def __init__(self, tokenize: Callable, model, preprocess: Callable, device: str, prompts: Sequence[str],
                 labels: Sequence[str]) -> None:
        import torch

        self.torch, self.model, self.preprocess, self.device = torch, model, preprocess, device
        self.labels = list(labels)
        tokens = tokenize(list(prompts)).to(device)
        with torch.inference_mode():
            text = model.encode_text(tokens).float()
        self.text = text / text.norm(dim=-1, keepdim=True)

    def top_labels(self, paths: Sequence[Path]) -> list[str]:
        from PIL import Image

        torch, tops = self.torch, []
        for start in range(0, len(paths), REFERENCE_BATCH):
            batch = paths[start:start + REFERENCE_BATCH]
            pixels = torch.stack([self.preprocess(Image.open(path)) for path in batch]).to(self.device)
            with torch.inference_mode():
                image = self.model.encode_image(pixels).float()
            image = image / image.norm(dim=-1, keepdim=True)
            probs = (100.0 * image @ self.text.t()).softmax(dim=-1)
            tops += [self.labels[index] for index in probs.argmax(dim=-1).tolist()]
        return tops


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (0 where the OS does not say).

    Linux: VmHWM of /proc/self/status, which starts afresh in an exec'd child -- unlike getrusage's
    ru_maxrss, which a child started by ``subprocess`` inherits from its parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


_MEMORY_CHILD = """
import json, sys, warnings
warnings.simplefilter("ignore")
import torch
from clipdesk.bench.inputs import typical_prompts
from clipdesk.bench.pipelines import peak_rss_mb
path, device, precision, count, reference = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
chinese = sys.argv[6] == "cnclip"
if chinese and reference:
    import cn_clip.clip as clip
    from clipdesk.bench.run import load_cn_reference
    from pathlib import Path
    model, _ = load_cn_reference(clip, Path(path), device, (sys.argv[7], sys.argv[8], int(sys.argv[9])))
    tokenize = clip.tokenize
elif chinese:
    import clipdesk.cnclip as clip
    from clipdesk.cnclip.text_chunks import encode_text_by_length
    model, _ = clip.load(path, device=device, precision=precision)
    tokenize = clip.tokenize
elif reference:
    import clip
    model, _ = clip.load(path, device=device, jit=False)
    tokenize = lambda texts: clip.tokenize(texts, truncate=True)
else:
    import clipdesk.clip as clip
    from clipdesk.clip.text_chunks import encode_text_by_length
    model, _ = clip.load(path, device=device, precision=precision)
    tokenize = lambda texts: clip.tokenize(texts, truncate=True)
loaded = peak_rss_mb()
with torch.inference_mode():
    tokens = tokenize(typical_prompts(count, chinese=chinese)).to(device)
    # clipdesk's labeling path (chunks of similar length) for clipdesk; the reference's own for it
    features = model.encode_text(tokens) if reference else encode_text_by_length(model, tokens)
print(json.dumps({"loaded": loaded, "peak": peak_rss_mb(), "shape": list(features.shape)}))
"""


def text_memory_peak_mb(weights: Path, device: str, precision: str, count: int, reference: bool,
                        family: str = "openai", cn_names: tuple[str, str, int] | None = None) -> float:
    """Peak RSS in MB of a fresh Python process that loads the model and encodes ``count`` typical
    labels in one ``encode_text`` call (the reference's, with ``reference``). ``cn_names``: the
    reference ``cn_clip`` config names of a Chinese-CLIP file, passed in so the child never reads the
    checkpoint itself to find them (that would count in the reference's memory)."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(weights), device, precision, str(count), "1" if reference else "0",
         family, *map(str, cn_names or ())],
        capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the memory measurement failed: {result.stderr.strip().splitlines()[-1:]}")
    return float(json.loads(result.stdout.strip().splitlines()[-1])["peak"])


@dataclass(frozen=True)
class RunMemory:
    """What one whole ``clipdesk label`` run cost: the figures the results-streaming work is judged by."""

    photos: int
    labels: int
    peak_mb: float  # peak RSS of the run's process
    seconds: float  # the run, after the interpreter started
    output_mb: float  # the results file it wrote
    exit_code: int


_RUN_CHILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from clipdesk.cli import main
from clipdesk.bench.pipelines import peak_rss_mb
start = time.perf_counter()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "peak": peak_rss_mb(), "seconds": time.perf_counter() - start}))
"""


def label_run_memory(weights: Path, device: str, precision: str, photos: Sequence[Path], labels: Sequence[str],
                     scratch: Path, out_suffix: str = ".json") -> RunMemory:
    """Run ``clipdesk label`` (default ``--top``, no image cache) in a fresh process on ``photos`` with
    ``labels`` and measure its peak RSS: memory must stay that of one batch, whatever photos × labels."""
    scratch.mkdir(parents=True, exist_ok=True)
    labels_file = scratch / "labels.txt"
    labels_file.write_text("\n".join(labels) + "\n", encoding="utf-8")
    out = scratch / f"results{out_suffix}"
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-c", _RUN_CHILD, "label", *map(str, photos), "--labels-file", str(labels_file),
         "--model", str(weights), "--device", device, "--precision", precision, "--no-cache", "--out", str(out)],
        capture_output=True, text=True, env=env, check=False)
    try:
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"the label run failed: {result.stderr.strip().splitlines()[-1:]}") from None
    size = out.stat().st_size / 1e6 if out.exists() else 0.0
    return RunMemory(len(photos), len(labels), float(figures["peak"]), float(figures["seconds"]), size,
                     int(figures["code"]))
