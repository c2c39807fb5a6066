/** Where a 1.6 station-wide connector number sits: its EVSE and its connector within that EVSE. */
export function locateConnector16(connectorId: number, evseLayout: readonly number[] | undefined): { readonly evseId: number; readonly connectorId: number } {
  if (evseLayout === undefined) return { evseId: connectorId, connectorId: 1 };
  let first = 1;
  for (const [index, count] of evseLayout.entries()) {
    if (connectorId < first + count) return { evseId: index + 1, connectorId: connectorId - first + 1 };
    first += count;
  }
  throw new ConnectorLayoutError(connectorId, evseLayout);
}

export class ConnectorLayoutError extends Error {
  override readonly name = 'ConnectorLayoutError';
  constructor(
    readonly connectorId: number,
    readonly evseLayout: readonly number[],
  ) {
    super(`connector ${connectorId} is outside the provisioned layout [${evseLayout.join(', ')}]`);
  }
}
