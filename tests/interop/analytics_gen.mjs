// Deterministic generator of raw pin/geo/user NDJSON for the analytics cross-check
// (analytics.test.mjs) and for local timing: `node analytics_gen.mjs N DIR` writes
// DIR/pin.ndjson, geo.ndjson, user.ndjson for N interactions.
//
// Like the emulator, each interaction posts a source row drawn at random, so rows repeat
// (exact duplicates). Each post varies the spelling: numbers as JSON numbers or strings,
// `ind` or `index`, "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" — decoded values are the
// same, so these are still duplicates. It exercises every sentinel, follower-count formats
// (plain, k, M, garbage, int32 overflow, null), nulls, ages outside every group, years
// outside the analytics' ranges, few categories and posters (ties), and a sprinkling of
// records that must be quarantined.
import { appendFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = ['christmas', 'quotes', 'tattoos', 'travel', 'art', 'mens-fashion',
  'diy-and-crafts', 'home-decor', 'education', 'finance', 'event-planning', 'beauty', 'vehicles'];
const COUNTRIES = ['Albania', 'Algeria', 'Afghanistan', 'Aruba', 'American Samoa', 'Andorra',
  'Angola', 'Antarctica (the territory South of 60 deg S)', 'Bahamas', 'Côte d\'Ivoire',
  'Cocos (Keeling) Islands', 'Zimbabwe', 'Åland, "quoted"', 'Réunion'];
const SENTINELS = ['', 'No description available Story format', 'No description available',
  'User Info Error', 'Image src error.', 'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e', 'No Title Data Available'];
const WORDS = ['cozy', 'winter', 'ideas', 'DIY', 'modern', 'vintage', 'quote', 'love', 'travel',
  'tips', 'money', 'art', 'café', 'déco', 'Ünïcode', 'tattoo', 'design', 'home', 'best', 'easy'];
const FIRST = ['Adam', 'Alexander', 'Andrea', 'Christopher', 'Thomas', 'Zoë', 'Ana', 'Li'];
const LAST = ['Acosta', 'Turner', 'Bradshaw', 'Butler', 'Hernandez', "O'Neil", 'Smith'];
const FC_FORMATS = ['437', '0', '999', '26k', '1k', '991k', '1M', '8M', '15M', '2147483647',
  '2147483648', '2147484k', '3000M', 'User Info Error', '', 'abc', '12.5k', '-5', ' 7', '7K'];

function words(r, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ');
}
const pick = (r, arr) => arr[Math.floor(r() * arr.length)];
const pad = (n, w = 2) => String(n).padStart(w, '0');

function makeSource(n, seed) {
  const r = rng(seed);
  const posters = [];
  for (let i = 0; i < 300; i++) {
    let fc = r() < 0.9 ? pick(r, FC_FORMATS.slice(0, 9)) : pick(r, FC_FORMATS);
    if (r() < 0.01) fc = null;
    const name = r() < 0.03 ? pick(r, ['User Info Error', '']) : `${pick(r, FIRST)} ${words(r, 1)} ${i % 97}`;
    posters.push({ name, fc });
  }
  const rows = [];
  for (let k = 0; k < n; k++) {
    const cat = r() < 0.005 ? null : pick(r, CATEGORIES);
    const p = pick(r, posters);
    const sent = () => (r() < 0.06 ? pick(r, SENTINELS) : null);
    const pin = {
      unique_id: `${(r() * 1e9) | 0}-${k}`,
      title: sent() ?? (r() < 0.01 ? null : words(r, 3 + Math.floor(r() * 6))),
      description: sent() ?? (words(r, 15 + Math.floor(r() * 15)) + (r() < 0.4 ? '…' : '')),
      poster_name: p.name,
      follower_count: p.fc,
      tag_list: sent() ?? Array.from({ length: 9 }, () => words(r, 2)).join(','),
      is_image_or_video: r() < 0.9 ? 'image' : pick(r, ['video', 'multi-video(story page format)']),
      image_src: sent() ?? `https://i.pinimg.com/originals/${(r() * 1e12).toString(16)}.jpg`,
      downloaded: r() < 0.97 ? 1 : 0,
      save_location: r() < 0.98 ? `Local save in /data/${cat ?? 'none'}` : '/elsewhere, "odd"',
      category: cat,
    };
    const y = 2016 + Math.floor(r() * 8);
    const geo = {
      timestamp: r() < 0.01 ? null
        : `${y}-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))} ${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}:${pad(Math.floor(r() * 60))}`,
      latitude: r() < 0.01 ? null : Math.round((r() * 180 - 90) * 1e4) / 1e4,
      longitude: Math.round((r() * 360 - 180) * 1e3) / 1e3,
      country: r() < 0.01 ? null : COUNTRIES[Math.min(COUNTRIES.length - 1, Math.floor(-Math.log(1 - r()) * 3))],
    };
    const jy = 2014 + Math.floor(r() * 8);
    const user = {
      first_name: r() < 0.01 ? null : pick(r, FIRST),
      last_name: pick(r, LAST),
      age: r() < 0.01 ? null : 15 + Math.floor(r() * 50),
      date_joined: r() < 0.01 ? null
        : `${jy}-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))} 0${Math.floor(r() * 10)}:15:00`,
    };
    rows.push({ pin, geo, user });
  }
  return rows;
}

// One post of a row: vary spellings without changing decoded values.
function render(r, kind, k, obj) {
  const o = {};
  o[r() < 0.5 ? 'ind' : 'index'] = r() < 0.5 ? k : String(k);
  for (const [key, v] of Object.entries(obj)) {
    if (v === null) {
      if (r() < 0.5) o[key] = null;  // else: missing
    } else if (typeof v === 'number') {
      o[key] = r() < 0.5 ? v : String(v);
    } else if ((key === 'timestamp' || key === 'date_joined') && r() < 0.5) {
      o[key] = v.replace(' ', 'T');
    } else {
      o[key] = v;
    }
  }
  return JSON.stringify(o);
}

const BAD = [
  'not json at all',
  '[1,2,3]',
  '{"title":"no ind here"}',
  '{"ind":"abc","title":"x"}',
  '{"ind":1.5}',
  '{"ind":7,"age":"old"}',
  '{"ind":7,"timestamp":"2020-13-01 00:00:00"}',
  '{"ind":7,"timestamp":"2021-02-29 10:00:00"}',
  '{"ind":7,"latitude":"north"}',
  '{"ind":7,"title":true}',
  '{"ind":7,"title":{"a":1}}',
  '{"ind":7} trailing',
  '{"ind":null,"index":3}',
  '{"ind":99999999999999999999}',
];

// Returns { pin, geo, user } arrays of NDJSON lines for `n` interactions.
export function generateLines(n, seed = 1) {
  const sourceRows = Math.max(10, Math.floor(n / 3));
  const src = makeSource(sourceRows, seed);
  const r = rng(seed * 7 + 3);
  const out = { pin: [], geo: [], user: [] };
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * sourceRows);
    const row = src[k];
    out.pin.push(render(r, 'pin', k, row.pin));
    if (r() < 0.98) out.geo.push(render(r, 'geo', k, row.geo));  // some pins have no geo
    if (r() < 0.98) out.user.push(render(r, 'user', k, row.user));
    if (r() < 0.001) out[pick(r, ['pin', 'geo', 'user'])].push(pick(r, BAD));
    if (r() < 0.0005) out.pin.push('   ');
  }
  return out;
}

// Returns { pin, geo, user } NDJSON strings for `n` interactions (small n).
export function generate(n, seed = 1) {
  const l = generateLines(n, seed);
  return { pin: l.pin.join('\n') + '\n', geo: l.geo.join('\n') + '\n', user: l.user.join('\n') + '\n' };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  const dir = process.argv[3] ?? '.';
  mkdirSync(dir, { recursive: true });
  const g = generateLines(n, 1);
  for (const t of ['pin', 'geo', 'user']) {
    const f = join(dir, `${t}.ndjson`);
    writeFileSync(f, '');
    for (let i = 0; i < g[t].length; i += 100000)
      appendFileSync(f, g[t].slice(i, i + 100000).join('\n') + '\n');
  }
}
