// Text from outside (a status branch, a report) made safe for a terminal:
// control characters (C0, DEL, C1) and the bidirectional overrides that can
// reorder a line are shown as escapes, never sent to the terminal as-is.

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with every character a terminal would act on written as \xHH or \u{HHHH}. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** JSON for a terminal or a pipe: JSON.stringify escapes C0 controls; this escapes C1 and bidi controls too. */
export function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** What JSON.stringify leaves raw: DEL, C1 and bidi controls (C0 ones it escapes itself; the newlines left are its own). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
