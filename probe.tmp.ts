import { defaultCanonicalizer } from './intent/index.js';
const c = defaultCanonicalizer();
const cases = process.argv.slice(2);
for (const t of cases) console.log(JSON.stringify(t), '=>', c.pairs(t));
