#!/usr/bin/env python3
"""Render templates with the real ansible-core (its template module), in one playbook run.

Usage: ansible-render.py CASES.json OUTDIR
CASES.json is a list of {"name", "src" (absolute path of the .j2), "vars" (a mapping)}; "vars_yaml" (YAML
text, read as Ansible reads YAML: PyYAML, YAML 1.1) adds vars JSON cannot carry, such as the float 1.0.
Writes OUTDIR/<name> for each case that renders and OUTDIR/<name>.error (Ansible's message)
for each that fails. Needs ansible-playbook (Debian: apt-get install ansible-core).
"""
import json, os, subprocess, sys, tempfile
import yaml

cases = json.load(open(sys.argv[1]))
out = os.path.abspath(sys.argv[2])
os.makedirs(out, exist_ok=True)
work = tempfile.mkdtemp(prefix="ansible-render-")
tasks = []
for c in cases:
    dest = os.path.join(out, c["name"])
    task_vars = dict(c.get("vars", {}), **(yaml.safe_load(c["vars_yaml"]) if "vars_yaml" in c else {}))
    tasks.append({"name": c["name"], "ansible.builtin.template": {"src": c["src"], "dest": dest}, "vars": task_vars, "ignore_errors": True})
play = [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]
book = os.path.join(work, "play.yml")
json.dump(play, open(book, "w"))  # JSON is YAML
env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_HOME=os.path.join(work, "home"), ANSIBLE_LOCAL_TEMP=os.path.join(work, "tmp"),
           ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_RETRY_FILES_ENABLED="0",
           ANSIBLE_PYTHON_INTERPRETER=sys.executable)
r = subprocess.run(["ansible-playbook", "-i", "localhost,", book], env=env, capture_output=True, text=True)
current = None
for line in r.stdout.splitlines():
    if line.startswith("TASK ["):
        current = line[6:line.rindex("]")]
    elif line.startswith("fatal: [localhost]: FAILED! => ") and current:
        detail = line[len("fatal: [localhost]: FAILED! => "):]
        try:
            msg = json.loads(detail).get("msg", detail)
        except ValueError:
            msg = detail
        open(os.path.join(out, current + ".error"), "w").write(str(msg))
if r.returncode not in (0, 2) and not any(f.endswith(".error") for f in os.listdir(out)):
    sys.stderr.write(r.stdout + r.stderr)
    sys.exit(2)
