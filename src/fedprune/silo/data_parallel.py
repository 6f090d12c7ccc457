"""Data-parallel local training of one cross-silo client across worker processes.

Each worker holds the same model and takes a contiguous shard of every global mini-batch; the
shard gradients are all-reduced (averaged, weighted by shard size) so every worker applies the
identical masked step ``train_local`` would take on the whole batch (the all-reduce pattern of
Sergeev & Del Balso 2018, "Horovod", https://arxiv.org/abs/1802.05799).
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor, nn

from fedprune.messages import Instruction
from fedprune.training import MaskedSGD, batches

BACKENDS = ("gloo", "nccl")


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs; pickled by ``mp.spawn`` within this one job only."""

    workers: int
    backend: str
    store: str
    out: str
    model: nn.Module
    x: Tensor
    y: Tensor
    masks: dict[str, Tensor]
    instruction: Instruction
    generator_state: Tensor


def train_data_parallel(
    *,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    masks: Mapping[str, Tensor],
    instruction: Instruction,
    generator: torch.Generator,
    workers: int,
    backend: str = "gloo",
) -> dict[str, float]:
    """``train_local`` run data-parallel across ``workers`` spawned processes.

    The global batch order is the permutation ``train_local`` draws from ``generator``, and
    ``generator`` is advanced by the same draws, so later draws (a random prune criterion) do
    not depend on ``workers``. Rank 0's trained state is loaded into ``model``; the mean data
    loss is returned. Results match ``train_local`` up to float reduction order, except for
    BatchNorm models, which normalise each shard by its own statistics (their running
    statistics are averaged over workers at the end). ``gloo`` trains on CPU; ``nccl`` puts
    rank ``r`` on GPU ``r`` modulo the GPUs present.
    """
    check_data_parallel(
        model=model, n=x.shape[0], instruction=instruction, workers=workers, backend=backend
    )
    state = generator.get_state()
    for _ in range(instruction.epochs):  # train_local's draws, so the caller's stream stays put
        torch.randperm(x.shape[0], generator=generator)
    with tempfile.TemporaryDirectory(prefix="fedprune-silo-") as tmp:
        job = _Job(
            workers=workers,
            backend=backend,
            # a FileStore rendezvous: no port to pick, so no race with other jobs on the host
            store=str(Path(tmp) / "store"),
            out=str(Path(tmp) / "rank0.safetensors"),
            model=model,
            x=x,
            y=y,
            masks=dict(masks),
            instruction=instruction,
            generator_state=state,
        )
        mp.spawn(_worker, args=(job,), nprocs=workers, join=True)
        trained, loss = _read(job.out)
    model.load_state_dict(trained)
    return {"train_loss": loss}


def check_data_parallel(
    *, model: nn.Module, n: int, instruction: Instruction, workers: int, backend: str
) -> None:
    """Raise ``ValueError`` for settings data-parallel training cannot honour."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if instruction.adversarial is not None:
        raise ValueError("adversarial training is not supported with data-parallel silo workers")
    if _has_bn(model):
        every = batches(torch.arange(n), size=instruction.batch_size, merge_single=True)
        if any(0 < len(s) < 2 for b in every for s in b.tensor_split(workers)):
            raise ValueError(
                f"a BatchNorm model needs >= 2 examples per worker shard: batch_size "
                f"{instruction.batch_size} over {workers} workers leaves a shard of one"
            )


def _has_bn(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def _worker(rank: int, job: _Job) -> None:
    torch.set_num_threads(1)  # the workers are the parallelism
    store = dist.FileStore(job.store, job.workers)
    dist.init_process_group(job.backend, store=store, rank=rank, world_size=job.workers)
    try:
        device = torch.device("cpu")
        if job.backend == "nccl":
            device = torch.device("cuda", rank % torch.cuda.device_count())
            torch.cuda.set_device(device)
        # spawn hands every rank the same shared-memory tensors: train a private copy
        model = copy.deepcopy(job.model).to(device)
        masks = {n: m.to(device) for n, m in job.masks.items()}
        loss = _train_shard(
            model=model,
            x=job.x.to(device),
            y=job.y.to(device),
            masks=masks,
            instruction=job.instruction,
            generator=torch.Generator().set_state(job.generator_state),
            rank=rank,
            workers=job.workers,
        )
        if rank == 0:
            state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            save_file(state, job.out, metadata={"train_loss": repr(loss)})
        # no rank tears its connections down while another still uses them: without this,
        # gloo's threads in a rank whose peer had gone called std::terminate (SIGABRT) in
        # about 1 run in 6 on a loaded 2-core machine
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _train_shard(
    *,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    masks: Mapping[str, Tensor],
    instruction: Instruction,
    generator: torch.Generator,
    rank: int,
    workers: int,
) -> float:
    """This rank's side of data-parallel training; returns the global mean data loss."""
    sgd = MaskedSGD(model=model, masks=masks, instruction=instruction)
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    has_bn = _has_bn(model)
    total, seen = 0.0, 0
    for _ in range(instruction.epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        for idx in batches(order, size=instruction.batch_size, merge_single=has_bn):
            sgd.zero_grad()
            shard = idx.tensor_split(workers)[rank].to(x.device)
            loss_sum = torch.zeros((), device=x.device)
            if shard.numel():
                loss = F.cross_entropy(model(x[shard]), y[shard])
                # the shard mean weighted by its share: summed over ranks, the batch mean's grad
                (loss * (shard.numel() / idx.numel())).backward()
                loss_sum = loss.detach() * shard.numel()
            _all_reduce_grads(params, loss_sum)
            sgd.step()
            total += float(loss_sum)
            seen += idx.numel()
    _average_buffers(model, workers)
    return total / max(seen, 1)


def _all_reduce_grads(params: list[nn.Parameter], loss_sum: Tensor) -> None:
    """Sum ``.grad`` and ``loss_sum`` over ranks in one collective, in place.

    A parameter no rank reached keeps ``.grad = None``, as in ``train_local``, so the optimiser
    skips it (no weight decay or momentum step); one rank reached keeps it defined everywhere.
    """
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    reached = torch.tensor([float(p.grad is not None) for p in params], device=loss_sum.device)
    flat = torch.cat([g.reshape(-1) for g in grads] + [reached, loss_sum.reshape(1)])
    dist.all_reduce(flat)
    start = 0
    for p, g in zip(params, grads, strict=True):
        p.grad = flat[start : start + g.numel()].view_as(g).clone()
        start += g.numel()
    for p, hit in zip(params, flat[start : start + len(params)].tolist(), strict=True):
        if hit == 0:
            p.grad = None
    loss_sum.copy_(flat[-1])


@torch.no_grad()
def _average_buffers(model: nn.Module, workers: int) -> None:
    """Average BatchNorm running statistics over ranks (other buffers are identical)."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            for b in m.buffers():
                if b.is_floating_point():
                    dist.all_reduce(b)
                    b.div_(workers)


def _read(path: str) -> tuple[dict[str, Tensor], float]:
    """Rank 0's trained state and mean loss, from its safetensors file (no pickle)."""
    with safe_open(path, framework="pt") as f:
        state = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - safe_open has no iter
        loss = float(f.metadata()["train_loss"])
    return state, loss
