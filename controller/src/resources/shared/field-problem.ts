// An error from a type's prepare that names the field it is about, so the
// diagnostic points at that field's line in the manifest.

/** A load-time problem with one field of a resource. */
export class FieldProblem extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'FieldProblem';
  }
}
