/** Why a kubectl List could not be read. */
export type InventoryErrorReason = 'not-a-list' | 'wrong-type' | 'duplicate' | 'invalid-digest';

/**
 * A kubectl List that cannot become a cluster snapshot. `path` names the JSON path of the offending
 * value (e.g. `items[3].status.containerStatuses[0].imageID`) so that the person importing can find it.
 */
export class InventoryError extends Error {
  override readonly name = 'InventoryError';

  constructor(
    readonly reason: InventoryErrorReason,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}
