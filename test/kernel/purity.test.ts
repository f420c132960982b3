// DESIGN §2-3: the emulated machine is pure. No I/O, no clock, no randomness, no UI, nothing of the upper layers.
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect, test} from 'vitest';

const KERNEL = join(import.meta.dirname, '..', '..', 'source', 'kernel');

function files(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

test('source/kernel imports nothing outside itself and reads no clock or randomness', () => {
  const slips: string[] = [];
  for (const f of files(KERNEL)) {
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const bad =
          /from ['"](react|ink|node:|fs|path|os|child_process|yaml|meow|immer)/.test(line) ||
          /from ['"](\.\.\/)+(ui|session|workloads|scenario|live)\//.test(line) ||
          /\bDate\.now|new Date\(|Math\.random|performance\.now|console\.|process\./.test(line);
        if (bad) slips.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(files(KERNEL).length).toBeGreaterThan(5);
  expect(slips).toEqual([]);
});
