"""How a cluster run sizes its actor pool: a GPU each where there are GPUs, else a few CPU threads each
with fractional Ray CPUs (whole CPUs starved Ray's own tasks on a 2-core machine)."""

from __future__ import annotations

import pytest

from clipdesk.labeling.cluster.ray_run import ClusterError, plan_actors


def test_one_actor_per_gpu_where_the_cluster_has_gpus() -> None:
    plan = plan_actors({"CPU": 64, "GPU": 8}, [32, 32], "auto")
    assert (plan.actors, plan.device, plan.num_gpus) == (8, "cuda", 1.0)
    assert plan_actors({"CPU": 64, "GPU": 8}, [32, 32], "cuda", actors=2).actors == 2


def test_cpu_actors_leave_room_for_rays_own_tasks() -> None:
    laptop = plan_actors({"CPU": 2}, [2], "auto")
    assert (laptop.actors, laptop.device, laptop.threads) == (1, "cpu", 2)
    assert laptop.num_cpus < 2
    big = plan_actors({"CPU": 64, "GPU": 4}, [16, 16, 16, 16], "cpu")
    assert (big.actors, big.threads, big.device) == (16, 4, "cpu")
    assert big.actors * big.num_cpus < 64
    chosen = plan_actors({"CPU": 8}, [8], "auto", actors=4)
    assert (chosen.actors, chosen.threads) == (4, 2) and chosen.num_cpus < 2


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_a_device_the_cluster_cannot_give_is_a_clear_error(device: str) -> None:
    with pytest.raises(ClusterError, match=device):
        plan_actors({"CPU": 4}, [4], device)
