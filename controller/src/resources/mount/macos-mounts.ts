// The mount table as macOS prints it:
//   //mike@motoko.pangolin-vega.ts.net/flux on /Users/mike/.mkt/flux (smbfs, nodev, nosuid, mounted by mike)

export interface MacMount {
  device: string;
  point: string;
  fstype: string;
  options: string[];
  mountedBy?: string;
}

/** Parse `/sbin/mount` output (a mount point may contain spaces; the options are the last parenthesis). */
export function parseMacMounts(text: string): MacMount[] {
  const out: MacMount[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*?) on (.*) \(([^()]*)\)\s*$/.exec(line.trim());
    if (!m) continue;
    const parts = m[3]!.split(',').map((s) => s.trim());
    const by = parts.find((p) => p.startsWith('mounted by '));
    out.push({ device: m[1]!, point: m[2]!, fstype: parts[0]!, options: parts.slice(1).filter((p) => !p.startsWith('mounted by ')), ...(by ? { mountedBy: by.slice('mounted by '.length) } : {}) });
  }
  return out;
}

/** //user@server/share → server/share in lower case (what identifies the share). */
export function shareKey(device: string): string {
  return device.replace(/^smb:/i, '').replace(/^\/\/([^@/]*@)?/, '').replace(/\/+$/, '').toLowerCase();
}
