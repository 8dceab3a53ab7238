// A cfg that sends every layer the blocked inference path knows through it
// and through its fallbacks (darknet/blocked_layers.ts): channel counts
// that fill no whole block (12, 20, 36), a route group of 8 channels (a
// whole nChw8c block, half an nChw16c one), a route of 20 + 16 channels,
// shortcuts between equal and between different channel counts and one
// with a logistic activation, mish and relu convolutions, a depthwise
// convolution, both maxpool kinds, an upsample and two yolo heads.
const conv = (filters: number, size: number, activation: string, extra = '') =>
  `[convolutional]\nbatch_normalize=1\nfilters=${filters}\nsize=${size}\nstride=1\npad=1\nactivation=${activation}\n${extra}\n`;
const yolo = (mask: string) => `[yolo]\nmask=${mask}\nanchors=4,6, 8,10, 12,16, 20,24, 30,36, 40,44\nclasses=2\nnum=6\n\n`;

export const BLOCKED_CFG = [
  '[net]\nwidth=64\nheight=64\nchannels=3\n\n',
  conv(12, 3, 'leaky'), // 0
  '[maxpool]\nsize=2\nstride=2\n\n', // 1: 32x32
  conv(16, 3, 'leaky'), // 2
  conv(16, 3, 'leaky', 'groups=16'), // 3: depthwise
  '[shortcut]\nfrom=-2\nactivation=linear\n\n', // 4: 16 + 16 (added in conv 3's pass)
  '[route]\nlayers=-1\ngroups=2\ngroup_id=1\n\n', // 5: channels 8..15
  conv(20, 3, 'mish'), // 6
  conv(20, 1, 'leaky'), // 7
  '[shortcut]\nfrom=-2\nactivation=logistic\n\n', // 8
  '[upsample]\nstride=2\n\n', // 9: 64x64
  '[route]\nlayers=-1,0\n\n', // 10: 20 + 12 channels at 64x64
  conv(32, 3, 'leaky'), // 11
  '[maxpool]\nsize=3\nstride=1\n\n', // 12
  conv(24, 1, 'relu'), // 13
  '[shortcut]\nfrom=-3\nactivation=leaky\n\n', // 14: 24 + the first 24 of conv 11's 32
  conv(21, 1, 'linear').replace('batch_normalize=1\n', ''), // 15
  yolo('3,4,5'), // 16
  '[route]\nlayers=4\n\n', // 17: 32x32x16
  conv(16, 3, 'leaky'), // 18
  '[shortcut]\nfrom=-2\nactivation=linear\n\n', // 19: 16 + 16 (fused into conv 18)
  conv(21, 1, 'linear').replace('batch_normalize=1\n', ''), // 20
  yolo('0,1,2'), // 21
].join('');
