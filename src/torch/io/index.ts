export { encodeNpy, decodeNpy, saveNpy, loadNpy } from './npy.js';
export { encodeTensorFile, decodeTensorFile, saveTensorFile, loadTensorFile, type TensorFile } from './tensor_file.js';
// the project's one atomic writer, here for callers that reach files through torch.io (darknet .weights)
export { writeFileAtomic } from '../../util/atomic_write.js';
