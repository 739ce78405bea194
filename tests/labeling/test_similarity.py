"""Search order and near-duplicate groups equal a direct computation on the embeddings."""

from __future__ import annotations

import pytest
import torch

from clipdesk.labeling.similarity import near_duplicate_groups, rank_by_similarity


def direct_order(query, embeddings):
    unit = embeddings / embeddings.norm(dim=-1, keepdim=True)
    scores = unit @ (query / query.norm())
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i)), scores


@pytest.mark.parametrize("seed", range(5))
def test_search_order_and_scores_equal_cosine_similarity(seed):
    generator = torch.Generator().manual_seed(seed)
    embeddings = torch.randn(300, 64, generator=generator) * torch.rand(300, 1, generator=generator) * 5
    query = torch.randn(64, generator=generator)
    paths = [f"p{i}.jpg" for i in range(300)]
    matches = rank_by_similarity(query, embeddings, paths)
    order, scores = direct_order(query, embeddings)
    assert [m.path for m in matches] == [paths[i] for i in order]
    assert [m.score for m in matches] == pytest.approx([float(scores[i]) for i in order], abs=1e-6)
    assert [m.path for m in rank_by_similarity(query, embeddings, paths, top=7)] == [paths[i] for i in order[:7]]


def test_equal_scores_keep_the_photos_order():
    base = torch.tensor([1.0, 0.0, 0.0])
    embeddings = torch.stack([base * 2, torch.tensor([0.0, 1.0, 0.0]), base, base * 3])
    paths = ["a", "b", "c", "d"]
    assert [m.path for m in rank_by_similarity(base, embeddings, paths)] == ["a", "c", "d", "b"]


def test_a_zero_embedding_matches_nothing_and_does_not_break_the_order():
    embeddings = torch.tensor([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    matches = rank_by_similarity(torch.tensor([1.0, 0.0]), embeddings, ["zero", "same", "opposite"])
    assert [(m.path, round(m.score, 6)) for m in matches] == [("same", 1.0), ("zero", 0.0), ("opposite", -1.0)]


def test_near_duplicates_are_grouped_by_chains_and_led_by_the_first_photo(monkeypatch):
    import clipdesk.labeling.similarity as similarity

    monkeypatch.setattr(similarity, "BLOCK", 2)  # groups that cross block boundaries
    angle = lambda degrees: torch.tensor([torch.cos(torch.deg2rad(torch.tensor(degrees))),  # noqa: E731
                                          torch.sin(torch.deg2rad(torch.tensor(degrees)))])
    embeddings = torch.stack([angle(0), angle(90), angle(5), angle(10), angle(91), angle(180)])
    paths = ["a", "b", "c", "d", "e", "f"]
    groups = near_duplicate_groups(embeddings, paths, min_similarity=0.99)  # cos 8.1° = 0.99
    assert [[m.path for m in g] for g in groups] == [["a", "c", "d"], ["b", "e"]]  # a~c~d: a chain
    assert groups[0][0].score == pytest.approx(1.0) and groups[0][2].score == pytest.approx(float(torch.cos(
        torch.deg2rad(torch.tensor(10.0)))), abs=1e-6)


def test_near_duplicates_equal_a_brute_force_search():
    generator = torch.Generator().manual_seed(3)
    base = torch.randn(40, 32, generator=generator)
    embeddings = torch.cat([base, base[:15] + 0.05 * torch.randn(15, 32, generator=generator)])
    paths = [str(i) for i in range(len(embeddings))]
    unit = embeddings / embeddings.norm(dim=-1, keepdim=True)
    similar = unit @ unit.T >= 0.97
    expected = {frozenset(j for j in range(len(paths)) if similar[i, j] or similar[j, i]) for i in range(len(paths))}
    expected = {group for group in expected if len(group) > 1}
    found = {frozenset(int(m.path) for m in group) for group in near_duplicate_groups(embeddings, paths, 0.97)}
    assert found == expected  # here no chains: each group is a photo and its noisy copy


def test_a_similarity_out_of_range_is_refused():
    with pytest.raises(ValueError):
        near_duplicate_groups(torch.zeros(1, 2), ["a"], 1.5)
