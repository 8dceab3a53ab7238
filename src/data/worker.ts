// Worker thread: receives the sample list once, then tasks; answers with
// CHW float pixels whose buffers are transferred, not copied.

import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { Preparer, type PrepareConfig, type Task } from './loader_task.js';
import type { Sample } from './types.js';

sharp.concurrency(1); // parallelism comes from the worker threads themselves
const { samples, config } = workerData as { samples: Sample[]; config: PrepareConfig };
const preparer = new Preparer(samples, config);

parentPort!.on('message', (task: Task) => {
  preparer.run(task).then(
    (r) => parentPort!.postMessage({ id: task.id, ok: true, result: r }, [r.image.buffer as ArrayBuffer, r.labels.buffer as ArrayBuffer]),
    (e: Error) => parentPort!.postMessage({ id: task.id, ok: false, error: e.message }),
  );
});
