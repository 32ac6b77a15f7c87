// `systemctl show` for many units in one call, parsed leniently: a block of
// Key=value lines per unit, in the order asked, separated by blank lines.

/** What the manager says about one unit. */
export interface UnitState {
  name: string;
  /** loaded | not-found | masked | bad-setting | error; `unknown` when no manager runs (--root). */
  load: string;
  /** active | inactive | failed | activating | deactivating | reloading; `unknown` under --root. */
  active: string;
  sub: string;
  /** enabled | disabled | static | masked | indirect | generated | alias | linked | '' (no unit file). */
  fileState: string;
  /** The unit file changed on disk since the manager read it. */
  needReload: boolean;
  canReload: boolean;
}

/** The properties converge asks for. */
export const SHOW_PROPERTIES = ['Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'NeedDaemonReload', 'CanReload'];

/** The arguments of one `systemctl show` call for `names`. */
export function showArgs(names: readonly string[]): string[] {
  return ['show', `--property=${SHOW_PROPERTIES.join(',')}`, '--', ...names];
}

/** Parse the output of `showArgs(names)`: one state per name, by position. */
export function parseShow(stdout: string, names: readonly string[]): UnitState[] {
  const blocks = stdout.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  if (blocks.length !== names.length) {
    throw new Error(`systemctl show answered ${blocks.length} blocks for ${names.length} units`);
  }
  return blocks.map((block, i) => {
    const props = new Map<string, string>();
    for (const line of block.split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
    }
    return {
      name: names[i]!,
      load: props.get('LoadState') || 'unknown',
      active: props.get('ActiveState') || 'unknown',
      sub: props.get('SubState') ?? '',
      fileState: props.get('UnitFileState') ?? '',
      needReload: props.get('NeedDaemonReload') === 'yes',
      canReload: props.get('CanReload') === 'yes',
    };
  });
}

/** Running, as converge means it: active, or on its way there. */
export function isRunning(state: UnitState): boolean {
  return state.active === 'active' || state.active === 'activating' || state.active === 'reloading';
}

const ENABLED_LIKE = new Set(['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'generated', 'linked', 'linked-runtime']);

/** True when enabling would change nothing: enabled, or a unit that cannot be enabled itself (static, generated…). */
export function isEnabledLike(fileState: string): boolean {
  return ENABLED_LIKE.has(fileState);
}

/** True when disabling would change nothing. */
export function isDisabledLike(fileState: string): boolean {
  return fileState === 'disabled' || fileState === 'static' || fileState === 'masked' || fileState === '' || fileState === 'indirect' || fileState === 'generated';
}
