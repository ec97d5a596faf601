import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaults, envName } from '../../src/config/index.js';

function leafPaths(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

  it.each(leafPaths(defaults))('documents %s with its environment variable', (path) => {
    expect(doc).toContain(`| \`${path}\` | \`${envName(path)}\` |`);
  });
});
