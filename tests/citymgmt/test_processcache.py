"""citymgmt.processcache: a value kept per process, rebuilt when any process forgets it."""

from citymgmt.processcache import ProcessCache


def test_the_value_is_built_once_and_again_after_forget():
    builds = []
    held = ProcessCache("test:process-cache-a", lambda: builds.append(1) or len(builds), check_seconds=60)
    assert (held.get(), held.get()) == (1, 1)
    held.forget()
    assert held.get() == 2


def test_another_process_rebuilds_when_the_shared_version_moves():
    """Two instances on one key stand for two processes sharing the cache."""
    source = {"value": "old"}
    here = ProcessCache("test:process-cache-b", lambda: source["value"], check_seconds=0)
    there = ProcessCache("test:process-cache-b", lambda: source["value"], check_seconds=0)
    assert (here.get(), there.get()) == ("old", "old")
    source["value"] = "new"
    assert there.get() == "old"  # nothing said it changed
    here.forget()
    assert there.get() == "new"


def test_a_process_reads_the_shared_version_only_every_few_seconds():
    source = {"value": "old"}
    here = ProcessCache("test:process-cache-c", lambda: source["value"], check_seconds=0)
    slow = ProcessCache("test:process-cache-c", lambda: source["value"], check_seconds=3600)
    assert slow.get() == "old"
    source["value"] = "new"
    here.forget()
    assert slow.get() == "old"  # within its check interval it trusts its copy
