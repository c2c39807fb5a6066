import { formatKwh, formatOcmfTime, parseOcmf } from './ocmf';

describe('OCMF text', () => {
  it('writes watt-hours as kWh with exactly three decimals', () => {
    expect([0, 5, 1_000, 12_340, 2_935_600].map(formatKwh)).toEqual(['0.000', '0.005', '1.000', '12.340', '2935.600']);
  });

  it('writes time in UTC with milliseconds after a comma and the synchronised status', () => {
    expect(formatOcmfTime(Date.parse('2018-07-24T13:22:04.007Z'))).toBe('2018-07-24T13:22:04,007+0000 S');
  });

  it('rejects text that is not header, payload and signature', () => {
    expect(() => parseOcmf('OCMF|{}')).toThrow(expect.objectContaining({ name: 'OcmfFormatError' }));
    expect(() => parseOcmf('XYZ|{}|{"SD":"00"}')).toThrow(expect.objectContaining({ name: 'OcmfFormatError' }));
    expect(() => parseOcmf('OCMF|{}|{}')).toThrow(expect.objectContaining({ name: 'OcmfFormatError' }));
  });
});
