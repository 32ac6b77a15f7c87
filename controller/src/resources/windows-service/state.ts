// A service's state as Windows reports it. Windows PowerShell 5.1's
// ConvertTo-Json writes enums as numbers (Status 4, StartType 2); converge's
// own script sends names. Both are read.

export type StartMode = 'automatic' | 'delayed' | 'manual' | 'disabled' | 'boot' | 'system';

export interface ServiceState {
  found: boolean;
  name?: string;
  status?: string;
  startMode?: StartMode;
}

const STATUS = ['', 'Stopped', 'StartPending', 'StopPending', 'Running', 'ContinuePending', 'PausePending', 'Paused'];
const START = ['Boot', 'System', 'Automatic', 'Manual', 'Disabled'];

/** Read one service from Get-Service output (converge's script or a plain ConvertTo-Json of Get-Service). */
export function serviceState(raw: Record<string, unknown> | null | undefined): ServiceState {
  if (!raw || raw.found === false) return { found: false };
  const status = typeof raw.status === 'number' || typeof raw.Status === 'number' ? STATUS[Number(raw.status ?? raw.Status)] : String(raw.status ?? raw.Status ?? '');
  const start = raw.startType ?? raw.StartType;
  const startName = typeof start === 'number' ? START[start] : String(start ?? '');
  const delayed = raw.delayed === true;
  const startMode = ((): StartMode | undefined => {
    switch (startName.toLowerCase()) {
      case 'automatic':
        return delayed ? 'delayed' : 'automatic';
      case 'manual':
        return 'manual';
      case 'disabled':
        return 'disabled';
      case 'boot':
        return 'boot';
      case 'system':
        return 'system';
      default:
        return undefined;
    }
  })();
  return { found: true, name: String(raw.name ?? raw.Name ?? raw.ServiceName ?? ''), status: status || undefined, ...(startMode ? { startMode } : {}) };
}

/** The `sc.exe config NAME start= …` value for a start mode. */
export function scStartValue(mode: 'automatic' | 'delayed' | 'manual' | 'disabled'): string {
  return { automatic: 'auto', delayed: 'delayed-auto', manual: 'demand', disabled: 'disabled' }[mode];
}
