"""Labelling past one machine: the same engine on Ray Data actors, results in a Parquet folder.

Nothing here imports Ray or pyarrow at module level: they come with the optional ``clipdesk[cluster]``
extra, and the base install (the window included) must work without them. :func:`require_cluster`
says plainly what to install when they are missing.
"""

from __future__ import annotations

CLUSTER_EXTRA_HINT = "install the cluster extra: pip install 'clipdesk[cluster]'"


class ClusterUnavailable(RuntimeError):
    """Ray Data or pyarrow is not installed (or cannot be imported)."""


def require_cluster() -> None:
    """Raise :class:`ClusterUnavailable` with the install hint unless Ray and pyarrow are installed.

    Found, not imported: how a local Ray binds its ports is read when ``ray`` is first imported, so
    :func:`~clipdesk.labeling.cluster.ray_run.start_ray` must be the first to import it."""
    from importlib.util import find_spec

    missing = [name for name in ("ray", "pyarrow") if find_spec(name) is None]
    if missing:
        raise ClusterUnavailable(f"running on Ray needs {' and '.join(missing)}, which are not installed; "
                                 f"{CLUSTER_EXTRA_HINT}")


def require_pyarrow() -> None:
    """Reading a cluster run's Parquet output needs pyarrow alone."""
    try:
        import pyarrow  # noqa: F401
    except ImportError as error:
        raise ClusterUnavailable(f"reading Parquet needs pyarrow ({error}); {CLUSTER_EXTRA_HINT}") from None
