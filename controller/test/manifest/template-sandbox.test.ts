// The template sandbox, attacked the ways nunjucks and Jinja2 templates are
// known to escape: constructor chains from every value a template can name,
// prototypes, Python's dunder attributes, attributes of functions, and
// templates that loop or allocate forever. Each must fail validation at the
// template with a clear message, and run nothing (the marker stays absent).
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';
import { validateFleet } from '../../src/manifest/fleet.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

const HOST = 'os: linux\nvars:\n  user: mike\n  names: [a, b]\n  conf: { k: v }\n  ratio: 1.0\n';

/** Diagnostics of a host whose one file resource has `content` (a YAML-quoted template). */
function errorsFor(template: string): string[] {
  const fleet = createFleet({
    'hosts/web/host.yml': HOST,
    'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    template: x.j2\n',
    'hosts/web/x.j2': template,
  });
  return validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
}

/** The RCE of the security review: runs `touch marker` if any JavaScript is reachable. */
function payload(receiver: string, marker: string): string {
  const code = `return process.getBuiltinModule('child_process').execSync('touch ${marker}').toString()`;
  return `{{ ${receiver}("${code}")() }}\n`;
}

describe('template sandbox: no way from a template to JavaScript', () => {
  const chains = [
    'range.constructor', 'cycler.constructor', 'joiner.constructor', 'namespace.constructor', 'dict.constructor',
    '"".constructor.constructor', '[].constructor.constructor', '{}.constructor.constructor', '(1).constructor.constructor',
    'true.constructor.constructor', 'vars.constructor.constructor', 'facts.constructor.constructor', 'host.constructor.constructor',
    'vars.names.constructor.constructor', 'vars.conf.items.constructor', '"".upper.constructor', 'range(1).constructor.constructor',
    'vars["constr" ~ "uctor"]["constructor"]', 'vars.__proto__.constructor.constructor', 'vars["__proto__"]["constructor"]["constructor"]',
    'cycler(1).next.constructor', 'joiner().constructor', 'lipsum.__globals__.os.popen', '"".__class__.__mro__[1].__subclasses__',
    'range.__call__', 'range.prototype.constructor', 'range.bind', 'range.call', 'range.apply',
    // Python floats (template-float.ts): a literal, a division, a filter's result, a YAML float in vars.
    '(2.0).constructor.constructor', '(4 / 2).constructor.constructor', '("1" | float).constructor.constructor', 'vars.ratio.constructor.constructor',
    'ratio.toJSON', 'ratio.valueOf', '(1.5 | round).__class__',
  ];
  it.each(chains)('%s(...)() fails validation and runs nothing', (receiver) => {
    const marker = path.join(tempDir('converge-sandbox-'), 'RCE_MARKER');
    const errors = errorsFor(payload(receiver, marker));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hosts\/web\/x\.j2:1:\d+: /);
    expect(errors[0]).toMatch(/cannot be used in a template|has no attributes?|is undefined|not a function a template may call|does not exist/);
    expect(existsSync(marker)).toBe(false);
  });

  it('names the forbidden attribute, at its line', () => {
    const [error] = errorsFor('ok\n{{ range.constructor("return 1")() }}\n');
    expect(error).toMatch(/^hosts\/web\/x\.j2:2:\d+: 'constructor' cannot be used in a template: templates reach data/);
    const [dunder] = errorsFor('{{ "".__class__.__mro__ }}\n');
    expect(dunder).toMatch(/'__class__' cannot be used in a template/);
    const [fn] = errorsFor('{{ range.name }}\n');
    expect(fn).toMatch(/a function has no attributes in a template \(tried 'name'\)/);
  });

  it("reads an Ansible role's private __var, and still no __dunder__ of it", () => {
    const fleet = createFleet({
      'hosts/web/host.yml': 'os: linux\nvars:\n  __site_dir: /etc/site\n',
      'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    template: x.j2\n',
      'hosts/web/x.j2': '{{ __site_dir }} {{ vars.__site_dir }}\n',
    });
    const { diagnostics } = validateFleet(fleet.dir);
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(errorsFor('{{ vars.__defineGetter__ }}\n')[0]).toMatch(/'__defineGetter__' cannot be used in a template/);
    expect(errorsFor('{{ vars.conf.__class__ }}\n')[0]).toMatch(/'__class__' cannot be used in a template/);
  });

  it('refuses a __proto__ key and an assignment to a reserved name', () => {
    expect(errorsFor('{% set x = {"__proto__": vars.names} %}{{ x }}\n')[0]).toMatch(/x\.j2:1:\d+: '__proto__' cannot be a key in a template/);
    expect(errorsFor('{% set __proto__ = range %}{{ constructor }}\n')[0]).toMatch(/'__proto__' cannot be used in a template/);
  });

  it('reaches no JavaScript method of a value, and no global of the JavaScript runtime', () => {
    for (const t of ['{{ "a".toUpperCase() }}', '{{ vars.names.push(1) }}', '{{ constructor("x") }}', '{{ hasOwnProperty("a") }}', '{{ process.exit(1) }}', '{{ globalThis }}', '{{ vars.conf.valueOf() }}']) {
      const errors = errorsFor(`${t}\n`);
      expect(errors, t).toHaveLength(1);
      expect(errors[0], t).toMatch(/x\.j2:1:\d+: /);
    }
  });

  it('keeps attribute paths in filters inside the data (sort, groupby, sum)', () => {
    expect(errorsFor('{{ [range, range] | sort(attribute="constructor") }}\n')[0]).toMatch(/'constructor' cannot be used in a template/);
    expect(errorsFor('{{ [vars.conf] | sum(attribute="__proto__") }}\n')[0]).toMatch(/'__proto__' cannot be used in a template/);
  });

  it('still gives templates the data and the Python methods Jinja2 has', () => {
    expect(errorsFor('{{ vars.names | join(",") }} {{ vars.conf.items() | list | length }} {{ "a,b".split(",") | length }} {{ range(3) | join }}\n')).toEqual([]);
  });
});

