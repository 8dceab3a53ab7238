// scripts/gpu-bundle.mjs packs only the packages the GPU check loads and
// everything they need: the closure of RUNTIME_PACKAGES over node_modules
// is closed (every installed dependency of a member is a member) and holds
// none of the large packages the check does not load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';

const { packageClosure, RUNTIME_PACKAGES } = (await import(join(REPO_ROOT, 'scripts', 'gpu-bundle.mjs'))) as {
  packageClosure(names: string[]): string[];
  RUNTIME_PACKAGES: string[];
};

test("the bundle's node_modules: the run's packages and all their dependencies, nothing else", () => {
  const closure = packageClosure(RUNTIME_PACKAGES);
  for (const name of ['node-gyp', 'node-addon-api', 'sharp', 'protobufjs']) assert.ok(closure.includes(name), name);
  for (const name of closure) {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
    for (const dep of deps) if (existsSync(join(REPO_ROOT, 'node_modules', dep, 'package.json'))) assert.ok(closure.includes(dep), `${name} needs ${dep}`);
  }
  for (const name of ['typescript', 'onnxruntime-node', 'onnxruntime-web', 'playwright-core']) assert.ok(!closure.includes(name), name);
});
