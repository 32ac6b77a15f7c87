// Templates we wrote, one or more per construct and filter, rendered by
// converge and by the real ansible-core (its template module, one playbook for
// all of them, at test time): the bytes must be identical.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { loadHost } from '../../src/manifest/load-host.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

const ANSIBLE = runs('ansible-playbook');
const VARS = {
  port: 8080, enabled: true, off: false, nothing: null, name: 'web', ratio: 1.5,
  users: ['ann', 'bob'], empty: [], map: { b: 2, a: 'x: y', c: [1, 'yes'] }, emptymap: {},
  servers: [{ name: 'a', port: 1, on: true }, { name: 'b', port: 2, on: false }],
  text: 'line one\nline two\n', version: '1.4.2', count: 3,
};

// name → template text (each a file we wrote for this test).
const CASES: Record<string, string> = {
  print: '{{ enabled }} {{ off }} [{{ nothing }}] {{ port }} {{ ratio }} {{ users }} {{ map }} {{ servers[0] }}\n',
  truth: '{% if empty %}e{% endif %}{% if emptymap %}m{% endif %}{% if users %}u{% endif %}{{ empty or "dflt" }} {{ users and "both" }} {{ not empty }}\n',
  operators: '{{ users + ["cy"] }} {{ map == {"b": 2, "a": "x: y", "c": [1, "yes"]} }} {{ emptymap == {} }} {{ 1 < count < 5 }} {{ "%s:%05d" % (name, port) }} {{ "ab" * 2 }} {{ 7 // 2 }} {{ -7 % 3 }} {{ "a" ~ 1 ~ enabled }}\n',
  loops: '{% for u in users %}\n{{ loop.index }}/{{ loop.length }} {{ u }}{% if not loop.last %},{% endif %}\n{% endfor %}\n{% for k, v in map | dictsort %}\n{{ k }}={{ v }}\n{% endfor %}\n{% for s in servers if s.on %}\n{{ s.name }}\n{% endfor %}\n{% for (k, v) in map.items() %}{{ k }} {% endfor %}\n',
  scoping: '{% set total = 0 %}{% for s in servers %}{% set total = total + s.port %}{% endfor %}{{ total }}\n{% set ns = namespace(total=0) %}{% for s in servers %}{% set ns.total = ns.total + s.port %}{% endfor %}{{ ns.total }}\n',
  whitespace: '{# a comment #}\nstart\n{% if enabled %}\n  on\n{% endif %}\n  {% if off %}no{% endif %}\nend\n\n\n',
  noNewline: 'no newline at the end {{ name }}',
  header: '#jinja2: lstrip_blocks: True\nlist:\n    {% for u in users %}\n    - {{ u }}\n    {% endfor %}\n',
  undefinedOk: '{{ missing | default("d") }} {{ missing is defined }} {{ map.nope is defined }} {{ missing.deeper | default(1) }} {{ nothing | default("x") }} {{ "" | default("e", true) }}\n',
  methods: '{{ map.items() | list | length }} {{ map.get("a") }} {{ map.get("zz", "none") }} {{ map.keys() | list | sort }} {{ "a,b,,c".split(",") }} {{ " x ".strip() }} {{ "web".startswith("we") }} {{ "{}-{}".format(name, port) }} {{ name.upper() }} {{ "a-b".replace("-", "_") }} {{ "\\n".join(users) }}\n',
  slices: '{{ users[1:] }} {{ name[::-1] }} {{ users[-1] }} {{ name[0] }}\n',
  tests: '{{ version is version("1.10", "<") }} {{ version is version("1.4", ">=") }} {{ enabled is sameas true }} {{ count is divisibleby 3 }} {{ map is mapping }} {{ users is iterable }} {{ name is string }} {{ port is number }} {{ "ab" is match("a") }} {{ nothing is none }} {{ name is not none }} {{ enabled is true }}\n',
  filtersJinja: '{{ users | join(", ") }} {{ servers | map(attribute="name") | join("/") }} {{ servers | join(",", attribute="port") }} {{ servers | selectattr("on") | map(attribute="name") | list }} {{ servers | rejectattr("port", "gt", 1) | list | length }} {{ [3, 1, 2] | sort }} {{ [3, 1, 2] | max }} {{ ["b", "A"] | min }} {{ [1, 1, 2] | unique | list }} {{ "%s=%s" | format("k", 2) }} {{ users | first }} {{ users | last }} {{ map | length }} {{ "x" | center(5) }}|\n',
  indent: 'a:\n  {{ text | indent(2) }}\nb:\n{{ text | indent(4, true) }}|{{ "x\\n\\ny" | indent(2, blank=true) }}|\n',
  filtersAnsible: '{{ "managed" | comment }}\n{{ "c style" | comment("c") }}\n{{ 1 | bool }} {{ "yes" | bool }} {{ "off" | bool }} {{ 2 | bool }} {{ "a b\'c" | quote }} {{ "plain" | quote }} {{ users | difference(["bob"]) }} {{ map | dict2items | length }} {{ [{"key": "k", "value": 1}] | items2dict }} {{ users | type_debug }} {{ map | type_debug }} {{ "x" | hash("sha1") }} {{ {"a": {"b": 1} } | combine({"a": {"c": 2} }, recursive=true) }} {{ {"a": 1} | combine({"a": 2}) }} {{ enabled | ternary("on", "off") }} {{ "a.b.c" | regex_replace("\\\\.", "-") }}\n',
  json: '{{ map | to_json }}\n{{ map | to_nice_json }}\n{{ servers | to_json }}\n',
  yaml: '{{ map | to_nice_yaml }}{{ servers | to_nice_yaml }}{{ {"plain": "ok", "num": "123", "bool": "no", "colon": "a: b", "empty": "", "list": []} | to_nice_yaml }}',
  ansibleNames: '{{ inventory_hostname }}\n',
};

