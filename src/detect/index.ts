// Detection: images in, boxes out (the Detector API), and drawing them.
export { Detector, type DetectorConfig, type DetectOptions, type Detection, type DetectionResult, type ImageInput, type RawOutputs } from './detector.js';
export { prepareInput, toPlanar, darknetResize, letterboxSize, toOriginal, type InputGeometry, type ResizeMode, type RgbPixels } from './preprocess.js';
export { loadImage } from './load_image.js';
export { decodeBmp, isBmp } from './bmp.js';
export { readNames } from './names.js';
export { saveDetectionsImage, detectionsSvg, classColor } from './draw.js';
