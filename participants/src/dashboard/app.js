/* global document, sessionStorage, localStorage, navigator, fetch, FormData, Node, URL, setTimeout, caches, AbortController, TextDecoder, window */
'use strict';
/*
 * The participants' dashboard: one page for every role. A person signs in (or up, as a driver or a prosumer)
 * at the service of their organization; every figure shown is read through that service from the ledger.
 * Elements are built with textContent only, never from HTML strings, so nothing a ledger entry carries can
 * become markup.
 */
(function () {
  const ROLES = {
    driver: { org: 'wallets', label: 'EV driver', signUp: true },
    prosumer: { org: 'prosumers', label: 'Prosumer (sells surplus energy)', signUp: true },
    'operator-staff': { org: 'operators', label: 'Station operator (staff)', signUp: false },
    'wallets-staff': { org: 'wallets', label: 'Wallet provider (staff)', signUp: false },
    'authority-staff': { org: 'authority', label: 'Metering authority (staff)', signUp: false },
  };
  const app = document.getElementById('app');
  let services = {};
  let session = JSON.parse(sessionStorage.getItem('chargeledger.session') || 'null');

  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
      else if (value !== undefined && value !== false) element.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) if (child !== undefined && child !== null) element.append(child instanceof Node ? child : String(child));
    return element;
  }
  const money = (minor, currency) => `${(minor / 100).toFixed(2)} ${currency || 'EUR'}`;
  const kWh = (wh) => `${(wh / 1000).toFixed(3)} kWh`;
  const time = (ms) => new Date(ms).toLocaleString();
  // Each cell names its column (data-label): on a phone a row is shown as a card of labelled lines.
  const table = (headings, rows, id) => h('div', { class: 'table-wrap' }, h('table', { id }, h('thead', {}, h('tr', {}, headings.map((x) => h('th', {}, x)))), h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: headings.length, class: 'muted empty' }, 'nothing yet')) : rows.map((row) => h('tr', {}, row.map((cell, i) => h('td', { 'data-label': headings[i] || undefined }, cell)))))));
  const charts = window.ChargeCharts;
  /** Answers the service worker served from what it kept, the network being down (header x-chargeledger-offline). */
  const offlineNote = document.getElementById('offline');
  /** The kept answers (sw.js): a driver's account, statement, receipts, proofs and meter curves. */
  const KEPT = 'chargeledger-kept';
  const section = (title, id, ...children) => h('section', { id }, h('h2', {}, title), ...children);
  const field = (label, name, attributes) => h('label', {}, label, h('input', { name, ...attributes }));

  async function api(method, route, body, org) {
    const base = services[org || (session && ROLES[session.user.role].org)];
    const headers = {};
    if (session) headers.authorization = `Bearer ${session.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(base + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.headers.get('x-chargeledger-offline') === '1') offlineNote.hidden = false;
    const text = await response.text();
    const answer = text === '' ? {} : JSON.parse(text);
    if (response.status === 401 && session) signOut();
    if (!response.ok) throw new Error(answer.reason ? `${answer.code}: ${answer.reason}` : answer.message || `HTTP ${response.status}`);
    return answer;
  }
  /** Saves what a route answers as a file, e.g. a receipt's proof: the browser's own download, with the session's token. */
  async function download(route, filename, status) {
    try {
      const response = await fetch(services[ROLES[session.user.role].org] + route, { headers: { authorization: `Bearer ${session.token}` } });
      if (!response.ok) throw new Error((await response.json().catch(() => ({}))).message || `HTTP ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = h('a', { href: url, download: filename });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = '';
    } catch (error) {
      status.className = 'error';
      status.textContent = error.message;
    }
  }
  /** The proof of a receipt (check it with `npm run verify -- --proof <file>`) and its meter records for the Transparenzsoftware. */
  function proofLinks(accountId, sessionId) {
    const status = h('span', { role: 'status' });
    const route = `/api/accounts/${encodeURIComponent(accountId)}/receipts/${encodeURIComponent(sessionId)}/proof`;
    return h('span', { class: 'proof' },
      h('button', { type: 'button', class: 'link', title: 'The blocks, signatures and meter records that prove this bill', onclick: () => download(route, `${sessionId}.proof.json`, status) }, 'proof'), ' ',
      h('button', { type: 'button', class: 'link', title: 'The meter records for the S.A.F.E. Transparenzsoftware', onclick: () => download(`${route}?format=transparency-xml`, `${sessionId}.transparency.xml`, status) }, 'XML'), ' ', status);
  }
  /** A form whose submit calls `action` with its values and shows the outcome under it. */
  function form(id, fields, buttonLabel, action) {
    const status = h('p', { class: 'muted', role: 'status' });
    const element = h('form', { id, onsubmit: async (event) => {
      event.preventDefault();
      status.className = 'muted';
      status.textContent = 'working…';
      try {
        const message = await action(Object.fromEntries(new FormData(element)));
        status.className = 'ok';
        status.textContent = message || 'done';
      } catch (error) {
        status.className = 'error';
        status.textContent = error.message;
      }
    } }, fields, h('button', { type: 'submit' }, buttonLabel), status);
    return element;
  }
  function remember(newSession) {
    session = newSession;
    sessionStorage.setItem('chargeledger.session', JSON.stringify(session));
    render();
  }
  function signOut() {
    session = null;
    sessionStorage.removeItem('chargeledger.session');
    stopLive();
    // What was kept for offline use is this person's: it goes with them.
    if (typeof caches !== 'undefined') void caches.delete(KEPT);
    render();
  }
  const local = (key, fallback) => localStorage.getItem(`chargeledger.${session.user.username}.${key}`) || fallback;
  const keep = (key, value) => localStorage.setItem(`chargeledger.${session.user.username}.${key}`, value);

  function signInView() {
    const roleSelect = (name) => h('select', { name }, Object.entries(ROLES).map(([role, r]) => h('option', { value: role }, r.label)));
    const signIn = form('sign-in', [h('label', {}, 'I am', roleSelect('role')), field('User name', 'username', { required: true, autocomplete: 'username' }), field('Password', 'password', { type: 'password', required: true, autocomplete: 'current-password' })], 'Sign in', async (values) => {
      remember(await api('POST', '/api/session', { username: values.username, password: values.password }, ROLES[values.role].org));
    });
    const extra = h('div', { id: 'driver-fields' }, field('Name', 'name', {}), field('E-mail', 'email', { type: 'email' }));
    const signUpRole = h('select', { name: 'role', onchange: () => { extra.hidden = signUpRole.value !== 'driver'; } }, Object.entries(ROLES).filter(([, r]) => r.signUp).map(([role, r]) => h('option', { value: role }, r.label)));
    const signUp = form('sign-up', [h('label', {}, 'Sign up as', signUpRole), field('User name', 'username', { required: true, pattern: '[a-z0-9][a-z0-9.\\-]{2,63}', title: 'lowercase letters, digits, . and -' }), field('Password (10 characters or more)', 'password', { type: 'password', required: true, minlength: 10, autocomplete: 'new-password' }), extra], 'Sign up', async (values) => {
      const created = values.role === 'driver'
        ? await api('POST', '/api/drivers', { username: values.username, password: values.password, name: values.name, email: values.email }, 'wallets')
        : await api('POST', '/api/prosumers', { username: values.username, password: values.password }, 'prosumers');
      remember(created);
    });
    return [section('Sign in', 'sign-in-section', signIn), section('New here? Pick your role', 'sign-up-section', signUp, h('p', { class: 'muted' }, 'Operators’ and the Authority’s staff are added by their organization.'))];
  }

  /** Stations on a plain plan around the place asked about: no map tiles, distances to scale. */
  function plan(center, stations) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'plan');
    svg.setAttribute('viewBox', '-130 -130 260 260');
    const add = (tag, attributes, text) => {
      const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
      if (text !== undefined) element.textContent = text;
      svg.append(element);
    };
    const farthest = Math.max(1, ...stations.map((s) => s.station.distanceM));
    add('circle', { cx: 0, cy: 0, r: 4, fill: '#1d2733' });
    add('text', { x: 6, y: -6 }, 'you');
    for (const { station, live } of stations) {
      const dx = (station.lonMicroDeg / 1e6 - center.lon) * 111_320 * Math.cos((center.lat * Math.PI) / 180);
      const dy = (station.latMicroDeg / 1e6 - center.lat) * 110_540;
      const scale = 110 / Math.max(farthest, Math.hypot(dx, dy), 1);
      // Green: the charger is connected and a connector is free; grey otherwise.
      const free = live && live.known && live.connected && live.connectors.some((c) => c.status === 'Available');
      add('circle', { cx: dx * scale, cy: -dy * scale, r: 5, fill: free ? '#0b6e4f' : '#8a96a3' });
      add('text', { x: dx * scale + 7, y: -dy * scale + 3 }, station.stationId);
    }
    return svg;
  }
  function tariffSummary(tariff) {
    if (!tariff) return 'no tariff';
    const parts = [];
    const unit = (type) => (type === 'ENERGY' ? '/kWh' : type === 'TIME' || type === 'PARKING_TIME' ? '/h' : '');
    // An OCPI tariff (pricing rules 2) is stored as { ocpi: <OCPI Tariff object>, ... }: prices in major units.
    const ocpi = tariff.tariff.ocpi;
    if (ocpi) for (const element of ocpi.elements || []) for (const c of element.price_components || []) parts.push(`${c.type} ${Number(c.price).toFixed(2)}${unit(c.type)}${element.restrictions ? '*' : ''}`);
    else for (const element of tariff.tariff.elements || []) for (const c of element.priceComponents || []) parts.push(`${c.type} ${(c.priceMicro / 1e6).toFixed(2)}${unit(c.type)}`);
    return `${tariff.currency} ${parts.join(', ')} (${tariff.tariffId} v${tariff.version})`;
  }

  const WHY_UNKNOWN = { 'no-key': 'availability unknown (the CSMS is not configured)', unreachable: 'availability unknown (the CSMS does not answer)', 'not-at-csms': 'not at the CSMS' };
  /** A charger's live state from the CSMS: online or offline, and each connector's last status. */
  function availability(live) {
    if (!live.known) return h('span', { class: 'muted' }, WHY_UNKNOWN[live.why] || 'availability unknown');
    const connectors = live.connectors.map((c) => `${c.connector}: ${c.status}${c.errorCode ? ` (${c.errorCode})` : ''}`).join(', ');
    return h('span', {}, h('span', { class: live.connected ? 'ok' : 'error' }, live.connected ? 'online' : 'offline'), connectors ? ` · ${connectors}` : '');
  }

  /** How far the ledger is behind the chargers: what waits, for how long, and whether Redis still takes new sessions. */
  function ledgerLag(queue) {
    if (!queue.known) return h('p', { class: 'muted', id: 'ledger-lag' }, WHY_UNKNOWN[queue.why] || 'unknown');
    const seconds = queue.oldestWaitingMs / 1000;
    const lag = queue.depth === 0 ? 'up to date' : `${queue.depth} event(s) waiting, the oldest for ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
    const mb = (bytes) => `${Math.round(bytes / 1048576)} MB`;
    const memory = queue.redisMaxBytes > 0 ? `Redis ${mb(queue.redisUsedBytes)} of ${mb(queue.redisMaxBytes)}` : `Redis ${mb(queue.redisUsedBytes)}, no limit`;
    return h('p', { id: 'ledger-lag' },
      h('span', { class: seconds > 30 ? 'error' : 'ok' }, lag), ` · ${memory} · `,
      h('span', { class: queue.newSessionsAccepted ? 'ok' : 'error' }, queue.newSessionsAccepted ? 'new sessions accepted' : 'new sessions refused: Redis is near its memory limit'));
  }

  /** A session at the CSMS as the operator sees it: the energy claimed and billed, and how the ledger ended it. */
  function sessionLine(x) {
    const energy = x.billedEnergyWh !== undefined && x.billedEnergyWh !== x.energyWh ? `${kWh(x.energyWh)} claimed, ${kWh(x.billedEnergyWh)} signed and billed` : kWh(x.energyWh);
    const ended = x.active ? 'charging' : !x.settlement ? 'ended' : x.settlement.status === 'refused' ? `refused by the ledger: ${x.settlement.code} (${x.settlement.reason})` : `settled ${money(x.settlement.charged)}`;
    const flags = x.flags && x.flags.length > 0 ? ` [${x.flags.join(', ')}]` : '';
    return `${x.sessionId} EVSE ${x.evseId} ${energy} ${ended}${flags}`;
  }

  const kWhShort = (wh) => `${(wh / 1000).toFixed(2)} kWh`;
  const dayItems = (items) => items.map((item) => ({ ...item, label: item.key.slice(5) }));

  /**
   * The running sessions, from the Wallets service's server-sent events. Read with fetch rather than
   * EventSource so that the session's token goes in the Authorization header, never in a URL.
   */
  let liveStream = null;
  function stopLive() {
    if (liveStream) liveStream.abort();
    liveStream = null;
  }
  function showLive(box, running) {
    box.replaceChildren(...(running.length === 0
      ? [h('p', { class: 'muted', id: 'live-none' }, 'No session running.')]
      : running.map((x) => h('div', { class: 'live-session', 'data-session-id': x.sessionId, 'data-energy-wh': x.energyWh, 'data-cost': x.cost, 'data-as-of-ms': x.asOfMs },
        h('p', {}, `${x.stationId} / EVSE ${x.evseId} · since ${time(x.startedAtMs)}`),
        h('p', { class: 'big' }, h('span', { class: 'live-energy' }, x.energyWh === undefined ? '—' : kWh(x.energyWh)), ' · ', h('span', { class: 'live-cost' }, x.cost === undefined ? '—' : money(x.cost, x.currency))),
        h('p', { class: 'muted' }, `so far, on ${x.tariffId} v${x.tariffVersion}, at most ${money(x.holdAmount, x.currency)} (the hold) · updated ${new Date(x.asOfMs).toLocaleTimeString()}`)))));
  }
  async function watchLive(accountId, box) {
    stopLive();
    const controller = new AbortController();
    liveStream = controller;
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(`${services.wallets}/api/accounts/${encodeURIComponent(accountId)}/live`, { headers: { authorization: `Bearer ${session.token}`, accept: 'text/event-stream' }, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(message);
            const data = /^data: (.*)$/m.exec(message);
            if (event && event[1] === 'sessions' && data) showLive(box, JSON.parse(data[1]).sessions);
          }
        }
      } catch {
        if (controller.signal.aborted) return;
        box.replaceChildren(h('p', { class: 'muted', id: 'live-away' }, 'The service cannot be reached: the running session shows again once it can.'));
      }
      // The stream ended or the service is away: ask again in a while, as long as the page still shows it.
      if (!box.isConnected) return;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
  }

  /** What a receipt says, line by line, with the session's power and cost over time from the meter's signed readings. */
  async function showReceipt(box, accountId, r) {
    const curveBox = h('div', { class: 'chart-box' }, h('p', { class: 'muted' }, 'reading the meter’s signed records…'));
    const quantity = (line) => (line.unit === 'Wh' ? kWh(line.quantity) : line.unit === 's' ? `${Math.round(line.quantity / 60)} min` : '1');
    const unitPrice = (line) => `${(line.unitPriceMicro / 1e6).toFixed(2)} ${r.currency}${line.unit === 'Wh' ? '/kWh' : line.unit === 's' ? '/h' : ''}`;
    box.hidden = false;
    box.replaceChildren(
      h('h2', {}, `Receipt ${r.sessionId}`),
      h('p', { class: 'big', id: 'receipt-amount' }, money(r.charged, r.currency)),
      h('p', { class: 'muted' }, `${r.stationId} / EVSE ${r.evseId} · ${time(r.startTimeMs)} – ${time(r.endTimeMs)} · ${kWh(r.energyWh)} · ${r.verification === 'verified' ? 'signed by the meter' : 'from unsigned readings'} · tariff ${r.tariffId} v${r.tariffVersion}`),
      table(['Line', 'Quantity', 'Unit price', 'Net', 'VAT'], r.lineItems.map((line) => [line.component, quantity(line), unitPrice(line), money(line.net, r.currency), money(line.vat, r.currency)]), 'receipt-lines'),
      h('p', {}, `net ${money(r.totalNet, r.currency)} + VAT ${money(r.totalVat, r.currency)} = ${money(r.priced, r.currency)}${r.charged < r.priced ? `; charged ${money(r.charged, r.currency)}, the hold` : ''} · ledger transaction `, h('code', {}, r.txId)),
      h('h3', {}, 'Power and cost over the session'),
      curveBox,
      h('p', {}, 'Check it yourself: ', proofLinks(accountId, r.sessionId)),
    );
    box.scrollIntoView();
    if (r.verification !== 'verified') {
      curveBox.replaceChildren(h('p', { class: 'muted' }, 'billed from unsigned readings: there is no signed curve'));
      return;
    }
    try {
      const curve = await api('GET', `/api/accounts/${encodeURIComponent(accountId)}/receipts/${encodeURIComponent(r.sessionId)}/curve`);
      curveBox.replaceChildren(charts.sessionCurve('session-curve', `Power (area, kW) and cost so far (line) of session ${r.sessionId}`, curve.points, (v) => money(v, r.currency)), h('p', { class: 'muted legend' }, h('span', { class: 'key power' }), 'power ', h('span', { class: 'key cost' }), 'cost so far'));
    } catch (error) {
      curveBox.replaceChildren(h('p', { class: 'error' }, error.message));
    }
  }

  /**
   * Keeps the newest receipts' proofs and curves on this device (the cache the service worker answers from
   * offline), each fetched once: a driver can show what a bill proves without a network.
   */
  async function keepForOffline(accountId, receipts, note) {
    if (typeof caches === 'undefined' || !offlineNote.hidden) return;
    const cache = await caches.open(KEPT);
    const newest = receipts.slice(0, 20);
    let kept = 0;
    for (const r of newest) {
      const route = `${services.wallets}/api/accounts/${encodeURIComponent(accountId)}/receipts/${encodeURIComponent(r.sessionId)}`;
      for (const url of r.verification === 'verified' ? [`${route}/proof`, `${route}/curve`] : [`${route}/proof`]) {
        if (await cache.match(url)) continue;
        const response = await fetch(url, { headers: { authorization: `Bearer ${session.token}` } }).catch(() => undefined);
        if (response && response.ok) await cache.put(url, response);
      }
      if (await cache.match(`${route}/proof`)) kept += 1;
    }
    note.dataset.kept = String(kept);
    note.textContent = `${kept} receipt(s) with their proofs kept on this device: they open offline.`;
  }

  async function driverView() {
    const accountId = session.user.party;
    const [account, statement, receipts] = await Promise.all([api('GET', `/api/accounts/${accountId}`), api('GET', `/api/accounts/${accountId}/statement`), api('GET', `/api/accounts/${accountId}/receipts`)]);
    const stationsBox = h('div', { id: 'stations' }, h('p', { class: 'muted' }, 'Give a place or use your browser’s location.'));
    const findStations = async (lat, lon) => {
      const found = await api('GET', `/api/stations/near?lat=${encodeURIComponent(lat)}&lon=${encodeURIComponent(lon)}&radiusKm=25`);
      stationsBox.replaceChildren(plan({ lat: Number(lat), lon: Number(lon) }, found.stations), table(['Station', 'Distance', 'Charging points', 'Available now', 'Price'], found.stations.map(({ station, tariff, live }) => [station.stationId, `${(station.distanceM / 1000).toFixed(2)} km`, station.evses.map((e) => e.connectors.map((c) => `${e.evseId}: ${c.type} ${c.maxPowerW / 1000} kW`).join(', ')).join('; '), availability(live), tariffSummary(tariff)]), 'stations-table'));
      return `${found.stations.length} station(s) within 25 km`;
    };
    const liveBox = h('div', { id: 'live-sessions' }, h('p', { class: 'muted' }, 'connecting…'));
    const receiptBox = h('section', { class: 'wide', id: 'receipt', hidden: true });
    const keptNote = h('p', { class: 'muted', id: 'kept' });
    const spending = charts.sumBy(statement.entries.filter((e) => e.reason === 'session-debit'), (e) => charts.localMonth(e.timestampMs), (e) => -e.amount);
    void watchLive(accountId, liveBox);
    void keepForOffline(accountId, receipts.receipts, keptNote).catch(() => undefined);
    const locate = h('button', { type: 'button', onclick: () => navigator.geolocation && navigator.geolocation.getCurrentPosition((p) => { void findStations(p.coords.latitude.toFixed(6), p.coords.longitude.toFixed(6)); }) }, 'Use my location');
    return [
      section('Charging now', 'live', liveBox),
      section('Wallet', 'wallet', h('p', { class: 'big', id: 'balance' }, money(account.balance, account.currency)), h('p', { class: 'muted' }, `available ${money(account.available, account.currency)}, held ${money(account.held, account.currency)} · account ${accountId}`),
        form('top-up', [field('Top up by card (EUR)', 'amount', { type: 'number', min: '1', step: '0.01', required: true })], 'Top up', async (values) => {
          const payment = await api('POST', `/api/accounts/${accountId}/top-ups`, { amount: Math.round(Number(values.amount) * 100) });
          return `payment ${payment.paymentId} of ${money(payment.amount, payment.currency)} asked for: your wallet is credited once the card payment is confirmed (reload to see it)`;
        }),
        form('link-card', [field('Charging card (RFID UID)', 'idToken', { required: true, pattern: '[A-Za-z0-9]{4,36}' })], 'Link card', async (values) => {
          const link = await api('POST', `/api/accounts/${accountId}/cards`, { idToken: values.idToken });
          return link.status === 'pending' ? 'card requested: Wallets’ staff confirm it before it can start a session' : `card linked as ${link.tokenRef}`;
        })),
      section('Nearest stations', 'nearest', form('find-stations', [field('Latitude', 'lat', { required: true, value: '52.520008' }), field('Longitude', 'lon', { required: true, value: '13.404954' })], 'Find stations', (values) => findStations(values.lat, values.lon)), locate, stationsBox),
      section('Spending per month', 'spending', charts.bars('spending-chart', 'What charging cost per month', spending, (v) => money(v, account.currency))),
      receiptBox,
      h('section', { class: 'wide', id: 'history' }, h('h2', {}, 'Charging history and bills'), keptNote, table(['Session', 'Station', 'Ended', 'Energy', 'Tariff', 'Amount', 'Ledger transaction', 'Verify'], receipts.receipts.map((r) => [h('button', { type: 'button', class: 'link open-receipt', title: 'Open the receipt', onclick: () => showReceipt(receiptBox, accountId, r) }, r.sessionId), `${r.stationId} / EVSE ${r.evseId}`, time(r.endTimeMs), kWh(r.energyWh), `${r.tariffId} v${r.tariffVersion}`, money(r.charged, r.currency), h('code', {}, r.txId), proofLinks(accountId, r.sessionId)]), 'receipts')),
      h('section', { class: 'wide', id: 'statement' }, h('h2', {}, 'Statement'), table(['When', 'What', 'Reference', 'Amount'], statement.entries.map((e) => [time(e.timestampMs), e.refusal ? `session refused by the ledger: ${e.refusal.code} (${e.refusal.reason}); hold released, nothing charged` : e.reason, e.ref, money(e.amount, account.currency)]), 'statement-table')),
    ];
  }

  async function prosumerView() {
    const accountId = local('account', '');
    const offers = await api('GET', '/api/offers');
    let earnings = null;
    if (accountId) earnings = await api('GET', `/api/accounts/${accountId}/earnings`).catch((error) => ({ error: error.message }));
    const now = Date.now();
    // A delivery counts on the day its window opened, in the energy the export meter signed.
    const sold = charts.sumBy(offers.offers.flatMap((o) => o.trades.filter((t) => t.status === 'settled' && t.deliveredWh > 0).map((t) => ({ day: charts.localDay(o.windowStartMs), wh: t.deliveredWh }))), (x) => x.day, (x) => x.wh);
    return [
      section('You', 'prosumer', h('p', {}, 'Prosumer id ', h('code', { id: 'prosumer-id' }, session.user.party)), h('p', { class: 'muted' }, 'Give this id to the wallet provider (account) and the metering authority (export meter).'),
        form('account-form', [field('Your account id', 'accountId', { value: accountId, required: true })], 'Save', async (values) => { keep('account', values.accountId); render(); })),
      section('Earnings', 'earnings', earnings === null ? h('p', { class: 'muted' }, 'Save your account id to see earnings.') : earnings.error ? h('p', { class: 'error' }, earnings.error) : [h('p', { class: 'big', id: 'earned' }, money(earnings.earned, earnings.account.currency)), h('p', { class: 'muted' }, `balance ${money(earnings.account.balance, earnings.account.currency)}`)]),
      section('Offer surplus energy', 'post-offer', form('offer-form', [field('Export point', 'exportPointId', { required: true, value: local('exportPoint', 'X1') }), field('Energy (kWh)', 'kWh', { type: 'number', step: '0.001', min: '0.001', required: true }), field('Price (EUR per kWh)', 'price', { type: 'number', step: '0.0001', min: '0.0001', required: true }), field('Delivery starts in (minutes)', 'startIn', { type: 'number', min: '1', value: '60' }), field('Window length (minutes)', 'length', { type: 'number', min: '1', value: '60' })], 'Post offer', async (values) => {
        keep('exportPoint', values.exportPointId);
        const windowStartMs = now + Number(values.startIn) * 60_000;
        const offer = await api('POST', '/api/offers', { prosumerAccountId: local('account', ''), exportPointId: values.exportPointId, energyWh: Math.round(Number(values.kWh) * 1000), priceMicroPerKWh: Math.round(Number(values.price) * 1e6), currency: 'EUR', windowStartMs, windowEndMs: windowStartMs + Number(values.length) * 60_000, acceptUntilMs: windowStartMs });
        render();
        return `offer ${offer.offerId} posted`;
      })),
      section('Energy sold per day', 'sold', charts.bars('sold-chart', 'Energy delivered and paid per day', dayItems(sold), kWhShort)),
      h('section', { class: 'wide', id: 'offers' }, h('h2', {}, 'Your offers, acceptances and deliveries'), table(['Offer', 'Window', 'Energy', 'Price', 'Status', 'Acceptances'], offers.offers.map((o) => [o.offerId, `${time(o.windowStartMs)} – ${time(o.windowEndMs)}`, `${kWh(o.energyWh)} (${kWh(o.remainingWh)} left)`, `${(o.priceMicroPerKWh / 1e6).toFixed(4)} ${o.currency}/kWh`, o.status, o.trades.map((t) => `${t.operatorId}: ${kWh(t.acceptedWh)} ${t.status}${t.status === 'settled' ? `, delivered ${kWh(t.deliveredWh)}, paid ${money(t.paid, o.currency)}` : ''}`).join('; ') || '—']), 'offers-table')),
    ];
  }

  async function operatorView() {
    const accountId = local('account', '');
    const [stations, tariffs, open, purchases, chargers, queue] = await Promise.all([api('GET', '/api/stations'), api('GET', '/api/tariffs'), api('GET', '/api/offers'), api('GET', '/api/purchases'), api('GET', '/api/chargers'), api('GET', '/api/ledger-queue')]);
    let settlements = null;
    if (accountId) settlements = await api('GET', `/api/accounts/${accountId}/settlements`).catch((error) => ({ error: error.message }));
    // The receipts behind the account's session credits: what the stations sold, as the ledger settled it.
    const sales = settlements && !settlements.error ? settlements.entries.filter((e) => e.reason === 'session-credit' && e.receipt) : [];
    const currency = settlements && !settlements.error ? settlements.account.currency : 'EUR';
    const day = (e) => charts.localDay(e.receipt.endTimeMs);
    const station = (e) => e.receipt.stationId;
    const salesCharts = h('div', { class: 'charts' },
      h('figure', {}, charts.bars('energy-per-day', 'Energy sold per day', dayItems(charts.sumBy(sales, day, (e) => e.receipt.energyWh)), kWhShort), h('figcaption', {}, 'Energy per day')),
      h('figure', {}, charts.bars('revenue-per-day', 'Revenue per day', dayItems(charts.sumBy(sales, day, (e) => e.amount)), (v) => money(v, currency)), h('figcaption', {}, 'Revenue per day')),
      h('figure', {}, charts.bars('energy-per-station', 'Energy sold per station', charts.sumBy(sales, station, (e) => e.receipt.energyWh), kWhShort), h('figcaption', {}, 'Energy per station')),
      h('figure', {}, charts.bars('revenue-per-station', 'Revenue per station', charts.sumBy(sales, station, (e) => e.amount), (v) => money(v, currency)), h('figcaption', {}, 'Revenue per station')));
    return [
      section('Operator account', 'operator-account', form('account-form', [field('Account id', 'accountId', { value: accountId, required: true })], 'Show', async (values) => { keep('account', values.accountId); render(); }),
        settlements === null ? h('p', { class: 'muted' }, 'Give the account Wallets opened for your operator.') : settlements.error ? h('p', { class: 'error' }, settlements.error) : h('p', { class: 'big', id: 'operator-balance' }, money(settlements.account.balance, settlements.account.currency))),
      section('Ledger bridge', 'ledger-queue', ledgerLag(queue)),
      h('section', { class: 'wide', id: 'sales' }, h('h2', {}, 'Charging sales'), settlements === null ? h('p', { class: 'muted' }, 'Give the account to see what the stations sold.') : salesCharts),
      h('section', { class: 'wide', id: 'purchases' }, h('h2', {}, 'Energy bought from prosumers'), h('p', { class: 'big', id: 'delivered' }, kWh(purchases.deliveredWh)), table(['Offer', 'Prosumer', 'Accepted', 'Delivered', 'Paid'], purchases.purchases.flatMap((p) => p.trades.map((t) => [p.offerId, p.prosumerId, kWh(t.acceptedWh), t.deliveredWh === undefined ? 'pending' : kWh(t.deliveredWh), t.paid === undefined ? `escrow ${money(t.escrowAmount, p.currency)}` : money(t.paid, p.currency)])), 'purchases-table')),
      h('section', { class: 'wide', id: 'chargers' }, h('h2', {}, 'Chargers live'), table(['Charger', 'Now', 'Latest sessions at the CSMS'], chargers.chargers.map((c) => [c.stationId, availability(c.live), c.sessions.map(sessionLine).join('; ') || '—']), 'chargers-table')),
      h('section', { class: 'wide', id: 'stations' }, h('h2', {}, 'Stations'), table(['Station', 'Location', 'Charging points', 'Tariff', 'Minimum hold'], stations.stations.map((s) => [s.stationId, `${(s.latMicroDeg / 1e6).toFixed(5)}, ${(s.lonMicroDeg / 1e6).toFixed(5)}`, s.evses.map((e) => e.connectors.map((c) => `${e.evseId}: ${c.type} ${c.maxPowerW / 1000} kW`).join(', ')).join('; '), s.tariffId || '—', money(s.policy.minimumHold)]), 'stations-table'), h('p', { class: 'muted' }, `${tariffs.tariffs.length} tariff(s): ${tariffs.tariffs.map((t) => `${t.tariffId} v${t.version}`).join(', ')}`)),
      h('section', { class: 'wide', id: 'open-offers' }, h('h2', {}, 'Prosumers’ open offers'), table(['Offer', 'Prosumer', 'Window', 'Available', 'Price', ''], open.offers.map((o) => [o.offerId, o.prosumerId, `${time(o.windowStartMs)} – ${time(o.windowEndMs)}`, kWh(o.remainingWh), `${(o.priceMicroPerKWh / 1e6).toFixed(4)} ${o.currency}/kWh`,
        form(`accept-${o.offerId}`, [field('kWh', 'kWh', { type: 'number', step: '0.001', min: '0.001', required: true })], 'Accept', async (values) => {
          await api('POST', `/api/offers/${o.offerId}/acceptances`, { operatorAccountId: local('account', ''), energyWh: Math.round(Number(values.kWh) * 1000) });
          render();
        })]), 'open-offers-table')),
      settlements && !settlements.error ? h('section', { class: 'wide', id: 'settlements' }, h('h2', {}, 'Settlements'), table(['When', 'What', 'Reference', 'Energy', 'Amount'], settlements.entries.map((e) => [time(e.timestampMs), e.reason, e.ref, e.receipt ? kWh(e.receipt.energyWh) : '', money(e.amount, settlements.account.currency)]), 'settlements-table')) : undefined,
    ];
  }

  async function authorityView() {
    const meters = await api('GET', '/api/meters');
    return [
      h('section', { class: 'wide', id: 'meters' }, h('h2', {}, 'Meters and their keys'), table(['Meter', 'Bound to', 'Keys'], meters.meters.map((m) => [m.meterSerial, m.binding.kind === 'evse' ? `station ${m.binding.stationId}, EVSE ${m.binding.evseId}` : `prosumer ${m.binding.prosumerId}, export point ${m.binding.exportPointId}`, m.keys.map((k) => `${k.keyId} ${k.status} since ${time(k.registeredAtMs)}`).join('; ')]), 'meters-table')),
      section('Register an export meter', 'register-meter', form('meter-form', [field('Meter serial', 'meterSerial', { required: true }), field('Prosumer id', 'prosumerId', { required: true }), field('Export point', 'exportPointId', { required: true, value: 'X1' }), field('Key id', 'keyId', { required: true, value: 'k1' }), field('Public key (SPKI DER, hex)', 'publicKey', { required: true })], 'Register', async (values) => {
        await api('POST', '/api/meters', { meterSerial: values.meterSerial, binding: { kind: 'export-point', prosumerId: values.prosumerId, exportPointId: values.exportPointId }, keyId: values.keyId, publicKey: values.publicKey });
        render();
      })),
    ];
  }

  async function walletsStaffView() {
    return [section('Open an account', 'open-account', form('account-open', [field('Account id', 'accountId', { required: true }), h('label', {}, 'Kind', h('select', { name: 'kind' }, ['operator', 'prosumer', 'driver'].map((k) => h('option', { value: k }, k)))), field('Owner id (operator or prosumer)', 'ownerId', {})], 'Open', async (values) => {
      await api('POST', '/api/accounts', { accountId: values.accountId, kind: values.kind, currency: 'EUR', ...(values.ownerId ? { ownerId: values.ownerId } : {}) });
      return `account ${values.accountId} opened`;
    })), section('Record a bank transfer received', 'staff-top-up', form('staff-top-up-form', [field('Account id', 'accountId', { required: true }), field('Amount (EUR)', 'amount', { type: 'number', step: '0.01', min: '0.01', required: true }), field('Bank reference', 'reference', { required: true, pattern: '[A-Za-z0-9._:-]{1,64}' })], 'Credit once', async (values) => {
      const account = await api('POST', `/api/accounts/${values.accountId}/bank-transfers`, { amount: Math.round(Number(values.amount) * 100), reference: values.reference });
      return `balance ${money(account.balance, account.currency)}`;
    }))];
  }

  const VIEWS = { driver: driverView, prosumer: prosumerView, 'operator-staff': operatorView, 'authority-staff': authorityView, 'wallets-staff': walletsStaffView };

  async function render() {
    const who = document.getElementById('who');
    const out = document.getElementById('sign-out');
    if (!session) {
      who.textContent = '';
      out.hidden = true;
      app.replaceChildren(...signInView());
      return;
    }
    who.textContent = `${session.user.username} · ${ROLES[session.user.role].label}`;
    out.hidden = false;
    try {
      app.replaceChildren(...(await VIEWS[session.user.role]()).filter(Boolean));
    } catch (error) {
      app.replaceChildren(section('Something went wrong', 'failure', h('p', { class: 'error' }, error.message)));
    }
  }

  document.getElementById('sign-out').addEventListener('click', async () => {
    await api('DELETE', '/api/session').catch(() => undefined);
    signOut();
  });
  // The service worker keeps the page and a driver's receipts readable offline (sw.js); without one, the page works online.
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  fetch('/dashboard/services.json').then((r) => r.json()).then((answer) => {
    services = answer.services;
    void render();
  });
})();
