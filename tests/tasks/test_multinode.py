"""Multi-node training as a cluster runs it: 2 "nodes" x 1 CPU process, started by torchrun on the loopback
address (the README's torchrun line with --nnodes 2), and the GPU trainer options where a GPU exists."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import tiny_classifier
from helpers import REPO, run_cli

from lmac.classifiers import save_classifier

TINY = [
    "experiment=demo_lmac",
    "classifier=checkpoint",
    "head.hidden=16",
    "head.tap_channels=8",
    "trainer.max_epochs=1",
    "data.n_train=8",
    "data.n_val=4",
    "data.n_test=4",
    "data.batch_size=2",
    "data.clip_seconds=0.5",
    "logger=none",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_nodes_train_on_different_data_to_the_same_weights_and_export_once(tmp_path):
    clf = tmp_path / "classifier.pt"
    save_classifier(tiny_classifier(), clf)
    probe, run_dir, port = tmp_path / "probe", tmp_path / "run", _free_port()
    env = {
        **os.environ,
        "WANDB_MODE": "offline",
        "GLOO_SOCKET_IFNAME": "lo",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "training"), os.environ.get("PYTHONPATH", "")]),
    }
    args = [
        *TINY,
        f"classifier.path={clf}",
        "trainer=ddp_multinode",
        "trainer.accelerator=cpu",
        "trainer.devices=1",
        "+callbacks.probe._target_=rank_probe.RankProbe",
        f"+callbacks.probe.folder={probe}",
        f"hydra.run.dir={run_dir}",
    ]  # one folder on every node, as on a shared file system
    nodes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--nnodes",
                "2",
                "--node-rank",
                str(rank),
                "--nproc-per-node",
                "1",
                "--master-addr",
                "127.0.0.1",
                "--master-port",
                str(port),
                "-m",
                "lmac",
                "train",
                *args,
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank in (0, 1)
    ]
    try:
        logs = [node.communicate(timeout=600)[0] for node in nodes]
    finally:
        for node in nodes:
            node.kill()
    assert [node.returncode for node in nodes] == [0, 0], logs[0][-3000:] + logs[1][-3000:]
    ranks = [json.loads((probe / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [(r["world_size"], r["node_rank"]) for r in ranks] == [(2, 0), (2, 1)]
    assert len(ranks[0]["items"]) == len(ranks[1]["items"]) == 4  # 8 clips split over the two ranks
    assert not set(ranks[0]["items"]) & set(ranks[1]["items"])  # each rank saw other clips
    assert ranks[0]["weights"] == ranks[1]["weights"] != ranks[0]["initial"]  # trained, and in step
    assert "exported" in logs[0] and "exported" not in logs[1]  # rank 0 alone writes the export
    assert [p.name for p in run_dir.glob("*.pt")] == ["explainer.pt"]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("trainer", ["gpu", "ddp"])
def test_gpu_trainer_options_train_and_export(tmp_path, trainer):
    clf = tmp_path / "classifier.pt"
    save_classifier(tiny_classifier(), clf)
    run = run_cli("train", *TINY, f"classifier.path={clf}", f"trainer={trainer}", f"hydra.run.dir={tmp_path / 'run'}")
    assert run.returncode == 0, run.stderr[-3000:]
    assert Path(tmp_path / "run" / "explainer.pt").is_file()


def test_slurm_launcher_options_compose_with_their_documented_overrides():
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from lmac.tasks.config import CONFIG_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        train = compose(
            "train",
            [
                "experiment=demo_lmac",
                "trainer=ddp_multinode",
                "trainer.num_nodes=4",
                "trainer.devices=8",
                "hydra/launcher=slurm_ddp",
                "hydra.launcher.partition=gpu",
                "hydra.launcher.timeout_min=30",
            ],
            return_hydra_config=True,
        )
        shards = compose(
            "benchmark",
            ["hydra/launcher=slurm", "hydra.launcher.partition=gpu", "hydra.launcher.gpus_per_task=1"],
            return_hydra_config=True,
        )
    launcher = train.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher") and launcher.partition == "gpu"
    assert (launcher.nodes, launcher.tasks_per_node, launcher.gpus_per_node, launcher.timeout_min) == (4, 8, 8, 30)
    assert (shards.hydra.launcher.nodes, shards.hydra.launcher.gpus_per_task) == (1, 1)
