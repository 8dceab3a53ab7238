import * as torch from './dist/src/torch/index.js';
import { Darknet } from './dist/src/darknet/index.js';
import { Detector, loadImage } from './dist/src/detect/index.js';
import { exportOnnx } from './dist/src/export/index.js';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
torch.manualSeed(0);
const model = Darknet.fromFile('bench/mobilenet-yolo.cfg');
writeFileSync('/tmp/dw.onnx', exportOnnx(model.eval(), { size: [416, 416], batch: 'dynamic' }));
const det = new Detector(model, Array.from({length: model.heads[0].classes}, (_, i) => `c${i}`), [416,416]);
const onnx = await Detector.fromOnnx('/tmp/dw.onnx', { threads: 2 });
const img = await loadImage('/work/shared/data/darknet/images/dog.jpg');
const run = async (f) => { await sleep(20); const r0 = process.resourceUsage(); const t = process.hrtime.bigint(); await f(); const ms = Number(process.hrtime.bigint() - t) / 1e6; const r1 = process.resourceUsage(); return [ms, r1.minorPageFault - r0.minorPageFault, r1.voluntaryContextSwitches - r0.voluntaryContextSwitches, r1.involuntaryContextSwitches - r0.involuntaryContextSwitches]; };
const a = () => det.detectImages([img], {conf:0.25}), b = () => onnx.detectImages([img], {conf:0.25});
for (let i = 0; i < 3; i++) { await a(); await b(); }
const med = (xs, k) => xs.map(x => x[k]).sort((p, q) => p - q)[xs.length >> 1];
const alone = [], alt = [], ortAlt = [];
for (let i = 0; i < 15; i++) alone.push(await run(a));
for (let i = 0; i < 15; i++) { ortAlt.push(await run(b)); alt.push(await run(a)); }
const f = (xs) => `ms ${med(xs, 0).toFixed(1)} faults ${med(xs, 1)} vcs ${med(xs, 2)} ivcs ${med(xs, 3)}`;
console.log('ours alone:', f(alone)); console.log('ours after ort:', f(alt)); console.log('ort:', f(ortAlt));
await onnx.dispose();
