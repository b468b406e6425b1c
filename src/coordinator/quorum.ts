/**
 * The quorum: how many usable answers make a complete result. A client may set it
 * (`min_responses`); otherwise it is a strict majority of the workers asked. Below it the result
 * is still returned, marked partial.
 */

/** A strict majority of `count`: 2 of 3, 3 of 4. */
export function majorityOf(count: number): number {
  return Math.floor(count / 2) + 1;
}

export function quorumFor(asked: number, minResponses: number | undefined): number {
  return minResponses ?? majorityOf(asked);
}

export function isPartial(answered: number, quorum: number): boolean {
  return answered < quorum;
}
