import { ConnectorLayoutError, locateConnector16 } from './connector-layout';

describe('locateConnector16', () => {
  it('makes every 1.6 connector an EVSE of its own when no layout was provisioned', () => {
    expect(locateConnector16(2, undefined)).toEqual({ evseId: 2, connectorId: 1 });
  });

  it('places station-wide connector numbers on the EVSEs of the layout', () => {
    expect(locateConnector16(1, [2])).toEqual({ evseId: 1, connectorId: 1 });
    expect(locateConnector16(2, [2])).toEqual({ evseId: 1, connectorId: 2 });
    expect(locateConnector16(3, [1, 2, 1])).toEqual({ evseId: 2, connectorId: 2 });
    expect(locateConnector16(4, [1, 2, 1])).toEqual({ evseId: 3, connectorId: 1 });
  });

  it('refuses a connector the layout does not have', () => {
    expect(() => locateConnector16(3, [2])).toThrow(ConnectorLayoutError);
  });
});
