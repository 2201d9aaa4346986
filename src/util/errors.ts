/**
 * An error caused by the user's input (a file, a field, an option). The CLI prints its message
 * as one line, without a stack trace, and exits with a non-zero code. Messages name the file and
 * the field: `models/x.json: layers[2].kind: unknown layer type "lstm"`.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Prefixes a message with the file it concerns. */
export function inFile(file: string, message: string): UserError {
  return new UserError(`${file}: ${message}`);
}
