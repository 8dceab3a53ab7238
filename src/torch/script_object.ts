// Script objects: what an operator returns that is neither a tensor nor a
// value (a TorchScript custom class instance, such as the prepacked oneDNN
// convolution of mkldnn_prepacked::conv2d_prepack), held as an opaque
// handle and passed back to the operators that take it. The native memory
// it holds (packed weights) is invisible to the garbage collector, so it is
// freed by dispose(), as a tensor is; scopes do not track it: its owner does.
import { native, type ObjectHandle } from './native.js';

export class ScriptObject {
  #handle: ObjectHandle | null;

  /** Takes ownership of a native object handle (opObject makes them). */
  constructor(handle: ObjectHandle) {
    this.#handle = handle;
  }

  get handle(): ObjectHandle {
    if (this.#handle === null) throw new Error('script object was already disposed');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native object now. Idempotent. */
  dispose(): void {
    if (this.#handle === null) return;
    native.disposeObject(this.#handle);
    this.#handle = null;
  }
}
