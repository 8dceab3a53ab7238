// A cfg with what the stock and custom ones lack, for the exporter: every
// activation (mish, swish, tanh, logistic, relu, leaky, linear), shortcuts
// from a larger map (sampled every 2 pixels) with fewer and with more
// channels and alpha/beta, a maxpool whose padding is not smaller than its
// kernel, upsample with scale, [avgpool], a 1x1-grid head, scale_x_y, a
// layer that reads a [yolo] layer's output, and a grouped route of two layers.
const ANCHORS = 'anchors = 4,6, 8,10, 12,16, 20,24, 30,36, 40,44';

export const EVERY_LAYER_CFG = `[net]
width=64
height=64
channels=3

# 0: 64x64x8
[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=mish

# 1: 32x32x16
[convolutional]
batch_normalize=1
filters=16
size=3
stride=2
pad=1
activation=swish

# 2: from layer 0 (64x64x8, sampled every 2 pixels) onto 16 channels
[shortcut]
from=0
alpha=0.5
beta=2
activation=tanh

# 3: 32x32x4 (bias, no batch norm)
[convolutional]
filters=4
size=1
stride=1
activation=relu

# 4: from layer 1 (16 channels) onto 4
[shortcut]
from=-3
activation=logistic

# 5: padding 3 = 1 before, 2 after: as large as the kernel (the last
# window still reaches row 31 at stride 4); 32 -> 9
[maxpool]
size=2
stride=4
padding=3

# 6: 18x18, halved
[upsample]
stride=2
scale=0.5

# 7
[convolutional]
size=1
filters=14
activation=linear

# 8
[yolo]
mask = 0,1
${ANCHORS}
classes=2
num=6
scale_x_y=1.1

# 9: reads the [yolo] layer's output
[convolutional]
batch_normalize=1
filters=8
size=3
pad=1
activation=leaky

# 10: 1x1x8
[avgpool]

# 11
[convolutional]
size=1
filters=14
activation=linear

# 12: a 1x1 grid
[yolo]
mask = 2,3
${ANCHORS}
classes=2
num=6

# 13: half of layer 4 (2 channels) and half of layer 2 (8): 32x32x10
[route]
layers = 4, 2
groups=2
group_id=1

# 14
[convolutional]
size=1
filters=14
activation=linear

# 15
[yolo]
mask = 4,5
${ANCHORS}
classes=2
num=6
`;
