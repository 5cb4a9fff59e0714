// The error a promise rejects with, checked for its class, for tests that then look at its kind,
// message and hint.
import * as assert from 'uvu/assert';

/** Awaits `p`, asserts that it rejects with an instance of `type`, and returns that error. */
export async function rejection<E>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, type, String(err));
    return err as E;
  }
  assert.unreachable(`expected a ${type.name}`);
  throw new Error('unreachable');
}
