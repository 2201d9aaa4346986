import { readFileSync } from 'node:fs';
import { inFile } from './errors.js';

/**
 * Reads a user-supplied file whole; a missing or unreadable file becomes a `UserError` that names
 * it (`display`, default `path`) instead of a stack trace.
 */
export function readInputFile(path: string, display = path): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inFile(
      display,
      code === 'ENOENT' ? 'file not found' : `cannot read: ${(err as Error).message}`,
    );
  }
}
