// Output for people: colour on a TTY (and never with NO_COLOR), plain otherwise.
import process from 'node:process';
import { styleText } from 'node:util';

type Style = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'dim';

/** Writes lines to a stream, with colour when it is a terminal. */
export class Printer {
  readonly color: boolean;
  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    this.color = Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  }

  style(text: string, ...styles: Style[]): string {
    if (!this.color) return text;
    return styles.reduce((t, s) => styleText(s, t), text);
  }

  line(text = ''): void {
    this.stream.write(text + '\n');
  }
}

/** A progress line on stderr for long work, only on a terminal. */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly enabled = Boolean(process.stderr.isTTY);

  update(done: number, total: number, label: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    const text = `[${done}/${total}] ${label}`;
    process.stderr.write(`\r\x1b[2K${text.length > 100 ? text.slice(0, 99) + '…' : text}`);
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}
