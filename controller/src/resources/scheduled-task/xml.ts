// The canonical task XML converge registers: every setting it manages written
// out explicitly (the execution time limit and the battery settings above all,
// whose Windows defaults stop a GPU job after 72 hours or when a UPS takes
// over), elements in one fixed order, no registration date, so the same
// manifest always renders the same bytes.
import type { ScheduledTaskSpec, TaskTrigger } from './schema.js';
import { principalXmlId } from './principal.js';
import { modelFromSpec } from './model.js';

export const TASK_NAMESPACE = 'http://schemas.microsoft.com/windows/2004/02/mit/task';
const DAY_ELEMENT: Record<string, string> = { monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday', saturday: 'Saturday', sunday: 'Sunday' };

/** Escape text for an XML element or attribute. */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The task XML for a spec, with an XML declaration (the file converge keeps). */
export function renderTaskXml(spec: ScheduledTaskSpec): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderTaskElement(spec)}`;
}

/**
 * The XML given to Register-ScheduledTask: no declaration, because the Task
 * Scheduler loads a string and refuses a declaration that names another encoding.
 */
export function registrationXml(xml: string): string {
  return xml.replace(/^<\?xml[^>]*\?>\s*/, '');
}

function renderTaskElement(spec: ScheduledTaskSpec): string {
  const m = modelFromSpec(spec);
  const el = (name: string, value: string | number | boolean, indent: string) => `${indent}<${name}>${xmlEscape(String(value))}</${name}>`;
  const lines: string[] = [];
  lines.push(`<Task version="1.2" xmlns="${TASK_NAMESPACE}">`);
  lines.push('  <RegistrationInfo>');
  lines.push(el('Author', 'converge', '    '));
  if (spec.description) lines.push(el('Description', spec.description, '    '));
  lines.push(el('URI', spec.scheduledTask, '    '));
  lines.push('  </RegistrationInfo>');
  lines.push('  <Triggers>');
  for (const t of spec.triggers) lines.push(...triggerLines(t));
  lines.push('  </Triggers>');
  lines.push('  <Principals>');
  lines.push('    <Principal id="Author">');
  if (m.runAs === 'Users') lines.push(el('GroupId', principalXmlId('Users'), '      '));
  else lines.push(el('UserId', m.runAs === 'SYSTEM' ? principalXmlId('SYSTEM') : spec.runAs, '      '));
  if (m.logonType) lines.push(el('LogonType', m.logonType, '      '));
  lines.push(el('RunLevel', m.runLevel, '      '));
  lines.push('    </Principal>');
  lines.push('  </Principals>');
  lines.push('  <Settings>');
  lines.push(el('MultipleInstancesPolicy', m.multipleInstancesPolicy, '    '));
  lines.push(el('DisallowStartIfOnBatteries', m.disallowStartIfOnBatteries, '    '));
  lines.push(el('StopIfGoingOnBatteries', m.stopIfGoingOnBatteries, '    '));
  lines.push(el('AllowHardTerminate', true, '    '));
  lines.push(el('StartWhenAvailable', m.startWhenAvailable, '    '));
  lines.push(el('AllowStartOnDemand', true, '    '));
  lines.push(el('Enabled', spec.enabled !== false, '    '));
  lines.push(el('Hidden', m.hidden, '    '));
  lines.push(el('WakeToRun', m.wakeToRun, '    '));
  lines.push(el('ExecutionTimeLimit', m.executionTimeLimit, '    '));
  if (m.restartOnFailure) {
    lines.push('    <RestartOnFailure>');
    lines.push(el('Interval', m.restartOnFailure.interval, '      '));
    lines.push(el('Count', m.restartOnFailure.count, '      '));
    lines.push('    </RestartOnFailure>');
  }
  lines.push('  </Settings>');
  lines.push('  <Actions Context="Author">');
  lines.push('    <Exec>');
  lines.push(el('Command', spec.command.replace(/\//g, '\\'), '      '));
  if (spec.arguments) lines.push(el('Arguments', spec.arguments, '      '));
  if (spec.workingDirectory) lines.push(el('WorkingDirectory', spec.workingDirectory.replace(/\//g, '\\'), '      '));
  lines.push('    </Exec>');
  lines.push('  </Actions>');
  lines.push('</Task>');
  return lines.join('\n') + '\n';
}

// Trigger children follow the documented triggerBaseType sequence (Enabled,
// StartBoundary, Repetition), then the trigger's own elements.
// A fixed date in the past: calendar triggers need a start boundary, and a
// past one makes the next occurrence the first.
const EPOCH = '2000-01-01';

function triggerLines(t: TaskTrigger): string[] {
  const el = (name: string, value: string | number) => `      <${name}>${xmlEscape(String(value))}</${name}>`;
  if ('boot' in t) {
    return ['    <BootTrigger>', el('Enabled', 'true'), ...(t.boot.delay && t.boot.delay !== 'PT0S' ? [el('Delay', t.boot.delay)] : []), '    </BootTrigger>'];
  }
  if ('logon' in t) {
    return [
      '    <LogonTrigger>',
      el('Enabled', 'true'),
      ...(t.logon.user ? [el('UserId', t.logon.user)] : []),
      ...(t.logon.delay && t.logon.delay !== 'PT0S' ? [el('Delay', t.logon.delay)] : []),
      '    </LogonTrigger>',
    ];
  }
  if ('daily' in t) {
    return [
      '    <CalendarTrigger>',
      el('Enabled', 'true'),
      el('StartBoundary', `${EPOCH}T${seconds(t.daily.at)}`),
      '      <ScheduleByDay>',
      `  ${el('DaysInterval', t.daily.every)}`,
      '      </ScheduleByDay>',
      '    </CalendarTrigger>',
    ];
  }
  if ('weekly' in t) {
    return [
      '    <CalendarTrigger>',
      el('Enabled', 'true'),
      el('StartBoundary', `${EPOCH}T${seconds(t.weekly.at)}`),
      '      <ScheduleByWeek>',
      `  ${el('WeeksInterval', t.weekly.every)}`,
      '        <DaysOfWeek>',
      ...t.weekly.days.map((d) => `          <${DAY_ELEMENT[d]} />`),
      '        </DaysOfWeek>',
      '      </ScheduleByWeek>',
      '    </CalendarTrigger>',
    ];
  }
  return [
    '    <TimeTrigger>',
    el('Enabled', 'true'),
    el('StartBoundary', `${EPOCH}T00:00:00`),
    '      <Repetition>',
    `  ${el('Interval', t.interval.every)}`,
    `  ${el('StopAtDurationEnd', 'false')}`,
    '      </Repetition>',
    '    </TimeTrigger>',
  ];
}

function seconds(at: string): string {
  return at.length === 5 ? `${at}:00` : at;
}