describe('template budget: loops and allocations that never end fail at the template', () => {
  it('stops a loop of 10^10 turns (the review repro) with an error, quickly', () => {
    const started = Date.now();
    const errors = errorsFor('v2 {% for a in range(0, 100000) %}{% for b in range(0, 100000) %}{% endfor %}{% endfor %}\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hosts\/web\/x\.j2:1:\d+: the templates took more than 5,000,000 steps/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses range() beyond Jinja2 sandbox limit (the review crash repro)', () => {
    expect(errorsFor('{% set x = range(0, 400000000) %}{{ x | length }}\n')[0]).toMatch(/range\(\) of 400,000,000 items: at most 100,000 in a template/);
  });

  it('stops a string that doubles and a list that grows before they exhaust memory', () => {
    expect(errorsFor('{% set x = "aaaaaaaa" %}{% for i in range(60) %}{% set x = x ~ x %}{% endfor %}{{ x | length }}\n')[0]).toMatch(
      /the templates produced more than \d+ Mi characters or items/,
    );
    expect(errorsFor('{% set l = [] %}{% for i in range(100000) %}{% set _ = l.append(range(100000)) %}{% endfor %}\n')[0]).toMatch(
      /the templates produced more than \d+ Mi characters or items/,
    );
  });

  it('reports a macro that calls itself forever', () => {
    expect(errorsFor('{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}\n')[0]).toMatch(/the template never ends/);
  });

  it('fails `converge validate` with exit 1 and the message, without running the payload', () => {
    const marker = path.join(tempDir('converge-sandbox-'), 'RCE_MARKER');
    const fleet = createFleet({
      'hosts/web/host.yml': HOST,
      'hosts/web/a.yml': `resources:\n  - file: /etc/pwned\n    content: ${JSON.stringify(payload('range.constructor', marker).trim())}\n  - file: /etc/slow\n    content: "{% for a in range(0, 100000) %}{% for b in range(0, 100000) %}{% endfor %}{% endfor %}"\n`,
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/hosts\/web\/a\.yml:3:\d+: template: 'constructor' cannot be used in a template/);
    expect(r.stderr + r.stdout).toMatch(/hosts\/web\/a\.yml:5:\d+: template: the templates took more than/);
    expect(existsSync(marker)).toBe(false);
  });
});
