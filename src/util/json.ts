/**
 * Strict JSON for files ttfsim reads from users: syntax errors are reported by line and column
 * only, never with a piece of the text (JSON.parse's messages quote the input, which would echo
 * whatever file a path points at), and objects with the same key twice are refused (JSON.parse
 * silently keeps the last one). The syntax check is jsonc-parser's scanner with comments and
 * trailing commas disallowed; the value itself then comes from JSON.parse.
 */
import { type ParseErrorCode, printParseErrorCode, visit } from 'jsonc-parser';

/** A JSON syntax error or duplicate key; the message holds a position, never file content. */
export class JsonFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonFileError';
  }
}

const WORDS: Partial<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a field name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the end',
  InvalidCommentToken: 'comments are not allowed',
  UnexpectedEndOfComment: 'comments are not allowed',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape',
  InvalidCharacter: 'control character in a string',
};

function describe(code: ParseErrorCode): string {
  const name = printParseErrorCode(code);
  return WORDS[name] ?? name;
}

/**
 * Parses `text` as strict JSON. Throws {@link JsonFileError}: `line 3, column 7: expected ","`
 * or `line 1, column 2: duplicate key "a.weight"` (the key is shown, it is a name, not content
 * that could be anything: at most 80 characters of it).
 */
export function parseJsonStrict(text: string): unknown {
  let error: string | null = null;
  const keys: Set<string>[] = [];
  const at = (line: number, col: number) => `line ${line + 1}, column ${col + 1}`;
  visit(
    text,
    {
      onObjectBegin: () => {
        keys.push(new Set());
      },
      onObjectEnd: () => {
        keys.pop();
      },
      onObjectProperty: (name, _offset, _length, line, col) => {
        const seen = keys[keys.length - 1];
        if (seen === undefined || error !== null) return;
        if (seen.has(name)) {
          const shown = name.length > 80 ? `${name.slice(0, 80)}...` : name;
          error = `${at(line, col)}: duplicate key ${JSON.stringify(shown)}`;
        }
        seen.add(name);
      },
      onError: (code, _offset, _length, line, col) => {
        error ??= `${at(line, col)}: ${describe(code)}`;
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  if (error !== null) throw new JsonFileError(error);
  try {
    return JSON.parse(text);
  } catch {
    throw new JsonFileError('not valid JSON');
  }
}
