"""The record beside a verified file (`<file>.sha256.json`): trusted while size and mtime match, and
never a reason to crash or to download again when someone edits or damages it."""

from __future__ import annotations

import json

import pytest

from clipdesk.weights import ensure_model
from clipdesk.weights.records import read_record, record_path
from tests.weights.helpers import MODEL_NAME


def test_a_record_naming_another_hash_costs_a_hash_not_a_download(tiny_spec, server):
    path = ensure_model(MODEL_NAME)
    record = record_path(path)
    fields = json.loads(record.read_text())
    record.write_text(json.dumps({**fields, "sha256": "0" * 64}))  # size and mtime still match
    server.status = 500  # any download now would fail

    assert ensure_model(MODEL_NAME) == path
    assert read_record(path).sha256 == tiny_spec.sha256  # hashed again and rewritten


@pytest.mark.parametrize("size", ["1e400", '"big"', "true", "null", "[1]"])
def test_a_damaged_record_is_ignored_and_rewritten(tiny_spec, server, size):
    path = ensure_model(MODEL_NAME)
    record = record_path(path)
    fields = json.loads(record.read_text())
    record.write_text(json.dumps(fields).replace(f'"size": {fields["size"]}', f'"size": {size}'))
    server.status = 500

    assert read_record(path) is None
    assert ensure_model(MODEL_NAME) == path
    assert read_record(path).size == path.stat().st_size
