"""``clipdesk bench``'s measurements: how fast this machine runs the engine and the labeling pipeline,
and -- with ``compare_reference`` -- how that compares with OpenAI's reference ``clip`` package
(``clip-anytorch``) on identical weights, in the same process, alternating run by run.

Measures and returns numbers; printing is the CLI's job. Every figure is the median of
``repeats`` timed runs after one untimed warm-up, so a short default run is already stable enough to
compare; raise ``repeats`` for more. The reference is imported only when asked for, and only here:
the engine itself never uses it.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clipdesk.bench.inputs import (
    CHINESE_PROMPT,
    PROMPT,
    choose_weights,
    scratch_folder,
    typical_chinese_labels,
    typical_labels,
    typical_prompts,
    write_camera_photos,
)
from clipdesk.bench.pipelines import (
    ReferencePipeline,
    encode_photo,
    peak_rss_mb,
    text_memory_peak_mb,
)
from clipdesk.weights.registry import CHINESE_CLIP, OPENAI

StepCallback = Callable[[str], None]


@dataclass(frozen=True)
class BenchOptions:
    model: str = "ViT-B/32"  # a name (cached weights, else random weights of its architecture) or a file
    device: str = "auto"
    precision: str = "auto"  # auto: fast where the hardware computes low precision natively
    batch_sizes: tuple[int, ...] = (1, 8, 32)
    repeats: int = 3  # timed runs per figure; the median is reported
    labels: int = 200  # text encoding: this many typical labels in one call
    images: Path | None = None  # end to end: this folder, else generated camera-sized JPEGs
    photos: int = 16  # how many to generate (12 MP each)
    compare_reference: bool = False
    memory_labels: int = 0  # > 0: peak RSS of a fresh process encoding this many labels
    run_memory: tuple[tuple[int, int], ...] = ()  # (photos, labels): peak RSS of a whole `clipdesk label`
    cluster: bool = False  # also the same photos with `--on ray` on a local Ray (needs the cluster extra)


@dataclass(frozen=True)
class Row:
    """One measured figure; ``reference`` and the differences only with ``compare_reference``."""

    key: str  # stable name for --json consumers, e.g. "image_encode_b32"
    name: str
    unit: str
    ours: float
    reference: float | None = None
    higher_is_better: bool = True
    max_abs_diff: float | None = None  # outputs, ours vs reference, same inputs
    min_cosine: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better clipdesk is (speed-up, or memory saved), from the medians."""
        if self.reference is None or not self.ours or not self.reference:
            return None
        return self.ours / self.reference if self.higher_is_better else self.reference / self.ours


@dataclass(frozen=True)
class BenchReport:
    model: str
    weights: str
    random_weights: bool
    device: str
    device_description: str
    precision: str  # "exact" or "fast"
    numerics: str  # weight dtypes after loading: fp32, bf16+fp32, fp16+fp32
    machine: str
    torch_version: str
    threads: int
    repeats: int
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rows"] = [dict(asdict(row), ratio=row.ratio) for row in self.rows]
        return data


def run_benchmark(options: BenchOptions, on_step: StepCallback | None = None) -> BenchReport:
    """Measure everything ``options`` asks for. Raises ValueError for an unusable model, device,
    precision or folder, and ImportError when the reference is asked for but not installed."""
    import torch

    from clipdesk.clip.precision import check_precision, default_precision, describe
    from clipdesk.labeling.devices import describe_device, resolve_device

    step = on_step or (lambda text: None)
    device = resolve_device(options.device)
    precision = default_precision(device) if options.precision == "auto" else check_precision(options.precision)
    with scratch_folder() as scratch:
        step("preparing weights")
        weights = choose_weights(options.model, Path(scratch))
        family = weights_family(weights.path)
        reference = import_reference(family) if options.compare_reference else None
        photos = _photos(options, Path(scratch), step)
        bench = _Bench(torch, options, device, precision, weights.path, reference, step, Path(scratch), family)
        rows = bench.run(photos)
        numerics = describe(bench.model)
    notes = list(bench.notes)
    if not weights.real:
        notes.insert(0, "random weights: speed and memory are those of the real model; labels are meaningless")
    return BenchReport(
        model=options.model, weights=weights.description, random_weights=not weights.real, device=device,
        device_description=describe_device(device), precision=precision, numerics=numerics,
        machine=machine_description(), torch_version=torch.__version__, threads=torch.get_num_threads(),
        repeats=options.repeats, rows=tuple(rows), notes=tuple(notes))


