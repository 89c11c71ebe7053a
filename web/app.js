// The teaching page's logic: reads the controls (and the URL fragment), builds the arms of
// `ketasim compare` (python/ketasim/cli/compare.py), runs each through the WebAssembly core
// (web/ketasim_web.cpp), and draws the onset table, an SVG chart, the sources and the caveats.
// Bad input shows the library's own message beside its control and keeps the last valid figure.
'use strict';

// ---------------------------------------------------------------------------------------------
// Texts `ketasim compare` prints (python/ketasim/cli/compare.py); tests/web checks they match.
// ---------------------------------------------------------------------------------------------
const DEFAULT_THRESHOLD_NG_ML = 70;
const THRESHOLD_SOURCE =
  'lower end of racemic ketamine concentrations with analgesia, 70-160 ng/mL ' +
  '(Zanos 2018, Pharmacol Rev 70:621, Table 1); illustrative';
const POTENCY_NOTE =
  'racemic ketamine and esketamine concentrations are not the same quantity: ' +
  'esketamine is the more potent enantiomer (EEG median-frequency IC50 0.8 vs ' +
  '2.0 ug/mL racemic, Schuttler 1987, J Pharmacokinet Biopharm 15:241)';
const CE_NOTE =
  "Ce is the brain-plasma equilibration that EEG measures within minutes; the " +
  'antidepressant response is not a concentration effect and outlasts the drug. For ' +
  'research and teaching, not for dosing a patient.';
const DEFAULT_KE0_SOURCE = 'sleigh2019';
const DEVICE_MG = 28;  // esketamine nasal device (Spravato): two sprays of 14 mg
const MAX_NASAL_ARMS = 5;
const NASAL_MODEL = {esketamine: 'perezruixo2021', racemic: 'intranasal_racemic'};

// Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), with a marker
// shape and the line style doing the work too, so no meaning rests on colour alone.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross'];
// The effect-site TCI arm keeps its own: Okabe-Ito's black and a star, whatever the other arms.
const TCI_COLOUR = '#000000';
const TCI_SHAPE = 'star';

// ---------------------------------------------------------------------------------------------
// Number text as Python prints it (format specs "g", ".1f", ".3g", ".5g"), so labels and
// table cells read as those of `ketasim compare`.
// ---------------------------------------------------------------------------------------------
function stripZeros(s) {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function fmtG(x, digits = 6) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const [mant, expText] = x.toExponential(digits - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= digits) {
    const e = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
    return stripZeros(mant) + 'e' + (exp < 0 ? '-' : '+') + e;
  }
  return stripZeros(x.toFixed(Math.max(0, digits - 1 - exp)));
}

/// d decimals as Python's ".{d}f": like toFixed(d), except that a value exactly halfway (such
/// as 12.25, a Tmax at the end of a 12.25 min infusion) rounds to the even digit, not up.
function fmtFixed(x, d) {
  // From 1e21 on toFixed writes an exponent; such doubles are whole numbers, which BigInt
  // writes out digit by digit as Python does.
  if (Math.abs(x) >= 1e21 && Number.isFinite(x))
    return (x < 0 ? '-' : '') + BigInt(Math.abs(x)).toString() + (d > 0 ? '.' + '0'.repeat(d) : '');
  const [whole, frac] = Math.abs(x).toFixed(100).split('.');  // exact for doubles below 1e21
  const last = d > 0 ? frac[d - 1] : whole[whole.length - 1];
  if (/^50*$/.test(frac.slice(d)) && Number(last) % 2 === 0)
    return (x < 0 ? '-' : '') + whole + (d > 0 ? '.' + frac.slice(0, d) : '');
  return x.toFixed(d);
}

function fmt1(x) {
  return x === null ? 'never' : fmtFixed(x, 1);
}

// ---------------------------------------------------------------------------------------------
// Controls and the URL
// ---------------------------------------------------------------------------------------------
const $ = (id) => document.getElementById(id);
const STATE_CONTROLS = () => Array.from(document.querySelectorAll('[data-key]'));
const SLIDERS = ['weight', 'iv-dose', 'iv-duration', 'threshold'];

/// A number typed in a control: NaN for empty or non-numeric text (the core then rejects it
/// with its own message), never a silent default.
function parseNumber(text) {
  const t = String(text).trim();
  return t === '' ? NaN : Number(t);
}

