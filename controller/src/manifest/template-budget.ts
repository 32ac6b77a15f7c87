// A host's templates get a budget: steps (every lookup, call, filter,
// assignment and loop turn counts one), memory (characters and list items
// produced) and wall time. Past it the render stops with an error at the
// template, so a template that loops or allocates forever fails validation
// instead of hanging or crashing the process.

/** Limits for the templates of one host. */
export interface BudgetLimits {
  steps: number;
  /** Characters of strings plus items of lists and mappings produced. */
  units: number;
  /** Wall-clock milliseconds: a backstop (steps are the limit that is the same on every machine). */
  ms: number;
}

/** Enough for any real fleet (the example fleet uses well under 1%); a runaway template reaches it in about a second. */
export const DEFAULT_LIMITS: BudgetLimits = { steps: 5_000_000, units: 64 * 2 ** 20, ms: 20_000 };

/** A template went past its host's budget. */
export class TemplateBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateBudgetError';
  }
}

/** What one host's templates have spent. */
export class Budget {
  steps = 0;
  units = 0;
  private readonly deadline: number;
  exceeded: string | undefined;

  constructor(readonly limits: BudgetLimits = DEFAULT_LIMITS) {
    this.deadline = Date.now() + limits.ms;
  }

  tick(): void {
    if (++this.steps > this.limits.steps) this.fail(`the templates took more than ${this.limits.steps.toLocaleString('en')} steps (a loop that does not end, or too much work for one host)`);
    if ((this.steps & 4095) === 0 && Date.now() > this.deadline) this.fail(`the templates ran longer than ${this.limits.ms / 1000} s`);
  }

  charge(size: number): void {
    this.units += size;
    if (this.units > this.limits.units) this.fail(`the templates produced more than ${(this.limits.units / 2 ** 20).toFixed(0)} Mi characters or items (a value that keeps growing)`);
  }

  private fail(message: string): never {
    this.exceeded ??= message;
    throw new TemplateBudgetError(this.exceeded);
  }
}

let active: Budget | undefined;

/** Run `fn` charging `budget`; a budget already spent fails at once. */
export function withBudget<T>(budget: Budget, fn: () => T): T {
  if (budget.exceeded) throw new TemplateBudgetError(budget.exceeded);
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** Count one step of the active render. */
export function tick(): void {
  active?.tick();
}

/** Charge `n` units before allocating them. */
export function chargeUnits(n: number): void {
  active?.charge(n);
}

/** Charge the size of a value the active render produced. */
export function charge(value: unknown): void {
  if (!active) return;
  if (typeof value === 'string') active.charge(value.length);
  else if (Array.isArray(value)) active.charge(value.length);
  else if (value && typeof value === 'object') active.charge(Object.keys(value).length);
}
