/* global document, window */
'use strict';
/*
 * Charts for the dashboard, drawn here as inline SVG from the figures the services answer: no chart library,
 * no font, no image from outside the stack. Every mark carries the figure it stands for in data attributes
 * (data-key, data-value; data-time-ms, data-energy-wh, data-power-w, data-cost), so what a chart says can be
 * read back and checked, and a <title> a screen reader and a finger's long press both show.
 */
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  function add(parent, tag, attributes, text) {
    const element = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(key, String(value));
    if (text !== undefined) element.textContent = text;
    parent.append(element);
    return element;
  }
  function chartSvg(id, label, width, height) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('id', id);
    svg.setAttribute('class', 'chart');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    add(svg, 'title', {}, label);
    return svg;
  }
  /** A round top for an axis: 1, 2 or 5 times a power of ten, at least `value`. */
  function niceTop(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((m) => m * power).find((top) => top >= value) || 10 * power;
  }

  /**
   * Bars, one per item ({ key, label, value }), on one axis from 0; `format` writes a value for its label.
   * An empty list draws a note instead of an empty frame.
   */
  function bars(id, label, items, format) {
    const width = 320;
    const height = 170;
    const left = 8;
    const bottom = 34;
    const top = 16;
    const svg = chartSvg(id, label, width, height);
    if (items.length === 0) {
      add(svg, 'text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'note' }, 'nothing yet');
      return svg;
    }
    const max = niceTop(Math.max(...items.map((item) => item.value)));
    const slot = (width - 2 * left) / items.length;
    const barWidth = Math.min(48, slot * 0.7);
    add(svg, 'line', { x1: left, x2: width - left, y1: height - bottom, y2: height - bottom, class: 'axis' });
    items.forEach((item, index) => {
      const barHeight = ((height - bottom - top) * Math.max(0, item.value)) / max;
      const x = left + slot * index + (slot - barWidth) / 2;
      const group = add(svg, 'g', { class: 'bar', 'data-key': item.key, 'data-value': item.value });
      add(group, 'title', {}, `${item.label}: ${format(item.value)}`);
      add(group, 'rect', { x: x.toFixed(1), y: (height - bottom - barHeight).toFixed(1), width: barWidth.toFixed(1), height: barHeight.toFixed(1), rx: 2 });
      add(group, 'text', { x: (x + barWidth / 2).toFixed(1), y: (height - bottom - barHeight - 4).toFixed(1), 'text-anchor': 'middle', class: 'value' }, format(item.value));
      add(group, 'text', { x: (x + barWidth / 2).toFixed(1), y: height - bottom + 14, 'text-anchor': 'middle', class: 'label' }, item.label);
    });
    return svg;
  }

  /**
   * A session over time from its signed readings ({ timeMs, energyWh, powerW, cost }): the power as an area
   * against the left axis (kW), the cost so far as a line against the right one.
   */
  function sessionCurve(id, label, points, formatCost) {
    const width = 320;
    const height = 190;
    const left = 34;
    const right = 44;
    const top = 12;
    const bottom = 30;
    const svg = chartSvg(id, label, width, height);
    if (points.length === 0) {
      add(svg, 'text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'note' }, 'no signed readings');
      return svg;
    }
    const start = points[0].timeMs;
    const span = Math.max(1, points[points.length - 1].timeMs - start);
    const maxPower = niceTop(Math.max(...points.map((p) => p.powerW)) / 1000);
    const maxCost = niceTop(Math.max(...points.map((p) => p.cost)));
    const x = (p) => left + ((width - left - right) * (p.timeMs - start)) / span;
    const yPower = (p) => height - bottom - ((height - bottom - top) * p.powerW) / 1000 / maxPower;
    const yCost = (p) => height - bottom - ((height - bottom - top) * p.cost) / maxCost;
    add(svg, 'line', { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, class: 'axis' });
    add(svg, 'text', { x: left - 4, y: top + 4, 'text-anchor': 'end', class: 'label power' }, `${maxPower} kW`);
    add(svg, 'text', { x: width - right + 4, y: top + 4, class: 'label cost' }, formatCost(maxCost));
    add(svg, 'text', { x: left, y: height - bottom + 16, class: 'label' }, '0 min');
    add(svg, 'text', { x: width - right, y: height - bottom + 16, 'text-anchor': 'end', class: 'label' }, `${Math.round(span / 60_000)} min`);
    // Power holds from one reading to the next: a step, drawn at the reading that ends each interval.
    const steps = points.flatMap((p, i) => (i === 0 ? [[x(p), height - bottom]] : [[x(points[i - 1]), yPower(p)], [x(p), yPower(p)]]));
    add(svg, 'polygon', { class: 'power', points: [...steps, [x(points[points.length - 1]), height - bottom]].map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ') });
    add(svg, 'polyline', { class: 'cost', points: points.map((p) => `${x(p).toFixed(1)},${yCost(p).toFixed(1)}`).join(' ') });
    for (const p of points) {
      const mark = add(svg, 'circle', { class: 'reading', cx: x(p).toFixed(1), cy: yCost(p).toFixed(1), r: 2.5, 'data-time-ms': p.timeMs, 'data-energy-wh': p.energyWh, 'data-power-w': p.powerW, 'data-cost': p.cost });
      add(mark, 'title', {}, `${Math.round((p.timeMs - start) / 60_000)} min: ${(p.energyWh / 1000).toFixed(3)} kWh, ${(p.powerW / 1000).toFixed(1)} kW, ${formatCost(p.cost)}`);
    }
    return svg;
  }

  /** The local calendar day (YYYY-MM-DD) or month (YYYY-MM) of an instant: how a person groups their days. */
  function localDay(ms) {
    const d = new Date(ms);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }
  const localMonth = (ms) => localDay(ms).slice(0, 7);

  /** Sums `value(x)` per `key(x)`, keys ascending; integers stay integers (minor units, Wh). */
  function sumBy(list, key, value) {
    const sums = new Map();
    for (const x of list) sums.set(key(x), (sums.get(key(x)) || 0) + value(x));
    return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => ({ key: k, label: k, value: v }));
  }

  window.ChargeCharts = { bars, sessionCurve, sumBy, localDay, localMonth };
})();
