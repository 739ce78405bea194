"""The cluster layer reads and writes Parquet: without the optional extra these tests cannot run."""

import pytest

pytest.importorskip("pyarrow", reason="needs the cluster extra: pip install -e '.[cluster]'")
