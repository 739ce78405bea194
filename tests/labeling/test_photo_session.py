"""The photo list's rules, without Qt: what needs ranking, what counts as labelled, how a search
orders the photos and how moved photos are found again."""

from __future__ import annotations

from clipdesk.labeling.photo_session import PhotoSession, Signature
from clipdesk.labeling.predictions import LabelScore, Prediction

CATS = Signature("ViT-B/32", "auto/exact", ("cat", "dog"), ("a photo of a {}.",))
DOGS = Signature("ViT-B/32", "auto/exact", ("dog",), ("a photo of a {}.",))


def ranked(path: str, label: str = "cat") -> Prediction:
    return Prediction(path, (LabelScore(label, 0.9), LabelScore("other", 0.1)))


def test_photos_are_listed_once_in_the_order_they_were_added() -> None:
    session = PhotoSession()
    assert session.add(["/a.jpg", "/b.jpg", "/a.jpg"]) == ["/a.jpg", "/b.jpg"]
    assert session.add(["/b.jpg", "/c.jpg"]) == ["/c.jpg"]
    assert session.paths() == ["/a.jpg", "/b.jpg", "/c.jpg"]
    assert [session.row_of(p) for p in session.paths()] == [0, 1, 2]


def test_only_photos_without_results_under_the_current_labels_need_ranking() -> None:
    session = PhotoSession()
    session.add(["/a.jpg", "/b.jpg", "/c.jpg"])
    session.set_current_signature(CATS)
    assert session.set_predictions([ranked("/a.jpg"), ranked("/gone.jpg")], CATS) == [0]
    assert session.paths_needing(CATS) == ["/b.jpg", "/c.jpg"]
    assert session.is_up_to_date("/a.jpg") and not session.is_stale("/a.jpg")
    # Other labels: every photo needs ranking again, and the old result is out of date, not current.
    session.set_current_signature(DOGS)
    assert session.paths_needing(DOGS) == ["/a.jpg", "/b.jpg", "/c.jpg"]
    assert session.is_stale("/a.jpg") and not session.is_up_to_date("/a.jpg")
    assert session.counts() == (0, 0)


def test_counts_tell_labelled_photos_from_failed_ones_under_the_current_labels() -> None:
    session = PhotoSession()
    session.add(["/a.jpg", "/b.jpg", "/broken.jpg"])
    session.set_current_signature(CATS)
    session.set_predictions([ranked("/a.jpg"), Prediction("/broken.jpg", error="cannot identify image")], CATS)
    assert session.counts() == (1, 1)
    assert session.set_current_signature(None)
    assert session.counts() == (0, 0)


def test_missing_photos_are_kept_but_never_ranked_and_can_be_located() -> None:
    session = PhotoSession()
    session.add(["/old/a.jpg", "/old/b.jpg", "/new/b.jpg"])
    session.set_predictions([ranked("/old/a.jpg")], CATS)
    session.set_missing(["/old/a.jpg", "/old/b.jpg", "/never/listed.jpg"])
    assert session.missing() == ["/old/a.jpg", "/old/b.jpg"]
    assert session.paths_needing(CATS) == ["/new/b.jpg"]
    done = session.relocate({"/old/a.jpg": "/new/a.jpg", "/old/b.jpg": "/new/b.jpg"})
    assert done.moved_rows == (0,) and done.duplicate_rows == (1,)  # b is listed at its new place already
    assert session.paths()[0] == "/new/a.jpg" and session.prediction("/new/a.jpg") is None  # ranked again
    assert session.missing() == []
    assert session.remove_range(1, 1) == ["/old/b.jpg"]
    assert session.paths() == ["/new/a.jpg", "/new/b.jpg"]


def test_a_search_orders_best_first_with_ties_as_added_and_unreadable_last() -> None:
    session = PhotoSession()
    session.add(["/a.jpg", "/b.jpg", "/c.jpg", "/d.jpg"])
    session.show_search({"/a.jpg": 0.1, "/b.jpg": 0.5, "/c.jpg": 0.5})
    assert session.paths() == ["/b.jpg", "/c.jpg", "/a.jpg", "/d.jpg"]
    assert session.searching and session.score("/b.jpg") == 0.5 and session.score("/d.jpg") is None
    assert session.paths_as_added() == ["/a.jpg", "/b.jpg", "/c.jpg", "/d.jpg"]
    assert session.clear_search()
    assert session.paths() == ["/a.jpg", "/b.jpg", "/c.jpg", "/d.jpg"] and not session.searching
    assert not session.clear_search()


def test_near_duplicate_groups_sit_together_before_the_other_photos() -> None:
    session = PhotoSession()
    session.add(["/a.jpg", "/b.jpg", "/c.jpg", "/d.jpg"])
    session.show_groups([[("/c.jpg", 1.0), ("/a.jpg", 0.97)]])
    assert session.paths() == ["/c.jpg", "/a.jpg", "/b.jpg", "/d.jpg"]
    assert session.score("/a.jpg") == 0.97 and session.score("/b.jpg") is None


def test_removing_and_clearing_forget_everything_about_the_photos() -> None:
    session = PhotoSession()
    session.add(["/a.jpg", "/b.jpg", "/c.jpg"])
    session.set_predictions([ranked("/b.jpg")], CATS)
    session.show_search({"/b.jpg": 0.3})
    assert session.paths() == ["/b.jpg", "/a.jpg", "/c.jpg"]
    assert session.remove_range(0, 1) == ["/b.jpg", "/a.jpg"]
    assert session.paths() == ["/c.jpg"] and session.prediction("/b.jpg") is None
    assert session.add(["/b.jpg"]) == ["/b.jpg"]  # can come back, as a new photo
    assert session.clear() == ["/c.jpg", "/b.jpg"] and len(session) == 0 and not session.searching
