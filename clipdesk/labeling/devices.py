"""Choosing and naming the compute device. ``auto`` prefers CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

from clipdesk.defaults import DEVICE_CHOICES

__all__ = ["DEVICE_CHOICES", "DeviceError", "describe_device", "resolve_device"]


class DeviceError(ValueError):
    """The requested device does not exist on this machine."""


def resolve_device(device: str = "auto") -> str:
    """A concrete torch device string for ``device`` (``auto``, ``cpu``, ``cuda``, ``cuda:1``, ``mps``)."""
    import torch

    from clipdesk.clip.device import mps_available, pick_device

    name = (device or "auto").strip().lower()
    if name == "auto":
        return str(pick_device())
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise DeviceError("device 'cuda' was asked for, but no CUDA GPU is available here "
                              "(use --device cpu or auto)")
        if ":" in name:
            index = name.partition(":")[2]
            if not index.isdigit() or int(index) >= torch.cuda.device_count():
                raise DeviceError(f"no such CUDA device {device!r}; this machine has "
                                  f"{torch.cuda.device_count()}")
        return name
    if name == "mps":
        if not mps_available():
            raise DeviceError("device 'mps' was asked for, but Apple MPS is not available here "
                              "(use --device cpu or auto)")
        return "mps"
    raise DeviceError(f"unknown device {device!r}; choose one of {', '.join(DEVICE_CHOICES)}")


def describe_device(device: str) -> str:
    """What the status bar and the CLI show: "CPU", "NVIDIA GeForce RTX 4090 (CUDA)", "Apple MPS"."""
    import torch

    if device.startswith("cuda"):
        index = torch.device(device).index
        return f"{torch.cuda.get_device_name(torch.cuda.current_device() if index is None else index)} (CUDA)"
    if device == "mps":
        return "Apple MPS"
    return "CPU"

