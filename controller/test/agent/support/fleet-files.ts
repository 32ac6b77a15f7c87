// A small fleet for agent tests: two hosts sharing a role, files with content
// a test can check and change.

/** hosts/ files: `web` and `db`, both with the `base` role; web's greeting is `greeting`. */
export function smallFleet(greeting = 'hello'): Record<string, string> {
  return {
    'hosts/_roles/base/base.yml': ['resources:', '  - directory: /etc/app', '    mode: "0755"', '  - file: /etc/app/motd', '    content: "managed by converge on {{ host.name }}\\n"', '    mode: "0644"', ''].join('\n'),
    'hosts/web/host.yml': ['os: linux', 'roles: [base]', 'vars:', `  greeting: ${greeting}`, 'prune: true', ''].join('\n'),
    'hosts/web/app.yml': ['resources:', '  - file: /etc/app/app.conf', '    template: files/app.conf.njk', '    mode: "0640"', ''].join('\n'),
    'hosts/web/files/app.conf.njk': 'greeting = {{ vars.greeting }}\nhost = {{ host.name }}\n',
    'hosts/db/host.yml': ['os: linux', 'roles: [base]', ''].join('\n'),
    'README.md': 'not for the agent: outside the sparse checkout\n',
  };
}

/** The change a test "merges": a new greeting for web. */
export function greeting(text: string): Record<string, string> {
  return { 'hosts/web/host.yml': ['os: linux', 'roles: [base]', 'vars:', `  greeting: ${text}`, 'prune: true', ''].join('\n') };
}
