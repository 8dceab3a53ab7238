// Small cfgs for the layers the stock ones lack: grouped and depthwise
// convolutions, [dropout], maxpool size=2 stride=1, a shortcut with an
// activation, absolute route indices, relu and logistic activations.
const ANCHORS = 'anchors = 4,6, 8,10, 12,16, 20,24, 30,36, 40,44';

export const CUSTOM_CFG = `[net]
width=96
height=96
channels=3

# 0: 96x96x16
[convolutional]
batch_normalize=1
filters=16
size=3
stride=1
pad=1
activation=leaky

# 1: 48x48
[maxpool]
size=2
stride=2

# 2: depthwise 3x3
[convolutional]
batch_normalize=1
filters=16
size=3
stride=1
pad=1
groups=16
activation=relu

# 3: grouped 1x1 -> 48x48x32 (stride 1: darknet 2018 ignores the stride of 1x1 convolutions)
[convolutional]
batch_normalize=1
filters=32
size=1
stride=1
pad=1
groups=4
activation=logistic

# 4
[dropout]
probability=.3

# 5: keeps 48x48
[maxpool]
size=2
stride=1

# 6
[convolutional]
batch_normalize=1
filters=32
size=3
pad=1
activation=leaky

# 7: adds layer 4
[shortcut]
from=-3
activation=leaky

# 8
[convolutional]
size=1
filters=21
activation=linear

# 9
[yolo]
mask = 3,4,5
${ANCHORS}
classes=2
num=6

# 10
[route]
layers = 7

# 11
[convolutional]
batch_normalize=1
filters=16
size=1
activation=leaky

# 12: 96x96
[upsample]
stride=2

# 13: 16 + 16 channels
[route]
layers = -1, 0

# 14
[convolutional]
size=3
pad=1
filters=21
activation=linear

# 15
[yolo]
mask = 0,1,2
${ANCHORS}
classes=2
num=6
`;

/**
 * What the 2018 C darknet lacks or gets wrong, for OpenCV only: AlexeyAB's
 * route groups (yolov4-tiny style) and a 1x1 convolution with stride 2.
 */
export const OPENCV_ONLY_CFG = `[net]
width=64
height=64
channels=3

[convolutional]
batch_normalize=1
filters=32
size=3
stride=2
pad=1
activation=leaky

[route]
layers=-1
groups=2
group_id=1

[convolutional]
batch_normalize=1
filters=16
size=3
pad=1
activation=leaky

[route]
layers=-1,-2

[convolutional]
batch_normalize=1
filters=24
size=1
stride=2
activation=leaky

[convolutional]
size=1
filters=21
activation=linear

[yolo]
mask = 0,1,2
${ANCHORS}
classes=2
num=6
`;
