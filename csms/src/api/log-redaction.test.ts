import { redactUrl } from './log-redaction';

const digest = (token: string): string => `<${token.length}>`;

describe('a URL as the CSMS logs it', () => {
  it('replaces the id token in the path of the id-token routes by its digest, decoded first', () => {
    expect(redactUrl('/api/id-tokens/04A2B3C4D5E6F7', digest)).toBe('/api/id-tokens/<14>');
    expect(redactUrl('/api/id-tokens/card%2F7%20x', digest)).toBe('/api/id-tokens/<8>');
    expect(redactUrl('/api/id-tokens/04A2/status?x=1', digest)).toBe('/api/id-tokens/<4>/status?x=1');
  });

  it('replaces an id token given as a query parameter, whatever its case', () => {
    expect(redactUrl('/api/sessions?idToken=04A2B3&limit=5&IDTAG=ABCD', digest)).toBe('/api/sessions?idToken=<6>&limit=5&IDTAG=<4>');
  });

  it('leaves every other URL as it is, malformed escapes included', () => {
    expect(redactUrl('/api/chargers/CP-1/commands/Reset', digest)).toBe('/api/chargers/CP-1/commands/Reset');
    expect(redactUrl('/api/id-tokens/', digest)).toBe('/api/id-tokens/');
    expect(redactUrl('/api/id-tokens/%E0%A4%A', digest)).toBe('/api/id-tokens/<8>');
  });
});
