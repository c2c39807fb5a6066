process.env['LEDGER_UNDER_TEST'] = 'embedded';
