// The commands' option parser (util.parseArgs underneath): forms of a value,
// switches and their --no- form, repeats, defaults, and the errors, each
// naming the command and the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHelp, parseArgs, UsageError, type Specs } from '../../src/cli/args.js';

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg', required: true },
  split: { type: 'string', default: 'train', choices: ['train', 'val'], help: 'split' },
  lr0: { type: 'number', help: 'learning rate' },
  epochs: { type: 'number', integer: true, min: 1, default: 3, help: 'epochs' },
  shuffle: { type: 'boolean', default: true, help: 'shuffle' },
  strict: { type: 'boolean', help: 'strict' },
} satisfies Specs;

const parse = (...argv: string[]) => parseArgs('yolov3 thing', SPECS, argv);
const fails = (argv: string[], message: string) =>
  assert.throws(() => parse(...argv), (e: unknown) => e instanceof UsageError && e.message === message, `${argv.join(' ')}: expected ${message}`);

test('values: --name value and --name=value, defaults for the rest, help off', () => {
  assert.deepEqual({ ...parse('--cfg', 'a.cfg', '--lr0=0.5') }, { help: false, cfg: 'a.cfg', split: 'train', lr0: 0.5, epochs: 3, shuffle: true, strict: undefined });
  assert.equal(parse('--cfg=x=y.cfg').cfg, 'x=y.cfg', 'only the first = splits');
  assert.equal(parse('--cfg=').cfg, '', 'an empty value is a value');
  assert.equal(parse('--cfg', '--strict').cfg, '--strict', 'a string option takes the next argument whatever it is');
  assert.equal(parse('--cfg', 'c', '--lr0', '-1e-3').lr0, -0.001, 'a negative number after a space');
  assert.equal(parse('--cfg', 'c', '--epochs', ' 7 ').epochs, 7);
});

test('switches: --flag, --no-flag, --flag=false|0; a repeated option: the last wins', () => {
  assert.equal(parse('--cfg', 'c').shuffle, true);
  assert.equal(parse('--cfg', 'c', '--no-shuffle').shuffle, false);
  assert.equal(parse('--cfg', 'c', '--no-shuffle', '--shuffle').shuffle, true);
  assert.equal(parse('--cfg', 'c', '--shuffle', '--no-shuffle').shuffle, false);
  assert.equal(parse('--cfg', 'c', '--strict').strict, true);
  assert.equal(parse('--cfg', 'c', '--strict=false').strict, false);
  assert.equal(parse('--cfg', 'c', '--strict=0').strict, false);
  assert.equal(parse('--cfg', 'c', '--strict=yes').strict, true);
  const r = parse('--cfg', 'a', '--cfg', 'b', '--split', 'val', '--split=train', '--epochs', '2', '--epochs', '5');
  assert.deepEqual([r.cfg, r.split, r.epochs], ['b', 'train', 5]);
});

test('--help and -h: set help and skip the required check', () => {
  assert.equal(parse('--help').help, true);
  assert.equal(parse('-h').help, true);
  assert.equal(parse('--no-shuffle', '-h').shuffle, false);
});

test('errors name the command and the option', () => {
  fails([], 'yolov3 thing: --cfg is required (see --help)');
  fails(['--cfg', 'c', '--bogus'], 'yolov3 thing: unknown option --bogus (see --help)');
  fails(['--cfg', 'c', '--bogus=1'], 'yolov3 thing: unknown option --bogus (see --help)');
  fails(['--cfg', 'c', '--no-cfg'], 'yolov3 thing: unknown option --no-cfg (see --help)'); // --no- is for switches only
  fails(['--cfg', 'c', '--no-lr0'], 'yolov3 thing: unknown option --no-lr0 (see --help)');
  fails(['--cfg'], 'yolov3 thing: --cfg needs a value');
  fails(['--cfg', 'c', '--lr0'], 'yolov3 thing: --lr0 needs a value');
  fails(['--cfg', 'c', 'extra'], "yolov3 thing: unexpected argument 'extra'");
  fails(['--cfg', 'c', '--shuffle', 'false'], "yolov3 thing: unexpected argument 'false'"); // a switch takes no separate value
  fails(['--cfg', 'c', '-x'], "yolov3 thing: unexpected argument '-x'");
  fails(['--cfg', 'c', '--', '--lr0'], "yolov3 thing: unexpected argument '--'");
  fails(['--cfg', 'c', '--split', 'test'], "yolov3 thing: --split must be one of train, val, got 'test'");
  fails(['--cfg', 'c', '--lr0', 'fast'], "yolov3 thing: --lr0 expects a number, got 'fast'");
  fails(['--cfg', 'c', '--lr0='], "yolov3 thing: --lr0 expects a number, got ''");
  fails(['--cfg', 'c', '--lr0', 'Infinity'], "yolov3 thing: --lr0 expects a number, got 'Infinity'");
  fails(['--cfg', 'c', '--epochs', '2.5'], "yolov3 thing: --epochs expects an integer >= 1, got '2.5'");
  fails(['--cfg', 'c', '--epochs', '0'], "yolov3 thing: --epochs expects an integer >= 1, got '0'");
  fails(['--cfg', 'c', '--epochs', '3x'], "yolov3 thing: --epochs expects an integer >= 1, got '3x'");
});

test("an option with a bare value: alone, before another option, with =value or a value after a space", () => {
  const specs = { scale: { type: 'string', bare: 'on', help: 'range' }, epochs: { type: 'number', help: 'epochs' } } satisfies Specs;
  const p = (...argv: string[]) => parseArgs('yolov3 thing', specs, argv);
  assert.equal(p().scale, undefined);
  assert.equal(p('--scale').scale, 'on');
  assert.deepEqual([p('--scale', '--epochs', '2').scale, p('--scale', '--epochs', '2').epochs], ['on', 2]);
  assert.equal(p('--scale=320,608').scale, '320,608');
  assert.equal(p('--scale', '320,608', '--epochs', '2').scale, '320,608');
  assert.equal(p('--scale', '--scale', 'off').scale, 'off');
  assert.throws(() => p('--scale', 'a', 'b'), (e: unknown) => e instanceof UsageError && e.message === "yolov3 thing: unexpected argument 'b'");
  assert.throws(() => p('--epochs', '1', 'a'), (e: unknown) => e instanceof UsageError && e.message === "yolov3 thing: unexpected argument 'a'");
  assert.match(formatHelp('usage', specs), /^ {2}--scale \[X\] {20}range$/m);
});

test('formatHelp: one row per option with its value form and default', () => {
  const help = formatHelp('usage: yolov3 thing', SPECS);
  const rows = help.split('\n');
  assert.equal(rows[0], 'usage: yolov3 thing');
  assert.equal(rows[3], `  ${'--cfg X'.padEnd(30)} darknet .cfg (required)`);
  assert.equal(rows[4], `  ${'--split train|val'.padEnd(30)} split (default train)`);
  assert.equal(rows[6], `  ${'--epochs N'.padEnd(30)} epochs (default 3)`);
  assert.equal(rows[7], `  ${'--shuffle'.padEnd(30)} shuffle (default true)`);
});