/// The scenario as the controls hold it: the URL's key -> text.
function readState() {
  const s = {};
  for (const el of STATE_CONTROLS()) s[el.dataset.key] = el.value.trim();
  const choice = $('ke0-choice').value;
  s.ke0 = choice === 'number' ? $('ke0-value').value.trim() : choice;
  return s;
}

function defaults() {
  const s = {};
  for (const el of STATE_CONTROLS()) s[el.dataset.key] = el.dataset.default;
  s.ke0 = DEFAULT_KE0_SOURCE;
  return s;
}

/// Puts a scenario (key -> text, e.g. from a shared link) into the controls; unknown keys are
/// ignored, missing ones take their defaults.
function writeState(s) {
  const d = defaults();
  for (const el of STATE_CONTROLS()) {
    const v = el.dataset.key in s ? s[el.dataset.key] : d[el.dataset.key];
    if (el.tagName === 'SELECT' && !Array.from(el.options).some((o) => o.value === v)) {
      el.value = el.dataset.default;
      linkErrors.push([el.id, `link: ${el.dataset.key} must be one of ` +
        `[${Array.from(el.options).map((o) => o.value).join(', ')}], got "${v}"; ` +
        `showing ${el.dataset.default} instead`]);
    } else {
      el.value = v;
      if (el.value !== v)  // a number box refuses text that is not a number: say so
        linkErrors.push([el.id, `link: ${el.dataset.key} must be a number, got "${v}"`]);
    }
  }
  const ke0 = 'ke0' in s ? s.ke0 : d.ke0;
  const named = KE0.some((k) => k.key === ke0);
  $('ke0-choice').value = named ? ke0 : 'number';
  $('ke0-value').value = named ? fmtG(KE0.find((k) => k.key === ke0).ke0_per_min, 3) : ke0;
  syncVisibility();
  syncSliders();
}

function stateFromUrl() {
  const text = location.hash.length > 1 ? location.hash.slice(1) : location.search.slice(1);
  return Object.fromEntries(new URLSearchParams(text));
}

function urlFor(s) {
  return '#' + new URLSearchParams(s).toString();
}

/// The chosen IV model's population and covariate ranges, under its select.
function describeIvModel() {
  const m = CATALOGUE[$('iv-model').value];
  const ranges = m.covariates.map((c) => `${c.name} ${fmtG(c.min)}-${fmtG(c.max)}${c.unit ? ' ' + c.unit : ''}`);
  $('iv-model-info').textContent = `Fitted to ${m.population.split(';')[0].replace(/\.$/, '')}. Valid for ${ranges.join(', ')}.`;
}

function syncVisibility() {
  describeIvModel();
  const esk = $('nasal').value === 'esketamine';
  for (const el of document.querySelectorAll('.esketamine-only')) el.hidden = !esk;
  for (const el of document.querySelectorAll('.racemic-only')) el.hidden = esk;
  const number = $('ke0-choice').value === 'number';
  $('ke0-value').disabled = !number;
}

