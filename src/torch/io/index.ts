export { encodeNpy, decodeNpy, saveNpy, loadNpy } from './npy.js';
export { encodeTensorFile, decodeTensorFile, saveTensorFile, loadTensorFile, writeFileAtomic, type TensorFile } from './tensor_file.js';
