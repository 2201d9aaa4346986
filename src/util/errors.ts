/** Where a {@link UserError} points: the file and the field of it that is wrong. */
export interface UserErrorDetails {
  /** The file as shown in the message (`hardware-configs/x.json`); absent for an option. */
  file?: string;
  /** The field, dotted with indices (`energy.sopEnergyPj`, `layers[2].kind`). */
  field?: string;
}

/**
 * An error caused by the user's input (a file, a field, an option). The CLI prints its message
 * as one line, without a stack trace, and exits with code 2; a library caller catches it and
 * reads `file` and `field`. Messages name the file and the field:
 * `models/x.json: layers[2].kind: unknown layer type "lstm"`.
 */
export class UserError extends Error {
  /** The file the problem is in, or undefined when it is not in a file (an option). */
  readonly file: string | undefined;
  /** The field the problem is at, or undefined when the message names none. */
  readonly field: string | undefined;

  constructor(message: string, details: UserErrorDetails = {}) {
    super(message);
    this.name = 'UserError';
    this.file = details.file;
    this.field = details.field;
  }
}

/** A field path at the start of a message (`chip.meshWidth: ...`, `layers[0].kernel: ...`). */
const FIELD_PREFIX = /^([A-Za-z_$][\w$]*(?:\[\d+\])*(?:\.[A-Za-z_$][\w$]*(?:\[\d+\])*)*): /;

/** The field a message starts with (`energy.sopEnergyPj: expected number`), if any. */
export function leadingField(message: string): string | undefined {
  return FIELD_PREFIX.exec(message)?.[1];
}

/**
 * Prefixes a message with the file it concerns; the field is the path the message starts with
 * (`inFile('m.json', 'classes: 3 class names ...')` has field `classes`), or `field` if given.
 */
export function inFile(file: string, message: string, field?: string): UserError {
  const at = field ?? leadingField(message);
  return new UserError(`${file}: ${message}`, at === undefined ? { file } : { file, field: at });
}
