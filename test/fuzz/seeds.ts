// The fuzzer's seeds: small valid inputs of every kind, written once into a
// folder. `model/` holds the Shapes cfg, its trained .weights and names and a
// .safetensors checkpoint of it; `ds/` a two-image dataset (a JPEG and a
// PNG, 64x48, 3 classes) described five ways: ultralytics YAML, darknet
// .data, COCO JSON, a VOC folder, and YOLO label files; plus a BMP;
// `runs/r` a one-iteration training run on it (its checkpoint resumes).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { REPO_ROOT } from '../support/references.js';
import { Darknet, saveCheckpoint, loadWeights } from '../../src/darknet/index.js';

const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');
export const NAMES = ['circle', 'square', 'triangle'];
const W = 64, H = 48;

/** A 24-bit bottom-up BMP with a diagonal colour ramp. */
export function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4, size = 54 + row * height, b = Buffer.alloc(size);
  b.write('BM', 0);
  b.writeUInt32LE(size, 2); b.writeUInt32LE(54, 10); b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18); b.writeInt32LE(height, 22); b.writeUInt16LE(1, 26); b.writeUInt16LE(24, 28); b.writeUInt32LE(row * height, 34);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) b.fill((x * 4 + y * 4) & 0xff, 54 + y * row + x * 3, 54 + y * row + x * 3 + 3);
  return b;
}

async function images(ds: string): Promise<void> {
  const img = (r: number, g: number) => sharp({ create: { width: W, height: H, channels: 3, background: { r, g, b: 40 } } })
    .composite([{ input: { create: { width: 20, height: 16, channels: 3, background: { r: 250, g: 250, b: 250 } } }, left: 10, top: 8 }]);
  mkdirSync(join(ds, 'images'), { recursive: true });
  await img(200, 30).jpeg({ quality: 80 }).toFile(join(ds, 'images', 'a.jpg'));
  await img(30, 200).png().toFile(join(ds, 'images', 'b.png'));
  writeFileSync(join(ds, 'c.bmp'), bmp(W, H));
}

function descriptions(ds: string): void {
  mkdirSync(join(ds, 'labels'));
  writeFileSync(join(ds, 'labels', 'a.txt'), '0 0.3125 0.3333 0.3125 0.3333\n1 0.7 0.7 0.2 0.25\n');
  writeFileSync(join(ds, 'labels', 'b.txt'), '2 0.3125 0.3333 0.3125 0.3333\n');
  writeFileSync(join(ds, 'd.yaml'), `# two images, three classes\npath: .\ntrain: images\nval: images\nnc: 3\nnames: [${NAMES.join(', ')}]\n`);
  writeFileSync(join(ds, 'shapes.names'), NAMES.join('\n') + '\n');
  writeFileSync(join(ds, 'list.txt'), 'images/a.jpg\nimages/b.png\n');
  writeFileSync(join(ds, 'd.data'), 'classes = 3\ntrain = list.txt\nvalid = list.txt\nnames = shapes.names\nbackup = backup/\n');
  mkdirSync(join(ds, 'annotations'));
  const coco = {
    images: [{ id: 1, file_name: 'a.jpg', width: W, height: H }, { id: 2, file_name: 'b.png', width: W, height: H }],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 8, 20, 16], area: 320, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 2, bbox: [38, 28, 12, 12], area: 144, iscrowd: 0 },
      { id: 3, image_id: 2, category_id: 3, bbox: [10, 8, 20, 16], area: 320, iscrowd: 1 },
    ],
    categories: NAMES.map((name, i) => ({ id: i + 1, name })),
  };
  writeFileSync(join(ds, 'annotations', 'instances_images.json'), JSON.stringify(coco, null, 1));
  const voc = join(ds, 'voc', 'VOC2007');
  for (const d of ['Annotations', 'JPEGImages', 'ImageSets/Main']) mkdirSync(join(voc, d), { recursive: true });
  copyFileSync(join(ds, 'images', 'a.jpg'), join(voc, 'JPEGImages', 'a.jpg'));
  writeFileSync(join(voc, 'ImageSets', 'Main', 'trainval.txt'), 'a\n');
  writeFileSync(join(voc, 'ImageSets', 'Main', 'test.txt'), 'a\n');
  writeFileSync(join(voc, 'Annotations', 'a.xml'), `<annotation>
  <folder>VOC2007</folder>
  <filename>a.jpg</filename>
  <size><width>${W}</width><height>${H}</height><depth>3</depth></size>
  <object><name>cat</name><difficult>0</difficult><bndbox><xmin>11</xmin><ymin>9</ymin><xmax>30</xmax><ymax>24</ymax></bndbox></object>
  <object><name>dog</name><difficult>1</difficult><bndbox><xmin>39</xmin><ymin>29</ymin><xmax>50</xmax><ymax>40</ymax></bndbox></object>
</annotation>
`);
}

/**
 * A one-iteration training run on the dataset (runs/r): its `last.safetensors`
 * is the seed of training checkpoints. Paths are relative (the run resumes
 * from a case folder holding the same model/ and ds/), so the file's bytes,
 * and the cases made from it, do not depend on where the seeds are.
 */
function trainingRun(dir: string): void {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'train', '--cfg', join('model', 'model.cfg'), '--data', join('ds', 'd.yaml'),
    '--img-size', '64', '--epochs', '1', '--batch-size', '2', '--no-augment', '--project', 'runs', '--name', 'r'], { cwd: dir, encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`seed training run failed: ${r.stderr}`);
}

/** Writes the seeds into `dir` (model/, ds/ and runs/r). */
export async function writeSeeds(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  const model = join(dir, 'model'), ds = join(dir, 'ds');
  mkdirSync(model, { recursive: true });
  copyFileSync(join(FIXTURES, 'shapes-tiny.cfg'), join(model, 'model.cfg'));
  copyFileSync(join(FIXTURES, 'shapes-tiny-trained.weights'), join(model, 'model.weights'));
  writeFileSync(join(model, 'model.names'), NAMES.join('\n') + '\n');
  const net = Darknet.fromFile(join(model, 'model.cfg'));
  try {
    loadWeights(net, join(model, 'model.weights'));
    saveCheckpoint(net, join(model, 'model.safetensors'), { names: JSON.stringify(NAMES) });
  } finally {
    net.dispose();
  }
  await images(ds);
  descriptions(ds);
  trainingRun(dir);
}
