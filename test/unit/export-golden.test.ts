// Every format's output for one fixture app, compared with reviewed golden files in test/golden/export.
// UPDATE_GOLDEN=1 rewrites them (then review the diff like code).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportFiles, FORMAT_NAMES, FORMATS } from '../../src/export/registry.js';
import type { ExportFile } from '../../src/export/types.js';
import { fixtureInput } from '../fixtures/export-app/input.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GOLDEN = path.join(ROOT, 'test/golden/export');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

function writeGolden(dir: string, files: readonly ExportFile[]): void {
  rmSync(dir, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.content);
  }
}

describe('golden files', () => {
  it.each(FORMAT_NAMES)('%s matches test/golden/export/%s', (format) => {
    const files = exportFiles(format, fixtureInput(FORMATS[format].container));
    const dir = path.join(GOLDEN, format);
    if (process.env.UPDATE_GOLDEN === '1') writeGolden(dir, files);
    expect(files.map((f) => f.path).sort()).toEqual(listFiles(dir).sort());
    for (const file of files) expect(file.content, file.path).toBe(readFileSync(path.join(dir, file.path), 'utf8'));
  });
});
