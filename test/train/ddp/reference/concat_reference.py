"""One process, plain torch.nn.BatchNorm2d: the single-process equivalent
of synchronized-BatchNorm data parallelism, the second reference of the
sync-BN parity test (test/train/ddp/sync_bn_parity.test.ts). The ranks'
batches are concatenated into one batch (so BatchNorm's statistics are over
all ranks' images, by PyTorch's own batch_norm), the heads are split back
per rank, and the objective is the mean of the per-rank losses: DDP
averages the ranks' gradients, each of its own rank's loss. Same model,
weights, loss and Adam as ddp_reference.py.

Usage: concat_reference.py '<json>' with ddp_reference.py's setup. Writes
out/concat_params.npy, out/concat_grads.npy and out/concat_buffers.npy,
[steps, ...] as ddp_reference.py's per-rank files.
"""
import json
import os
import sys

import numpy as np
import torch

from ddp_reference import decay_groups, flat_buffers, flat_grads, flat_params, load_batch, load_model, yolo_loss  # noqa: E402  (beside this file)


def main(a):
    torch.set_num_threads(a['threads'])
    model = load_model(a)
    model.train()
    optimizer = torch.optim.Adam(decay_groups(model, a['weightDecay']), lr=a['lr'])
    parts = [load_batch(r, a) for r in a['ranks']]
    images = torch.cat([p[0] for p in parts])
    opts = {'bbox_loss': a['loss']['bboxLoss'], 'obj_target': a['loss']['objTarget'], 'assign_rule': a['loss']['assign']}
    rows, grads, buffers = [], [], []
    for _ in range(a['steps']):
        heads = model(images)
        scales = model.scales(heads, images.shape[3], images.shape[2])
        losses, at = [], 0
        for rank_images, labels in parts:
            n = rank_images.shape[0]
            losses.append(yolo_loss([h[at:at + n] for h in heads], labels, scales, **opts)['total'])
            at += n
        (sum(losses) / len(losses)).backward()
        grads.append(flat_grads(model))
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        rows.append(flat_params(model))
        buffers.append(flat_buffers(model))
    for name, values in (('params', rows), ('grads', grads), ('buffers', buffers)):
        np.save(os.path.join(a['out'], f'concat_{name}.npy'), np.stack(values))


if __name__ == '__main__':
    main(json.loads(sys.argv[1]))
