// Path rules of the managed host's OS, whatever OS runs the code.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { hostPaths, leavesBase } from '../../src/platform/paths.js';

describe('POSIX hosts', () => {
  const linux = hostPaths('linux', 'mike');
  const mac = hostPaths('macos', 'mike');
  it('normalise, expand ~ per OS and map under a root', () => {
    expect(linux.normalize('/etc//netdata/./x/../netdata.conf')).toBe('/etc/netdata/netdata.conf');
    expect(linux.normalize('/srv/')).toBe('/srv');
    expect(linux.normalize('~/flux')).toBe('/home/mike/flux');
    expect(mac.normalize('~/.mkt/flux')).toBe('/Users/mike/.mkt/flux');
    expect(hostPaths('linux', 'root').normalize('~')).toBe('/root');
    expect(linux.toLocal('/etc/x', '/tmp/sandbox')).toBe('/tmp/sandbox/etc/x');
    expect(linux.isWithin('/etc/netdata/x', '/etc/netdata')).toBe(true);
    expect(linux.isWithin('/etc/netdata2', '/etc/netdata')).toBe(false);
  });
  it('refuse relative paths and ~ without vars.user', () => {
    expect(() => linux.normalize('etc/x')).toThrow("'etc/x' is not an absolute linux path");
    expect(() => hostPaths('linux').normalize('~/x')).toThrow("'~/x' uses ~, which means the home of the host's vars.user, but vars.user is not set");
  });
});

describe('paths written in manifests (canonical)', () => {
  it('keep a path in normal form and refuse any other spelling, showing the normal one, per OS', () => {
    const linux = hostPaths('linux', 'mike');
    const win = hostPaths('windows', 'mike');
    expect(linux.canonical('/')).toBe('/');
    expect(linux.canonical('~/flux')).toBe('/home/mike/flux');
    expect(() => linux.canonical('~/')).toThrow("'~/' is not in normal form (it has a trailing slash): write ~");
    expect(() => linux.canonical('/etc/a/./b')).toThrow("(it has a '.' component): write /etc/a/b");
    expect(() => linux.canonical('etc/x')).toThrow("'etc/x' is not an absolute linux path");
    expect(win.canonical('c:\\Tools\\bin')).toBe('C:/Tools/bin');
    expect(win.canonical('X:')).toBe('X:/');
    expect(() => win.canonical('C:\\a\\\\b')).toThrow('(it has a doubled slash): write C:/a/b');
    expect(() => win.canonical('~\\x\\..\\y')).toThrow("(it has a '..' component): write ~/y");
  });
});

describe('Windows hosts (on any machine)', () => {
  const win = hostPaths('windows', 'mike');
  it('normalise drive-letter paths with forward slashes', () => {
    expect(win.normalize('c:\\ProgramData\\converge\\config.yml')).toBe('C:/ProgramData/converge/config.yml');
    expect(win.normalize('X:')).toBe('X:/');
    expect(win.normalize('S:/devices/')).toBe('S:/devices');
    expect(win.normalize('~/Documents')).toBe('C:/Users/mike/Documents');
    expect(win.dirname('C:/ProgramData')).toBe('C:/');
    expect(() => win.normalize('/etc/x')).toThrow("'/etc/x' is not an absolute windows path (like C:/ProgramData/converge/x, or ~/x)");
  });
  it('refuse names Windows cannot hold: reserved characters, a trailing dot or space, device names', () => {
    expect(() => win.normalize('C:/ProgramData/a:b')).toThrow("'C:/ProgramData/a:b' is not a path Windows can hold: 'a:b' contains ':', which no Windows file name may");
    expect(() => win.normalize('C:/x<y>/z')).toThrow("'x<y>' contains '<'");
    expect(() => win.normalize('C:/logs./x')).toThrow("'logs.' ends with a dot, which Windows drops from a name");
    expect(() => win.normalize('C:/tmp/nul.txt')).toThrow("'nul.txt' is a reserved device name on Windows");
    expect(win.normalize('C:/Program Files (x86)/a.b/console.log')).toBe('C:/Program Files (x86)/a.b/console.log');
  });
  it('compare case-insensitively and map drives under a root', () => {
    expect(win.key('C:/ProgramData/X')).toBe(win.key('c:/programdata/x'));
    expect(win.isWithin('C:/ProgramData/vllm/config.yaml', 'c:/programdata')).toBe(true);
    expect(win.toLocal('C:/ProgramData/vllm/config.yaml', '/tmp/root')).toBe('/tmp/root/C/ProgramData/vllm/config.yaml');
    expect(() => win.toLocal('C:/x', '/')).toThrow('is a Windows path: on this machine it can only be planned or applied under --root');
  });
});

describe('leavesBase (a relative path of this machine)', () => {
  it('is true for a path out of the base and false for a name that only starts with ..', () => {
    const rel = (to: string): string => path.relative('/repo', to);
    expect(leavesBase(rel('/'))).toBe(true);
    expect(leavesBase(rel('/repo2/x'))).toBe(true);
    expect(leavesBase(rel('/etc/passwd'))).toBe(true);
    expect(leavesBase(rel('/repo/..notes/x.j2'))).toBe(false);
    expect(leavesBase(rel('/repo/hosts/...'))).toBe(false);
    expect(leavesBase(rel('/repo'))).toBe(false);
  });
});
