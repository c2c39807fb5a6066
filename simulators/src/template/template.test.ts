import { listTemplates, loadTemplate, parseTemplate } from './template';

describe('charger templates', () => {
  it('loads every bundled template', () => {
    expect(listTemplates()).toEqual(expect.arrayContaining(['voltbridge-ac22-duo', 'voltbridge-dc150', 'homebox-ac11']));
    for (const name of listTemplates()) expect(loadTemplate(name).evses.length).toBeGreaterThan(0);
  });

  it('describes a two-connector DC EVSE', () => {
    const template = loadTemplate('voltbridge-dc150');
    expect(template.evses[0]).toMatchObject({ currentType: 'DC', maxPowerW: 150_000, connectors: [{ type: 'cCCS2' }, { type: 'cG105' }] });
  });

  it('lists every problem of an invalid template with its path', () => {
    const broken = { vendor: 'A vendor name far too long for OCPP', model: 'M', meter: {}, evses: [{ currentType: 'AC', phases: 2, connectors: [] }] };
    let caught: unknown;
    try {
      parseTemplate(broken, 'broken.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: 'TemplateError', source: 'broken.json' });
    expect((caught as { issues: string[] }).issues).toEqual(
      expect.arrayContaining([
        expect.stringContaining('$.vendor'),
        expect.stringContaining('$.firmwareVersion'),
        expect.stringContaining('$.meter.vendor'),
        expect.stringContaining('$.evses[0].phases'),
        expect.stringContaining('$.evses[0].maxPowerW'),
        expect.stringContaining('$.evses[0].connectors'),
      ]),
    );
  });

  it('names the known templates when one is missing', () => {
    expect(() => loadTemplate('no-such-charger')).toThrow(expect.objectContaining({ name: 'TemplateError' }));
  });
});
