// Spectral custom function for the checks of bench/peers/spectral/ruleset.yaml that need cross-references, dates
// or durations. Same semantics as bench/ten-checks.yaml: a condition over a missing field = not applicable; a rule
// over a missing field = a finding. Dates are YYYY-MM-DD strings (Spectral's YAML parser keeps them as strings).
'use strict';

const UNIT_S = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const PERIOD_RE = /^(?:\d+[wdhms])+$/;

function period(s) {
  if (typeof s !== 'string' || !PERIOD_RE.test(s)) throw new Error('bad period ' + s);
  let t = 0;
  for (const m of s.matchAll(/(\d+)([wdhms])/g)) t += Number(m[1]) * UNIT_S[m[2]];
  return t;
}

function date(s) {
  if (typeof s !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(s)) throw new Error('bad date ' + s);
  return Date.parse(s + 'T00:00:00Z') / 1000;
}

const has = (o, k) => o !== null && typeof o === 'object' && !Array.isArray(o) && o[k] !== undefined && o[k] !== null;
const ids = (list) => (Array.isArray(list) ? list.map((x) => x && x.id) : []);

// check -> [when or null, rule]; an exception in `when` = not applicable, in `rule` = finding.
const CHECKS = {
  'BCP-META-004': [null, (s, doc, o, now) => has(doc, 'metadata') && has(doc.metadata, 'next_review')
    && date(doc.metadata.next_review) >= now],
  'BCP-RTO-002': [(s) => has(s, 'rto') && has(s, 'mtpd'), (s) => period(s.rto) <= period(s.mtpd)],
  'BCP-DEP-002': [null, (s, doc) => has(s, 'owner') && ids(doc.people).includes(s.owner)],
  'BCP-DEP-003': [null, (s, doc) => has(s, 'provider') && ids(doc.providers).includes(s.provider)],
  'BCP-ROLE-003': [null, (s) => has(s, 'alternates') && s.alternates.length >= 1
    && (!has(s, 'primary') || s.alternates.every((a) => a !== s.primary))],
  'BCP-BAK-004': [null, (s, doc, o, now) => {
    const rt = s.restore_test;
    if (!has(s, 'restore_test') || !has(rt, 'date') || !has(rt, 'result') || rt.result !== 'pass') return false;
    const t = date(rt.date);
    return t <= now && now - t <= period(o.restoreTestMaxAge);
  }],
  'BCP-DEP-006': [(s) => has(s, 'rto'), (s, doc) => {
    if (!has(s, 'depends_on')) return true;
    const rto = period(s.rto);
    return s.depends_on.every((id) => doc.dependencies.filter((d) => d.id === id).every((d) =>
      (has(d, 'rto') && period(d.rto) <= rto)
      || (has(d, 'contingency') && has(d.contingency, 'activation_time')
          && period(d.contingency.activation_time) <= rto)));
  }],
};

module.exports = function bcpTen(targetVal, opts, context) {
  const [when, rule] = CHECKS[opts.check];
  const doc = context.document.data;
  const now = opts.asOf ? date(process.env.BCP_AS_OF || opts.asOf) : 0;
  if (when) {
    try {
      if (!when(targetVal, doc, opts, now)) return [];
    } catch (e) {
      return [];
    }
  }
  let ok;
  try {
    ok = rule(targetVal, doc, opts, now);
  } catch (e) {
    ok = false;
  }
  return ok ? [] : [{ message: opts.check + ' failed' }];
};
