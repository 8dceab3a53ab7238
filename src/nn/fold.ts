// Folding a per-channel affine map that follows a convolution (an inference
// batch norm) into the convolution: y = conv_W(x)·s + t = conv_{W·s}(x) + (b·s + t).
// Computed in float64 from the float32 parameters and rounded once to
// float32, so the folded layer differs from conv-then-affine only by that
// one rounding of each weight (float32 folding rounds twice and drifts by
// ~1e-4 over yolov3's 75 layers).
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

/**
 * Weight [out, in/groups, k, k] and bias [out] of the folded convolution, in
 * the weight's dtype. `scale` and `shift` are [out] (any float dtype; float64
 * keeps the fold exact before its one rounding); `bias` null means zero.
 */
export function foldAffineIntoConv(weight: Tensor, bias: Tensor | null, scale: Tensor, shift: Tensor): { weight: Tensor; bias: Tensor } {
  return torch.tidy(() => {
    const dtype = weight.dtype;
    const s = scale.to('float64');
    const w = weight.to('float64').mul(s.view([s.shape[0], 1, 1, 1])).to(dtype);
    const b = (bias ? bias.to('float64').mul(s) : torch.zerosLike(s)).add(shift.to('float64')).to(dtype);
    return { weight: w, bias: b };
  });
}
