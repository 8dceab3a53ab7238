// Copies rank 0's parameters and buffers to every rank, as DDP does at
// construction (_sync_module_states) and, for buffers, before each forward
// (broadcast_buffers=True). Tensors are packed per dtype into one flat
// tensor (torch's broadcast_coalesced), so a model of a hundred tensors
// costs one collective per dtype, not a hundred.
import * as torch from '../../torch/index.js';
import type { ProcessGroup } from '../../torch/distributed.js';

/** Every tensor takes `root`'s values, in place; returns the bytes sent. */
export function broadcastCoalesced(group: ProcessGroup, tensors: readonly torch.Tensor[], root = 0): number {
  let bytes = 0;
  const byDtype = new Map<string, torch.Tensor[]>();
  for (const t of tensors) byDtype.set(t.dtype, [...(byDtype.get(t.dtype) ?? []), t]);
  torch.noGrad(() => torch.tidy(() => {
    for (const members of byDtype.values()) {
      const flat = torch.cat(members.map((t) => t.detach().reshape([-1])));
      group.broadcast([flat], root);
      let at = 0;
      for (const t of members) {
        const n = t.numel();
        t.copy_(flat.narrow(0, at, n).view(t.shape));
        at += n;
      }
      bytes += flat.numel() * torch.DTYPE_BYTES[flat.dtype];
    }
  }));
  return bytes;
}
