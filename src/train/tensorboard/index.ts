// TensorBoard event files: `new EventWriter(dir).addScalar(tag, value, step)`.
export { EventWriter, type EventWriterOptions } from './writer.js';
export { TAGS, logIteration, logEpoch, epochScalars, type LossParts } from './tags.js';
export { crc32c, maskCrc, maskedCrc32c } from './crc32c.js';
export { encodeRecord } from './record.js';
export { encodeFileVersionEvent, encodeScalarEvent, FILE_VERSION, type ScalarValue } from './event.js';