function syncSliders() {
  for (const id of SLIDERS) {
    const v = parseNumber($(id).value);
    if (Number.isFinite(v)) $(id + '-range').value = v;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors beside their controls
// ---------------------------------------------------------------------------------------------
const ERROR_BOX = {
  'weight': 'err-weight', 'age': 'err-age', 'iv-model': 'err-iv-model', 'iv-dose': 'err-iv-dose',
  'iv-duration': 'err-iv-duration', 'esk-doses': 'err-esk-doses',
  'device-interval': 'err-device-interval', 'nasal-mg': 'err-nasal-mg',
  'nasal-doses': 'err-nasal-doses', 'nasal-interval': 'err-nasal-interval', 'nasal-f': 'err-nasal-f',
  'ke0-value': 'err-ke0',
  'ke0-choice': 'err-ke0', 'threshold': 'err-threshold', 'end': 'err-end', 'step': 'err-end',
  'tci-ce': 'err-tci-ce',
};

function clearErrors() {
  for (const el of document.querySelectorAll('.error')) el.textContent = '';
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function showError(control, message) {
  const box = $(ERROR_BOX[control] || 'err-general');
  if (!box.textContent.includes(message)) box.textContent += (box.textContent ? ' ' : '') + message;
  if ($(control)) $(control).setAttribute('aria-invalid', 'true');
}

/// The control a message of the core is about: by the field it names (the message shape is
/// "<where>: <field> must be ..."), the arm's own fields first.
const FIELD_CONTROLS = [
  [/\bdose_mg_per_kg\b/, 'iv-dose'], [/\bweight_kg\b/, 'weight'], [/\bage_yr\b/, 'age'],
  [/\bke0\b/, 'ke0-value'], [/\bthreshold_ng_ml\b/, 'threshold'], [/\bend_min\b/, 'end'],
  [/\bstep_min\b/, 'step'], [/^models: key\b/, 'iv-model'],
];

function controlFor(arm, failure) {
  const field = (failure.message.match(/^[^:]*: ([^ ]+) must/) || [])[1] || '';
  if (arm.fieldControls[failure.stage]?.[field]) return arm.fieldControls[failure.stage][field];
  if (arm.stageControls?.[failure.stage]) return arm.stageControls[failure.stage];
  for (const [re, control] of FIELD_CONTROLS) if (re.test(field)) return control;
  for (const [re, control] of FIELD_CONTROLS) if (re.test(failure.message)) return control;
  return failure.stage === 'model' ? arm.modelControl : 'general';
}

// ---------------------------------------------------------------------------------------------
// The arms of `ketasim compare` (build_arms in compare.py)
// ---------------------------------------------------------------------------------------------
/// The covariates of `key` among those the page has, as compare.py passes them.
function covariatesFor(key, values) {
  const out = {};
  for (const c of CATALOGUE[key].covariates) if (c.name in values) out[c.name] = values[c.name];
  return out;
}

function ke0Spec(s) {
  const named = KE0.find((k) => k.key === s.ke0);
  return named ? {ke0_source: named.key} : {ke0_per_min: parseNumber(s.ke0)};
}

/// The arms of a scenario, in table order: {label, column, spec (for simulateArm),
/// fieldControls (stage -> field -> control), modelControl}; or {errors: [[control, message]]} for what the page itself
/// checks before the core (lists and counts).
///
/// The effect-site TCI arm (`--tci-ce C`) comes last, as in compare.py; its label, which gives
/// the total dose, is completed from the core's result (labelFor). Further arms belong here when
/// the core offers them: from the published variability, median and 5-95 % bands with the
/// fraction of a population above the threshold (issue 14, "when that lands").
function buildArms(s) {
  const w = parseNumber(s.w), thr = parseNumber(s.thr);
  const common = {
    ...ke0Spec(s), end_min: parseNumber(s.end), step_min: parseNumber(s.step), threshold_ng_ml: thr,
  };
  const arms = [];
  const errors = [];
  const ivDose = parseNumber(s.ivdose), ivDur = parseNumber(s.ivdur);
  arms.push({
    label: `IV racemic ketamine ${fmtG(ivDose)} mg/kg over ${fmtG(ivDur)} min [${s.ivmodel}]`,
    column: 'iv',
    model: s.ivmodel,
    modelControl: 'iv-model',
    fieldControls: {regimen: {dose_mg: 'iv-dose', duration_min: 'iv-duration'}},
    spec: {
      ...common, model: s.ivmodel, covariates: covariatesFor(s.ivmodel, {weight_kg: w}),
      doses: [{kind: 'infusion', dose_mg_per_kg: ivDose, weight_kg: w, start_min: 0,
        duration_min: ivDur}],
    },
  });
  if (s.nasal === 'esketamine') {
    const interval = parseNumber(s.devint);
    const doses = s.esk.split(',').map(parseNumber);
    if (doses.length > MAX_NASAL_ARMS)
      errors.push(['esk-doses', `esketamine doses: at most ${MAX_NASAL_ARMS} to compare, got ${doses.length}`]);
    const cov = covariatesFor('perezruixo2021', {
      age_yr: parseNumber(s.age), asian: Number(s.asian), japanese: Number(s.japanese)});
    for (const dose of doses.slice(0, MAX_NASAL_ARMS)) {
      const n = Math.round(dose / DEVICE_MG);
      arms.push({
        label: `nasal esketamine ${fmtG(dose)} mg, ${n} device${n > 1 ? 's' : ''}` +
          (n > 1 ? ` ${fmtG(interval)} min apart` : '') + ' [perezruixo2021]',
        column: `esketamine_${fmtG(dose)}mg`,
        model: 'perezruixo2021',
        modelControl: 'age',
        fieldControls: {regimen: {dose_mg: 'esk-doses', interval_min: 'device-interval'}},
        spec: {
          ...common, model: 'perezruixo2021', covariates: cov,
          doses: [{kind: 'nasal_spray', dose_mg: dose, start_min: 0, device_mg: DEVICE_MG,
            interval_min: interval}],
        },
      });
    }
  } else {
    const total = parseNumber(s.nmg), n = parseNumber(s.ndoses), gap = parseNumber(s.nint);
    const preset = PRESETS.find((p) => p.key === s.preset);
    const f = s.nf === '' ? preset.f : parseNumber(s.nf);
    if (!(Number.isInteger(n) && n >= 1 && n <= 1000))
      errors.push(['nasal-doses', `nasal doses: must be a whole number in [1, 1000], got ${s.ndoses}`]);
    if (!(Number.isFinite(gap) && gap >= 0))
      errors.push(['nasal-interval', `nasal interval: must be >= 0 min, got ${s.nint}`]);
    const doses = [];
    for (let k = 0; k < (errors.length ? 0 : n); ++k)
      doses.push({kind: 'dose', route: 'intranasal', dose_mg: total / n, time_min: k * gap,
        position: k + 1});
    const text = n === 1 ? `${fmtG(total)} mg` : `${n} x ${fmtG(total / n)} mg, ${fmtG(gap)} min apart`;
    arms.push({
      label: `nasal racemic ketamine ${text} [intranasal_racemic]`,
      column: 'intranasal',
      model: 'intranasal_racemic',
      modelControl: 'weight',
      fieldControls: {regimen: {dose_mg: 'nasal-mg', time_min: 'nasal-interval'},
        model: {f: 'nasal-f'}},
      preset,
      f,
      fGiven: s.nf !== '',
      spec: {
        ...common, model: 'intranasal_racemic',
        covariates: {weight_kg: w, f, ka_per_min: preset.ka_per_min}, doses,
      },
    });
  }
  const tciText = s.tci === undefined ? '' : s.tci;
  if (tciText !== '' || $('tci-ce').validity.badInput) {
    // `ketasim compare --tci-ce C`: the IV model (same covariates and ke0) under effect-site
    // TCI to Ce = C from 0 over the whole window, 10-s updates, unlimited rate (the core's
    // defaults, as ks.tci's). A negative or non-finite C is the library's to reject; 0, which
    // the command line refuses (a TCI arm of no drug), and text that is not a number, are the
    // page's.
    const c = parseNumber(tciText);
    if (tciText === '' || Number.isNaN(c))
      errors.push(['tci-ce', 'TCI target Ce: must be a finite number of ng/mL, got text the box ' +
        'cannot read as one; empty: no TCI arm']);
    else if (c === 0)
      errors.push(['tci-ce', 'TCI target Ce: must be > 0 ng/mL, got 0; empty: no TCI arm']);
    const base = `IV racemic ketamine, effect-site TCI to Ce ${fmtG(c)} ng/mL`;
    arms.push({
      label: `${base} [${s.ivmodel}]`,
      labelFor: (r) => `${base} (${fmtFixed(r.tci_total_dose_mg, 0)} mg) [${s.ivmodel}]`,
      column: 'iv_tci',
      model: s.ivmodel,
      modelControl: 'iv-model',
      fieldControls: {},
      stageControls: {tci: 'tci-ce'},
      tci: true,
      spec: {
        ...common, model: s.ivmodel, covariates: covariatesFor(s.ivmodel, {weight_kg: w}), doses: [],
        tci: {target_ng_ml: c, duration_min: parseNumber(s.end)},
      },
    });
  }
  arms.forEach((a, i) => {
    a.colour = a.tci ? TCI_COLOUR : PALETTE[i];
    a.shape = a.tci ? TCI_SHAPE : SHAPES[i];
  });
  return {arms, errors};
}

// ---------------------------------------------------------------------------------------------
// Sources and caveats (the lines `ketasim compare` prints under its table)
// ---------------------------------------------------------------------------------------------
function reference(key) {
  const i = CATALOGUE[key];
  const ref = i.doi ? ` (doi:${i.doi})` : i.pmid ? ` (PMID ${i.pmid})` : '';
  return `${key}: ${i.drug}; Cp is ${i.analyte}. ${i.citation}${ref}`;
}

function sourcesOf(s, arms, ke0PerMin) {
  const keys = [s.ivmodel, NASAL_MODEL[s.nasal]];
  const lines = keys.map(reference);
  if (s.nasal === 'racemic') {
    const {preset: p, f, fGiven} = arms.find((a) => a.column === 'intranasal');
    lines.push(`nasal F ${fmtG(f)}: ${fGiven ? 'given' : 'preset ' + p.key}; nasal ka ${fmtG(p.ka_per_min, 5)} /min ` +
      `for Tmax ${fmtG(p.tmax_min)} min: ka of preset ${p.key}: ${p.source}`);
  }
  const named = KE0.find((k) => k.key === s.ke0);
  lines.push('both arms use ' + (named
    ? `ke0 ${fmtG(ke0PerMin, 3)} /min (${named.key}): ${named.endpoint}, ${named.citation}; ` +
      `caveat: ${named.caveat}`
    : `ke0 ${fmtG(ke0PerMin, 3)} /min: chosen by the user`));
  lines.push("Cp plotted is each model's own sampling site (" +
    keys.map((k) => `${k}: ${CATALOGUE[k].cp_site || 'not stated'}`).join(', ') + ')');
  const thr = parseNumber(s.thr);
  lines.push(`threshold: ${fmtG(thr)} ng/mL` +
    (thr === DEFAULT_THRESHOLD_NG_ML ? `, ${THRESHOLD_SOURCE}` : ' (chosen)'));
  return lines;
}

function modelsName(s) {
  return s.nasal === 'esketamine'
    ? `${s.ivmodel} (IV racemic ketamine) and perezruixo2021 (nasal esketamine)`
    : `${s.ivmodel} (IV) and intranasal_racemic (composite, not a published model)`;
}

// ---------------------------------------------------------------------------------------------
// The table, the chart, the downloads
// ---------------------------------------------------------------------------------------------
const TABLE_HEAD = [['regimen', ''], ['Cmax', 'ng/mL'], ['Tmax', 'min'], ['Ce max', 'ng/mL'],
  ['Ce onset', 'min'], ['Ce offset', 'min'], ['time above', 'min']];

function renderTable(arms, results) {
  const thead = $('onset-table').tHead, tbody = $('onset-table').tBodies[0];
  thead.innerHTML = '<tr>' + TABLE_HEAD.map(([h, u]) =>
    `<th scope="col">${h}${u ? `<br><span class="unit">${u}</span>` : ''}</th>`).join('') + '</tr>';
  tbody.textContent = '';
  arms.forEach((arm, i) => {
    const m = results[i].metrics;
    const tr = tbody.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.innerHTML = `<span class="swatch" style="background:${arm.colour}" aria-hidden="true"></span>`;
    th.append(arm.label);
    tr.append(th);
    for (const v of [fmt1(m.cmax_ng_ml), fmt1(m.tmax_min), fmt1(m.ce_max_ng_ml),
      fmt1(m.t_onset_min), fmt1(m.t_offset_min), fmt1(m.time_above_min)])
      tr.insertCell().textContent = v;
  });
}

function niceStep(range, target) {
  const raw = range / target, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
}

function markerPath(shape, x, y, r) {
  switch (shape) {
    case 'square': return `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}Z`;
    case 'triangle': return `M${x},${y - 1.2 * r}L${x + 1.1 * r},${y + 0.8 * r}L${x - 1.1 * r},${y + 0.8 * r}Z`;
    case 'triangle-down': return `M${x},${y + 1.2 * r}L${x + 1.1 * r},${y - 0.8 * r}L${x - 1.1 * r},${y - 0.8 * r}Z`;
    case 'diamond': return `M${x},${y - 1.3 * r}L${x + 1.3 * r},${y}L${x},${y + 1.3 * r}L${x - 1.3 * r},${y}Z`;
    case 'cross': return `M${x - r},${y - r}L${x + r},${y + r}M${x + r},${y - r}L${x - r},${y + r}`;
    case 'star': {
      let d = '';
      for (let k = 0; k < 10; ++k) {
        const a = -Math.PI / 2 + (k * Math.PI) / 5, q = (k % 2 ? 0.6 : 1.5) * r;
        d += `${k ? 'L' : 'M'}${(x + q * Math.cos(a)).toFixed(2)},${(y + q * Math.sin(a)).toFixed(2)}`;
      }
      return d + 'Z';
    }
    default: return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
  }
}

/// The chart as a standalone SVG string (also what the SVG download writes): Cp dashed and Ce
/// solid per arm, the threshold band, onset markers, axes with units, legend below.
function chartSvg(arms, results, thr, title) {
  const W = 860, left = 72, right = 20, top = 62, plotH = 340, rowH = 27;
  const legendTop = top + plotH + 84, H = legendTop + rowH * (arms.length + 1) + 8;
  const t = results[0].time_min, tEnd = t[t.length - 1];
  let yMax = thr;
  for (const r of results) for (const a of [r.cp_ng_ml, r.ce_ng_ml]) for (const v of a) yMax = Math.max(yMax, v);
  const yStep = niceStep(yMax * 1.05, 6), yTop = Math.ceil((yMax * 1.05) / yStep) * yStep;
  const xStep = niceStep(tEnd, 8);
  const X = (v) => left + (v / tEnd) * (W - left - right), Y = (v) => top + plotH - (v / yTop) * plotH;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" ` +
    `role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="17">`);
  const desc = arms.map((a, i) => `${a.label}: Ce ${results[i].metrics.t_onset_min === null
    ? 'never reaches' : 'reaches'} ${fmtG(thr)} ng/mL${results[i].metrics.t_onset_min === null ? ''
    : ' at ' + fmt1(results[i].metrics.t_onset_min) + ' min'}`).join('; ');
  out.push(`<title id="chart-title">${esc(title.replace('\n', '; '))}</title><desc id="chart-desc">${esc(desc)}</desc>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  title.split('\n').forEach((line, k) => out.push(
    `<text x="${left}" y="${22 + 22 * k}" font-size="18" font-weight="600" fill="#111">${esc(line)}</text>`));
  // threshold band and line
  out.push(`<rect x="${left}" y="${Y(yTop)}" width="${W - left - right}" height="${Y(thr) - Y(yTop)}" fill="#000000" fill-opacity="0.07"/>`);
  out.push(`<line x1="${left}" x2="${W - right}" y1="${Y(thr)}" y2="${Y(thr)}" stroke="#333" stroke-width="1.5" stroke-dasharray="2 4"/>`);
  out.push(`<text x="${W - right - 6}" y="${Y(thr) - 6}" text-anchor="end" fill="#333">Ce threshold ${esc(fmtG(thr))} ng/mL</text>`);
  // axes and grid
  for (let v = 0; v <= yTop + 1e-9 * yTop; v += yStep) {
    out.push(`<line x1="${left}" x2="${W - right}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 8}" y="${Y(v) + 5}" text-anchor="end" fill="#222">${fmtG(Number(v.toPrecision(10)))}</text>`);
  }
  for (let v = 0; v <= tEnd + 1e-9 * tEnd; v += xStep) {
    out.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${top + plotH}" y2="${top + plotH + 6}" stroke="#222"/>`);
    out.push(`<text x="${X(v)}" y="${top + plotH + 26}" text-anchor="middle" fill="#222">${fmtG(Number(v.toPrecision(10)))}</text>`);
  }
  out.push(`<path d="M${left},${top}V${top + plotH}H${W - right}" fill="none" stroke="#222" stroke-width="1.5"/>`);
  out.push(`<text x="${(left + W - right) / 2}" y="${top + plotH + 50}" text-anchor="middle" fill="#111">time since the first dose, min</text>`);
  out.push(`<text transform="translate(18,${top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#111">concentration, ng/mL</text>`);
  // curves
  const line = (xs, ys) => {
    let d = '';
    for (let i = 0; i < xs.length; ++i) d += (i ? 'L' : 'M') + X(xs[i]).toFixed(1) + ',' + Y(ys[i]).toFixed(1);
    return d;
  };
  results.forEach((r, i) => {
    const c = arms[i].colour;
    out.push(`<path d="${line(r.time_min, r.cp_ng_ml)}" fill="none" stroke="${c}" stroke-width="2" stroke-dasharray="7 5" stroke-opacity="0.85"/>`);
    out.push(`<path d="${line(r.time_min, r.ce_ng_ml)}" fill="none" stroke="${c}" stroke-width="3"/>`);
  });
  // onset markers: where Ce first reaches the threshold
  results.forEach((r, i) => {
    const on = r.metrics.t_onset_min;
    if (on === null) return;
    const {colour: c, shape} = arms[i];
    out.push(`<line x1="${X(on)}" x2="${X(on)}" y1="${Y(thr)}" y2="${top + plotH}" stroke="${c}" stroke-width="1.5" stroke-dasharray="3 3"/>`);
    out.push(`<path d="${markerPath(shape, X(on), Y(thr), 7)}" fill="${shape === 'cross' ? 'none' : c}" stroke="${shape === 'cross' ? c : '#111'}" stroke-width="${shape === 'cross' ? 3 : 1.2}"><title>${esc(arms[i].label)}: Ce reaches the threshold at ${fmt1(on)} min</title></path>`);
  });
  // legend
  let y = legendTop;
  out.push(`<line x1="${left}" x2="${left + 36}" y1="${y - 5}" y2="${y - 5}" stroke="#222" stroke-width="3"/><text x="${left + 44}" y="${y}" fill="#111">Ce (effect site)</text>`);
  out.push(`<line x1="${left + 190}" x2="${left + 226}" y1="${y - 5}" y2="${y - 5}" stroke="#222" stroke-width="2" stroke-dasharray="7 5"/><text x="${left + 234}" y="${y}" fill="#111">Cp (plasma)</text>`);
  out.push(`<path d="${markerPath('circle', left + 380, y - 5, 6)}" fill="#777" stroke="#111"/><text x="${left + 392}" y="${y}" fill="#111">Ce reaches the threshold</text>`);
  arms.forEach((a, i) => {
    y += rowH;
    const {colour: c, shape} = a;
    out.push(`<line x1="${left}" x2="${left + 36}" y1="${y - 5}" y2="${y - 5}" stroke="${c}" stroke-width="4"/>`);
    out.push(`<path d="${markerPath(shape, left + 18, y - 5, 6)}" fill="${shape === 'cross' ? 'none' : c}" stroke="${shape === 'cross' ? c : '#111'}" stroke-width="${shape === 'cross' ? 3 : 1.2}"/>`);
    out.push(`<text x="${left + 44}" y="${y}" fill="#111">${esc(a.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

function download(filename, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/// The curves as `ketasim compare` writes them: time_min, then <arm>_cp_ng_ml, <arm>_ce_ng_ml.
function curvesCsv(view) {
  const cols = [['time_min', view.results[0].time_min]];
  view.arms.forEach((a, i) => {
    cols.push([`${a.column}_cp_ng_ml`, view.results[i].cp_ng_ml]);
    cols.push([`${a.column}_ce_ng_ml`, view.results[i].ce_ng_ml]);
  });
  const lines = [cols.map((c) => c[0]).join(',')];
  for (let i = 0; i < cols[0][1].length; ++i) lines.push(cols.map((c) => String(c[1][i])).join(','));
  return lines.join('\n') + '\n';
}

function downloadPng(svgText) {
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svgText], {type: 'image/svg+xml'}));
  img.onload = () => {
    const scale = 2, canvas = document.createElement('canvas');
    canvas.width = img.width * scale;
    canvas.height = img.height * scale;
    const ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob((blob) => download('ketasim_compare.png', blob), 'image/png');
  };
  img.src = url;
}

// ---------------------------------------------------------------------------------------------
// Recompute: controls -> core -> view (or the errors, keeping the last valid view)
// ---------------------------------------------------------------------------------------------
let CORE, CATALOGUE, KE0, PRESETS;
let lastView = null;
let tciCache = {key: null, result: null};  // the last effect-site TCI arm computed
let linkErrors = [];  // values of a shared link the page could not use, shown once

function allFinite(r) {
  for (const a of [r.time_min, r.cp_ng_ml, r.ce_ng_ml]) for (const v of a) if (!Number.isFinite(v)) return false;
  return true;
}

function recompute() {
  const t0 = performance.now();
  clearErrors();
  syncVisibility();
  const s = readState();
  const {arms, errors} = buildArms(s);
  for (const [control, message] of linkErrors) showError(control, message);
  linkErrors = [];
  for (const [control, message] of errors) showError(control, message);
  const results = [];
  let failed = errors.length > 0;
  if (!failed) {
    for (const arm of arms) {
      // The TCI arm is the costliest (a schedule of ~1400 infusion pieces and their onset
      // metrics, bench/README.md): kept while its own inputs stay the same.
      const key = arm.tci ? JSON.stringify(arm.spec) : null;
      const r = key !== null && tciCache.key === key ? tciCache.result : CORE.simulateArm(arm.spec);
      if (key !== null && r.ok) tciCache = {key, result: r};
      if (!r.ok) {
        showError(controlFor(arm, r), r.message);
        failed = true;
      } else if (!allFinite(r)) {
        showError('general', `${arm.label}: the core returned a non-finite concentration; nothing is shown`);
        failed = true;
      } else {
        if (arm.labelFor) arm.label = arm.labelFor(r);
        results.push(r);
      }
    }
  }
  if (failed) {
    $('status').textContent = lastView
      ? 'Input not valid (see the message beside the control): the figure and table still show the last valid scenario.'
      : 'Input not valid (see the message beside the control): nothing to show yet.';
    document.body.dataset.state = 'invalid';
    return false;
  }
  const thr = parseNumber(s.thr);
  const t = results[0].time_min;
  const age = s.nasal === 'esketamine' ? `, age ${fmtG(parseNumber(s.age))} y` : '';
  const scenario = `${fmtG(parseNumber(s.w))} kg adult${age}, Ce threshold ${fmtG(thr)} ng/mL, ` +
    `0-${fmtG(t[t.length - 1])} min`;
  const ke0Label = KE0.some((k) => k.key === s.ke0) ? s.ke0 : 'user-chosen';
  const title = `${fmtG(parseNumber(s.w))} kg adult, ke0 for both: ${ke0Label}` +
    (s.nasal === 'esketamine' ? '\nracemic and esketamine concentrations are not equipotent' : '');
  lastView = {state: s, arms, results, svg: chartSvg(arms, results, thr, title)};
  $('scenario').textContent = scenario;
  $('chart').innerHTML = lastView.svg;
  renderTable(arms, results);
  $('sources').replaceChildren(...[`models (typical values): ${modelsName(s)}`,
    ...sourcesOf(s, arms, results[0].ke0_per_min)].map((x) => Object.assign(document.createElement('li'), {textContent: x})));
  const notes = (s.nasal === 'esketamine' ? [POTENCY_NOTE] : []).concat([CE_NOTE]);
  $('notes').replaceChildren(...notes.map((x) => Object.assign(document.createElement('li'), {textContent: x})));
  $('status').textContent = '';
  document.body.dataset.state = 'valid';
  const url = urlFor(s);
  if (location.hash !== url) history.replaceState(null, '', url);
  window.ketasimPage.lastRecomputeMs = performance.now() - t0;
  return true;
}

function fillSelects() {
  const iv = Object.values(CATALOGUE).filter((m) =>
    m.routes.includes('iv') && m.drug === 'racemic ketamine' && m.published_model);
  $('iv-model').replaceChildren(...iv.map((m) => new Option(`${m.key}: ${m.title}, ${m.population.split(/[;.(]/)[0]}`, m.key)));
  $('nasal-preset').replaceChildren(...PRESETS.map((p) =>
    new Option(`${p.key}: F ${fmtG(p.f)}, Tmax ${fmtG(p.tmax_min)} min`, p.key)));
  $('ke0-choice').replaceChildren(
    ...KE0.map((k) => new Option(`${k.key}: ${fmtG(k.ke0_per_min, 3)} /min, ${k.endpoint}`, k.key)),
    new Option('a number of my own (1/min)', 'number'));
}

async function start() {
  window.ketasimPage = {ready: false, lastRecomputeMs: null, recompute, curvesCsv: () => lastView && curvesCsv(lastView)};
  CORE = await createKetasim();
  CATALOGUE = Object.fromEntries(CORE.catalogue().map((m) => [m.key, m]));
  KE0 = CORE.literatureKe0();
  PRESETS = CORE.nasalPresets();
  $('version').textContent = document.body.dataset.version || '';
  fillSelects();
  writeState(stateFromUrl());
  recompute();
  const onInput = (e) => {
    const id = e.target.id;
    if (id.endsWith('-range')) $(id.slice(0, -6)).value = e.target.value;
    else if (SLIDERS.includes(id)) syncSliders();
    recompute();
  };
  $('controls').addEventListener('input', onInput);
  $('controls').addEventListener('change', onInput);
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  window.addEventListener('hashchange', () => {
    if (lastView && location.hash === urlFor(lastView.state)) return;
    writeState(stateFromUrl());
    recompute();
  });
  $('reset').addEventListener('click', () => { clearErrors(); writeState(defaults()); recompute(); });
  $('download-csv').addEventListener('click', () => lastView &&
    download('ketasim_compare.csv', new Blob([curvesCsv(lastView)], {type: 'text/csv'})));
  $('download-svg').addEventListener('click', () => lastView &&
    download('ketasim_compare.svg', new Blob([lastView.svg], {type: 'image/svg+xml'})));
  $('download-png').addEventListener('click', () => lastView && downloadPng(lastView.svg));
  window.ketasimPage.ready = true;
}

start().catch((e) => {
  $('err-general').textContent = 'The page could not start the ketasim core: ' + e;
});
