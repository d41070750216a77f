/**
 * One small error hierarchy. Keras raises Python's ValueError / TypeError / NotImplementedError; each
 * maps to a class here with the same `kerasClass`, so a golden's expected exception can be matched.
 */
export class KerasParityError extends Error {
  /** The Python exception class Keras raises for the same condition. */
  readonly kerasClass: string = 'Exception';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Keras's `ValueError`: an argument has the right type but a bad value. */
export class KerasValueError extends KerasParityError {
  override readonly kerasClass = 'ValueError';
}

/** Keras's (Python's) `TypeError`: wrong type, unknown keyword, missing or repeated argument. */
export class KerasTypeError extends KerasParityError {
  override readonly kerasClass = 'TypeError';
}

/** Python's `IndexError`, which Keras raises from its own code for an axis past the rank. */
export class KerasIndexError extends KerasParityError {
  override readonly kerasClass = 'IndexError';
}

/** Python's `ZeroDivisionError`, raised by Keras's own arithmetic on an argument (normalize's 1/epsilon). */
export class KerasZeroDivisionError extends KerasParityError {
  override readonly kerasClass = 'ZeroDivisionError';
}

/** `RuntimeError`: what XLA raises for a conv padding it does not know. */
export class KerasRuntimeError extends KerasParityError {
  override readonly kerasClass = 'RuntimeError';
}

/** Keras's `NotImplementedError`: the option exists but Keras-on-JAX does not implement it. */
export class KerasNotImplementedError extends KerasParityError {
  override readonly kerasClass = 'NotImplementedError';
}

/** Valid in Keras, but this backend or this library cannot represent it (a dtype, sparse output). */
export class UnsupportedError extends KerasParityError {
  override readonly kerasClass = 'NotImplementedError';
}

/** A backend that cannot start, with the cause as data, so that no caller has to parse the message. */
export class BackendUnavailableError extends KerasParityError {
  override readonly kerasClass = 'RuntimeError';
  constructor(
    /** Why: the cause its factory gave, or why there is no backend at all. */
    readonly reason: string,
    /** The backend that could not start; absent when none is registered. */
    readonly backend?: string,
  ) {
    super(backend === undefined ? reason : `Backend ${backend} is unavailable: ${reason}`);
  }
}