def import_reference(family: str = OPENAI):
    """The family's reference package, for --compare-reference only: OpenAI's ``clip``
    (pip install clip-anytorch) or OFA-Sys's ``cn_clip.clip`` (pip install --no-deps cn-clip six)."""
    module, install = (("cn_clip.clip", "pip install --no-deps cn-clip==1.6.0 six") if family == CHINESE_CLIP
                       else ("clip", "pip install clip-anytorch"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # its pkg_resources deprecation warning
            return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"--compare-reference needs the reference package: {install}") from error


def weights_family(path: Path) -> str:
    """``openai`` or ``cnclip``, read from the checkpoint's keys."""
    from clipdesk.clip.checkpoint import read_state_dict
    from clipdesk.labeling.labeling_model import family_of_state

    return family_of_state(read_state_dict(path)).id


def cn_reference_names(path: Path) -> tuple[str, str, int]:
    """``cn_clip``'s (vision config, text config, input resolution) names for a Chinese-CLIP file: its
    loader takes a file only with the names of the JSON configs it ships."""
    from clipdesk.clip.checkpoint import read_state_dict
    from clipdesk.cnclip.architecture import RELEASED, infer_config

    config = infer_config(read_state_dict(path))
    vision = next((name for name, released in RELEASED.items() if released.vision == config.vision), None)
    text = {3: "RBT3-chinese", 12: "RoBERTa-wwm-ext-base-chinese", 24: "RoBERTa-wwm-ext-large-chinese"}.get(
        config.text.layers)
    if vision is None or text is None:
        raise ValueError(f"{path}: not one of the released Chinese-CLIP shapes; the reference cannot load it")
    return vision, text, config.vision.image_resolution


def load_cn_reference(reference, path: Path, device: str, names: tuple[str, str, int]):
    """``cn_clip.load_from_name`` on a file, quietly, in eval mode (it returns training mode).
    ``names``: ``cn_reference_names(path)``, found once beforehand so that reading the checkpoint to
    find them is never timed or counted as the reference's."""
    import contextlib
    import io

    vision, text, resolution = names
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, preprocess = reference.load_from_name(str(path), device=device, vision_model_name=vision,
                                                     text_model_name=text, input_resolution=resolution)
    return model.eval(), preprocess


def machine_description() -> str:
    """CPU, SIMD level and whether bf16 is native: what the numbers depend on."""
    import torch

    from clipdesk.clip.precision import cpu_has_native_bf16

    capability = torch.backends.cpu.get_cpu_capability()
    bf16 = "native bf16" if cpu_has_native_bf16() else "no native bf16"
    return f"{_cpu_name()}, {os.cpu_count()} cores, {capability}, {bf16}"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _photos(options: BenchOptions, scratch: Path, step: StepCallback) -> list[Path]:
    if options.images is not None:
        from clipdesk.labeling.files import iter_image_files

        found = iter_image_files([options.images])
        if not found:
            raise ValueError(f"no photos found in {options.images}")
        return found
    step(f"generating {options.photos} camera-sized JPEGs (12 MP)")
    return write_camera_photos(scratch / "photos", options.photos)


@dataclass(frozen=True)
class _Timed:
    ours: float  # median seconds
    reference: float | None
    ours_output: object  # what the last run returned, for comparing outputs without another run
    reference_output: object


def _median_pair(ours: Callable[[], object], reference: Callable[[], object] | None, repeats: int,
                 sync: Callable[[], None]) -> _Timed:
    """Median seconds of ``ours`` and ``reference``, run alternately (which goes first alternates
    too), so a busy machine slows both alike."""
    times: dict[str, list[float]] = {"ours": [], "reference": []}
    outputs: dict[str, object] = {"ours": None, "reference": None}
    jobs = [("ours", ours)] + ([("reference", reference)] if reference is not None else [])
    for index in range(max(1, repeats)):
        for name, job in (jobs if index % 2 == 0 else jobs[::-1]):
            sync()
            start = time.perf_counter()
            outputs[name] = job()
            sync()
            times[name].append(time.perf_counter() - start)
    reference_s = statistics.median(times["reference"]) if reference is not None else None
    return _Timed(statistics.median(times["ours"]), reference_s, outputs["ours"], outputs["reference"])


class _Bench:
    """One benchmark run: the loaded models and the measurements in order."""

    def __init__(self, torch, options: BenchOptions, device: str, precision: str, weights: Path, reference,
                 step: StepCallback, scratch: Path, family: str = "openai") -> None:
        self.torch, self.options, self.device, self.precision = torch, options, device, precision
        self.weights, self.reference, self.step, self.scratch = weights, reference, step, scratch
        self.family = family
        self.chinese = family == CHINESE_CLIP
        self.cn_names = cn_reference_names(weights) if self.chinese and reference is not None else None
        self.model = self.ref_model = None
        self.notes: list[str] = []

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()

    def run(self, photos: Sequence[Path]) -> list[Row]:
        with open(self.weights, "rb") as file:  # both loads then read from the page cache alike
            while file.read(1 << 24):
                pass
        rows = [self.load()]
        with self.torch.inference_mode():
            rows += self.image_encode()
            rows.append(self.latency(photos[0]))
            rows.append(self.text_encode())
        rows += self.end_to_end(photos)
        if self.options.memory_labels > 0:
            rows += self.text_memory()
        rows += [self.run_memory(photos, labels) for photos, labels in self.options.run_memory]
        if self.options.cluster:
            rows += self.cluster(photos)
        rows.append(Row("peak_rss", "peak RSS of this process", "MB", peak_rss_mb(), higher_is_better=False,
                        note="both models loaded" if self.reference else ""))
        return rows

    def engine(self):
        """The engine package of the weights' family: ``clipdesk.clip`` or ``clipdesk.cnclip``."""
        return importlib.import_module("clipdesk.cnclip" if self.chinese else "clipdesk.clip")

    def tokenize(self, prompts: list[str]):
        engine = self.engine()
        return engine.tokenize(prompts) if self.chinese else engine.tokenize(prompts, truncate=True)

    def reference_tokenize(self, prompts: list[str]):
        if self.chinese:
            return self.reference.tokenize(prompts)
        return self.reference.tokenize(prompts, truncate=True)

    def load(self) -> Row:
        clip = self.engine()

        self.step("loading the model")
        models: dict[str, object] = {}

        def ours() -> None:
            models.pop("ours", None)
            gc.collect()
            models["ours"] = clip.load(self.weights, device=self.device, precision=self.precision)

        def reference() -> None:
            models.pop("reference", None)
            gc.collect()
            if self.chinese:
                models["reference"] = load_cn_reference(self.reference, self.weights, self.device, self.cn_names)
                return
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                models["reference"] = self.reference.load(str(self.weights), device=self.device, jit=False)

        timed = _median_pair(ours, reference if self.reference else None, self.options.repeats, self.sync)
        self.model, self.preprocess = models["ours"]
        if self.reference:
            self.ref_model, self.ref_preprocess = models["reference"]
        return Row("load", "model load", "s", timed.ours, timed.reference, higher_is_better=False)

    def image_encode(self) -> list[Row]:
        torch, rows = self.torch, []
        resolution = self.model.visual.input_resolution
        for batch in self.options.batch_sizes:
            self.step(f"image encoding, batch {batch}")
            generator = torch.Generator().manual_seed(batch)
            pixels = torch.randn(batch, 3, resolution, resolution, generator=generator).to(self.device)
            ours = functools.partial(self.model.encode_image, pixels)
            ref = functools.partial(self.ref_model.encode_image, pixels) if self.ref_model is not None else None
            ours(), ref and ref()  # warm-up: allocator, kernels, caches
            timed = _median_pair(ours, ref, self.options.repeats, self.sync)
            rows.append(Row(f"image_encode_b{batch}", f"image encode, batch {batch}", "photos/s", batch / timed.ours,
                            _per_second(batch, timed.reference), True, *_differences(timed)))
        return rows

    def latency(self, photo: Path) -> Row:
        """One photo from file to embedding: what a user waits for after dropping a single photo."""
        self.step("single-photo latency")
        fast = self.precision == "fast"
        ours = lambda: encode_photo(photo, self.model, self.preprocess, self.device, draft=fast)  # noqa: E731
        ref = None
        if self.ref_model is not None:
            ref = lambda: encode_photo(photo, self.ref_model, self.ref_preprocess, self.device)  # noqa: E731
        ours(), ref and ref()
        timed = _median_pair(ours, ref, self.options.repeats, self.sync)
        return Row("latency_1", "single photo: file to embedding", "ms", timed.ours * 1000,
                   timed.reference * 1000 if timed.reference else None, higher_is_better=False)

    def text_encode(self) -> Row:
        count = self.options.labels
        self.step(f"text encoding, {count} labels")
        prompts = typical_prompts(count, chinese=self.chinese)
        if self.chinese:
            from clipdesk.cnclip.text_chunks import encode_text_by_length
        else:
            from clipdesk.clip.text_chunks import encode_text_by_length  # type: ignore[assignment]
        # What the labeling service runs: texts in chunks of similar length.
        ours = functools.partial(encode_text_by_length, self.model, self.tokenize(prompts).to(self.device))
        ref = None
        if self.ref_model is not None:
            ref = lambda: self.ref_model.encode_text(self.reference_tokenize(prompts).to(self.device))  # noqa: E731
        ours()  # the reference's warm-up would cost as much as a timed run: its first run is timed
        timed = _median_pair(ours, ref, self.options.repeats, self.sync)
        return Row(f"text_encode_{count}", f"text encode, {count} labels", "labels/s", count / timed.ours,
                   _per_second(count, timed.reference), True, *_differences(timed),
                   note=f'prompts "{prompts[0]}" ...')

    def end_to_end(self, photos: Sequence[Path]) -> list[Row]:
        """Folder labelling as `clipdesk label` does it (parallel decoding, batches of 32, no embedding
        cache) against the reference pipeline: PIL open -> reference preprocess -> encode, in batches."""
        from clipdesk.labeling import ZeroShotClassifier

        self.step(f"end-to-end labelling of {len(photos)} photos")
        labels = typical_chinese_labels(10) if self.chinese else typical_labels(10)
        classifier = ZeroShotClassifier(self.weights, device=self.device, precision=self.precision)
        classifier.text_features(labels)  # labels are encoded once per session, not per folder
        ours = functools.partial(classifier.rank, photos, labels)
        ref = None
        if self.ref_model is not None:
            template = CHINESE_PROMPT if self.chinese else PROMPT
            pipeline = ReferencePipeline(self.reference_tokenize, self.ref_model, self.ref_preprocess, self.device,
                                         [template.format(label) for label in labels], labels)
            ref = lambda: pipeline.top_labels(photos)  # noqa: E731
        timed = _median_pair(ours, ref, self.options.repeats, self.sync)
        count = len(photos)
        rows = [Row("end_to_end", f"label a folder of {count} photos", "photos/s", count / timed.ours,
                    _per_second(count, timed.reference))]
        results = {"ours": timed.ours_output, "reference": timed.reference_output}
        failed = [p for p in results["ours"] if not p.ok]
        if failed:
            self.notes.append(f"{len(failed)} of {count} photos could not be read, e.g. {failed[0].path}: "
                              f"{failed[0].error}")
        if results["reference"] is not None:
            same = sum(1 for p, top in zip(results["ours"], results["reference"]) if p.ok and p.top.label == top)
            self.notes.append(f"top-1 label equal to the reference's for {same} of {count} photos")
        if self.precision == "fast":
            rows.append(self._draft_psnr(photos))
        del classifier, ours
        gc.collect()
        return rows

    def cluster(self, photos: Sequence[Path]) -> list[Row]:
        from clipdesk.bench.cluster import measure_cluster

        self.step(f"labelling {len(photos)} photos locally and with --on ray on a local Ray")
        labels = typical_chinese_labels(10) if self.chinese else typical_labels(10)
        figures = measure_cluster(self.weights, photos, labels, self.precision, self.device)
        each = f"{figures.actors} actor{'s' * (figures.actors != 1)} × {figures.threads_per_actor} threads"
        per_actor = figures.ray_steady_photos_per_s / max(1, figures.actors)
        self.notes.append(f"--on ray: {per_actor:.2f} photos/s per actor once the actors hold their models "
                          f"({each}); a job's fixed cost is Ray's start plus each actor's model load")
        return [
            Row("cluster_local", f"cluster figure: local, {figures.photos} photos", "photos/s",
                figures.local_photos_per_s, note="model loaded, labels encoded"),
            Row("cluster_ray_job", "  --on ray, whole job", "photos/s", figures.ray_job_photos_per_s,
                note=f"{each}; actor start and model load included"),
            Row("cluster_ray_steady", "  --on ray, actors up", "photos/s", figures.ray_steady_photos_per_s,
                note="first result to last"),
            Row("cluster_ray_start", "  start a local Ray", "s", figures.ray_start_s, higher_is_better=False),
        ]

    def _draft_psnr(self, photos: Sequence[Path]) -> Row:
        from clipdesk.clip.fast_decode import draft_psnr

        n_px = self.model.visual.input_resolution
        values = []
        for photo in photos[:16]:
            try:
                values.append(draft_psnr(photo, n_px))
            except ValueError:  # unreadable: reported by the labelling run already
                continue
        finite = [value for value in values if value != float("inf")]
        note = f"min {min(finite):.1f} dB over {len(values)} photos" if finite else "no photo was draft-decoded"
        median = statistics.median(values) if values else float("nan")
        return Row("draft_psnr", "fast decode: PSNR of the model input vs exact", "dB", median, note=note)

    def text_memory(self) -> list[Row]:
        count = self.options.memory_labels
        self.step(f"peak memory of a fresh process encoding {count} labels")
        ours = text_memory_peak_mb(self.weights, self.device, self.precision, count, reference=False,
                                   family=self.family)
        ref = (text_memory_peak_mb(self.weights, self.device, "exact", count, reference=True, family=self.family,
                                   cn_names=self.cn_names)
               if self.reference else None)
        return [Row(f"text_memory_{count}", f"peak RSS, load + encode {count} labels", "MB", ours, ref,
                    higher_is_better=False, note="fresh process each")]


    def run_memory(self, photo_count: int, label_count: int) -> Row:
        from clipdesk.bench.inputs import typical_labels, write_camera_photos
        from clipdesk.bench.pipelines import label_run_memory

        scratch = self.scratch / f"run-{photo_count}x{label_count}"
        self.step(f"a whole `clipdesk label` run: {photo_count:,} photos × {label_count:,} labels, fresh process")
        photos = write_camera_photos(scratch / "photos", photo_count, size=(320, 240))
        run = label_run_memory(self.weights, self.device, self.precision, photos, typical_labels(label_count),
                               scratch)
        return Row(f"run_memory_{photo_count}x{label_count}",
                   f"peak RSS, label {photo_count:,} photos × {label_count:,} labels", "MB", run.peak_mb,
                   higher_is_better=False,
                   note=f"JSON {run.output_mb:.1f} MB in {run.seconds:.0f} s, exit {run.exit_code}")


def _per_second(count: int, seconds: float | None) -> float | None:
    return count / seconds if seconds else None


def _differences(timed: _Timed) -> tuple[float | None, float | None]:
    """Max abs difference and min cosine of the last [n, dim] outputs, in fp32; None without the reference."""
    import torch

    if timed.reference_output is None:
        return None, None
    ours, reference = timed.ours_output.float().cpu(), timed.reference_output.float().cpu()
    cosine = torch.nn.functional.cosine_similarity(ours, reference, dim=-1).min().item()
    return (ours - reference).abs().max().item(), cosine


