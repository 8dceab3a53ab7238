"""PyTorch's own DistributedDataParallel on the gloo backend, as the
reference of our data-parallel training (test/train/ddp/parity.test.ts):
the model, weights, loss and optimizer of the training-step reference
(bench/reference/train_step.py), wrapped in DDP (broadcast_buffers=True,
the default), each rank on its own batch. With syncBn, every BatchNorm2d
becomes a SyncBatchNorm first (convert_sync_batchnorm): PyTorch's own
refuses CPU tensors, so cpu_sync_batchnorm.py's transcription of its
algorithm.

Usage: ddp_reference.py '<json>' with {cfg, weights, ranks: [{images, labels}],
steps, lr, weightDecay, threads, port, syncBn, loss: {bboxLoss, objTarget,
assign}, dtype, out}; dtype 'float64' casts the model (model.double()),
images and labels after loading. Writes out/torch_rank<r>.npy: [steps, P]
in that dtype, every parameter (named_parameters order, flattened) after
each step,
out/torch_grads<r>.npy: the averaged gradients of each step,
out/torch_buffers<r>.npy: every BatchNorm running_mean and running_var
(named_buffers order) after each step, and out/torch_names.json.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', '..', 'bench', 'reference'))
sys.path.insert(0, os.path.join(HERE, '..', '..', '..', 'yolo', 'reference'))
from train_step import Darknet, decay_groups  # noqa: E402
from yolo_loss import yolo_loss  # noqa: E402
from cpu_sync_batchnorm import convert_sync_batchnorm  # noqa: E402  (beside this file)


def dtype_of(a):
    """The run's dtype: float64 casts the float32 weights and inputs exactly."""
    return torch.float64 if a.get('dtype') == 'float64' else torch.float32


def load_model(a):
    model = Darknet(a['cfg'])
    model.load_darknet_weights(a['weights'])
    return model.to(dtype_of(a))


def load_batch(files, a):
    return (torch.from_numpy(np.load(files['images'])).to(dtype_of(a)),
            torch.from_numpy(np.load(files['labels'])).to(dtype_of(a)))


def flat_params(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()


def running_stats(model):
    return [(n, b) for n, b in model.named_buffers() if n.endswith('.running_mean') or n.endswith('.running_var')]


def flat_buffers(model):
    return torch.cat([b.reshape(-1) for _, b in running_stats(model)]).numpy().copy()


def flat_grads(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()]).numpy().copy()


def worker(rank, a):
    torch.set_num_threads(a['threads'])
    world = len(a['ranks'])
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(a['port'])
    dist.init_process_group('gloo', rank=rank, world_size=world)
    model = load_model(a)
    names = [n for n, _ in model.named_parameters()]
    if a.get('syncBn'):
        model = convert_sync_batchnorm(model)
    model.train()
    # decay groups on the plain module, as ours: names are the same with or without SyncBatchNorm
    optimizer = torch.optim.Adam(decay_groups(model, a['weightDecay']), lr=a['lr'])
    ddp = torch.nn.parallel.DistributedDataParallel(model, broadcast_buffers=True)
    images, labels = load_batch(a['ranks'][rank], a)
    opts = {'bbox_loss': a['loss']['bboxLoss'], 'obj_target': a['loss']['objTarget'], 'assign_rule': a['loss']['assign']}
    rows, grads, buffers, losses = [], [], [], []
    for _ in range(a['steps']):
        heads = ddp(images)
        r = yolo_loss(heads, labels, model.scales(heads, images.shape[3], images.shape[2]), **opts)
        r['total'].backward()
        grads.append(flat_grads(model))  # DDP's averaged gradients
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        rows.append(flat_params(model))
        buffers.append(flat_buffers(model))
        losses.append(float(r['total']))
    np.save(os.path.join(a['out'], f'torch_rank{rank}.npy'), np.stack(rows))
    np.save(os.path.join(a['out'], f'torch_grads{rank}.npy'), np.stack(grads))
    np.save(os.path.join(a['out'], f'torch_buffers{rank}.npy'), np.stack(buffers))
    if rank == 0:
        with open(os.path.join(a['out'], 'torch_names.json'), 'w') as f:
            json.dump({'names': names, 'buffers': [n for n, _ in running_stats(model)], 'losses': losses}, f)
    dist.destroy_process_group()


if __name__ == '__main__':
    args = json.loads(sys.argv[1])
    mp.spawn(worker, args=(args,), nprocs=len(args['ranks']), join=True)