// Python floats (`2.0` is not `2`): vars written in YAML, as a host.yml has them, since JSON cannot say 1.0.
const FLOAT_VARS = '{ratio: 1.0, big: 1.0e+3, half: "{{ 4 / 2 }}", floats: [1.0, 2.5], conf: {a: 2.0, b: 1}, small: 0.00001}';
const FLOAT_CASES: Record<string, string> = {
  floatArith: '{{ 4 / 2 }} {{ 10 / 4 }} {{ 1e20 / 1 }} {{ 7 // 2 }} {{ 7.0 // 2 }} {{ -(2.0) }} {{ 2.0 + 1 }} {{ 5 - 2.0 }} {{ 2.0 * 3 }} {{ 2 ** -1 }} {{ 2 ** 3 }} {{ 7.5 % 2 }} {{ -7.5 % 2 }} {{ 2.0 == 2 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 1.5e-3 }} {{ 2.0 > 1 }} {{ -0.0 }}\n',
  floatPrint: '{{ [1.0] }} {{ {"a": 2.0} }} {{ ratio }} {{ big }} {{ half }} {{ floats }} {{ conf }} {{ small }} {{ ratio ~ "" }} {{ "%s" % 2.0 }} {{ "%d" % 2.0 }} {{ "%.2f" % ratio }} {{ "{}".format(2.0) }}\n',
  floatFilters: '{{ 3 | float }} {{ "2.50" | float }} {{ "x" | float }} {{ 3 | round }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 2.5 | round(method="ceil") }} {{ 3.0 | int }} {{ [1.0, 2] | max }} {{ [1.0, 2] | min }} {{ floats | sum }} {{ [1, 2] | sum }} {{ -2.0 | abs }} {{ ratio | type_debug }} {{ 2 | type_debug }} {{ (4 / 2) | type_debug }} {{ ratio | string }}\n',
  floatTests: '{{ ratio is float }} {{ ratio is number }} {{ 2 is float }} {{ ratio is integer }} {{ 2 is integer }} {{ (4 / 2) is float }}\n',
  floatJson: '{{ {"a": 1.0} | to_json }} {{ conf | to_json }} {{ [1e20, 0.5, 2] | to_json }} {{ ratio | to_nice_json }} {{ {"b": 1.0, "a": "<x & \'y\'>"} | tojson }}\n',
  floatParse: '{{ \'{"a": 1.0, "b": [2, 1e3], "c": "1.5"}\' | from_json }} {{ "a: 1.0\\nb: 1e3\\nc: [2, .5]" | from_yaml }} {{ 1.0 | bool }} {{ ratio | bool }} {{ 2.0 | bool }}\n',
  floatYaml: '{{ {"a": 2.0, "b": 1e20, "c": [1.5, 3], "r": ratio} | to_nice_yaml }}{{ conf | to_yaml }}',
};

describeWith(ANSIBLE)('templates render byte for byte as ansible-core renders them', () => {
  // One folder for the whole suite (one playbook renders every case), removed after it.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'converge-ansible-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const theirs = path.join(dir, 'ansible');
  const fleet = path.join(dir, 'fleet');
  beforeAll(() => {
    requireComponent(ANSIBLE, 'ansible-playbook', 'apt-get install ansible-core');
    mkdirSync(path.join(fleet, 'tpl'), { recursive: true });
    const cases = Object.entries({ ...CASES, ...FLOAT_CASES }).map(([name, text]) => {
      writeFileSync(path.join(fleet, 'tpl', `${name}.j2`), text);
      const floats = name in FLOAT_CASES ? { vars_yaml: FLOAT_VARS } : {};
      return { name, src: path.join(fleet, 'tpl', `${name}.j2`), vars: { ...VARS, inventory_hostname: name }, ...floats };
    });
    writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    execFileSync('python3', [path.join(PROJECT_ROOT, 'bench/templates/ansible-render.py'), path.join(dir, 'cases.json'), theirs], { stdio: 'pipe', timeout: 600_000 });
    for (const name of [...Object.keys(CASES), ...Object.keys(FLOAT_CASES)]) {
      mkdirSync(path.join(fleet, 'hosts', name.toLowerCase()), { recursive: true });
      writeFileSync(path.join(fleet, 'hosts', name.toLowerCase(), 'host.yml'), `os: linux\nvars: ${name in FLOAT_CASES ? FLOAT_VARS : JSON.stringify(VARS)}\n`);
      writeFileSync(path.join(fleet, 'hosts', name.toLowerCase(), 'a.yml'), `resources:\n  - file: /out\n    template: ../../tpl/${name}.j2\n`);
    }
  }, 600_000);

  it.each([...Object.keys(CASES), ...Object.keys(FLOAT_CASES)])('%s', (name) => {
    const error = path.join(theirs, `${name}.error`);
    expect(existsSync(error) ? readFileSync(error, 'utf8') : '', 'ansible renders it').toBe('');
    const expected = readFileSync(path.join(theirs, name), 'utf8');
    const { host, diagnostics } = loadHost(fleet, name.toLowerCase());
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    const content = host!.resources.find((r) => r.type === 'file')!.spec.content;
    expect(content).toBe(name === 'ansibleNames' ? expected.replace(name, name.toLowerCase()) : expected);
  });
});
