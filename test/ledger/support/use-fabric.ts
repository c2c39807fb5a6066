process.env['LEDGER_UNDER_TEST'] = 'fabric';
