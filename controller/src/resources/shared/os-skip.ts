// Changes that need a running service manager of another OS, or the real
// system, cannot be made under --root: they are reported with the exact
// command that would run, never faked as done.

/** The `skipped` text for a change that needs `manager` (not touched under --root). */
export function underRoot(manager: string, command: string): string {
  return `needs ${manager}, which --root does not touch; would run: ${command}`;
}
